"""What each column of a dataset is, and whether its target calls for regression or classification.

Roles, decided column by column (``infer_schema``):

* ``target`` — the column named as the target.
* ``date`` — datetime columns, and text columns whose values read as ISO 8601 dates at least
  95 % of the time; inside the pipeline a date becomes numbers (year, month, day, …).
* ``numeric`` — number columns, and text columns whose values read as numbers at least 95 %
  of the time (the rest are row-level problems, see ``validation``).
* ``categorical`` — other text columns, booleans and pandas categories.
* ``ignored`` — with the reason: every value missing; one value throughout; text whose
  values are all different or that has more distinct values than half its rows (free text,
  identifiers) or more than 1,000; integers that are all different and either count up one
  by one or sit in a column named like an identifier (``id``, ``user_id``, ``PID``).

The task (``task_for``): text, boolean and category targets are classification; so are
integer targets with at most 10 distinct values (``0/1``, a 1-5 rating); any other numeric
target is regression (and so is any with fewer than two rows per distinct value, unless
it has only two). An explicit task overrides the inference.
"""

import re
from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from preditiva.core.errors import InvalidInputError
from preditiva.ml.tabular.values import (
    PART_SEPARATOR,
    AnySeries,
    blank_to_na,
    is_text,
    to_dates,
    to_labels,
    to_numbers,
)

Role = Literal["numeric", "categorical", "date", "ignored", "target"]
Task = Literal["regression", "classification"]
TASKS: tuple[Task, ...] = get_args(Task)

#: A text column is numeric (a date) when at least this share of its values read as such.
PARSE_SHARE = 0.95
#: Integer targets with at most this many distinct values are classes, not amounts.
MAX_INTEGER_CLASSES = 10
#: Identifier and free-text rules apply from this many non-missing values on.
MIN_ROWS_FOR_IDENTIFIER = 20
#: Text with more distinct values than this share of its rows is not a category.
MAX_DISTINCT_SHARE = 0.5
#: Text with more distinct values than this is not a category, whatever the row count.
MAX_CATEGORIES = 1000

_IDENTIFIER_NAME = re.compile(r"^(?:.*[_\s.-])?(?:id|uuid|guid|pid)$|^.*[a-z]Id$", re.IGNORECASE)


@dataclass(frozen=True)
class ColumnSchema:
    """One column: role, pandas dtype, missing share, distinct values, why it is ignored."""

    name: str
    role: Role
    dtype: str
    missing_share: float
    cardinality: int
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return asdict(self)


@dataclass(frozen=True)
class DatasetSchema:
    """Every column of a dataset in file order, the target and the task it calls for."""

    target: str
    task: Task
    n_rows: int
    columns: tuple[ColumnSchema, ...]

    def names(self, role: Role) -> tuple[str, ...]:
        """Columns with this role, in file order."""
        return tuple(column.name for column in self.columns if column.role == role)

    @property
    def numeric(self) -> tuple[str, ...]:
        """Numeric feature columns."""
        return self.names("numeric")

    @property
    def categorical(self) -> tuple[str, ...]:
        """Categorical feature columns."""
        return self.names("categorical")

    @property
    def dates(self) -> tuple[str, ...]:
        """Date feature columns."""
        return self.names("date")

    @property
    def ignored(self) -> tuple[str, ...]:
        """Columns left out of the model."""
        return self.names("ignored")

    @property
    def features(self) -> tuple[str, ...]:
        """The columns a prediction request must send, in file order."""
        used = {"numeric", "categorical", "date"}
        return tuple(column.name for column in self.columns if column.role in used)

    def column(self, name: str) -> ColumnSchema:
        """The column of this name; KeyError if there is none."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values, as a dataset version stores them."""
        return {
            "target": self.target,
            "task": self.task,
            "n_rows": self.n_rows,
            "columns": [column.to_dict() for column in self.columns],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "DatasetSchema":
        """Rebuild a schema stored with ``to_dict``."""
        return cls(
            target=data["target"],
            task=data["task"],
            n_rows=int(data["n_rows"]),
            columns=tuple(ColumnSchema(**column) for column in data["columns"]),
        )


def infer_schema(frame: pd.DataFrame, target: str, *, task: str | None = None) -> DatasetSchema:
    """Each column's role (see the module docstring) and the task; ``task`` overrides."""
    _check_frame(frame, target)
    n_rows = len(frame)
    columns = tuple(
        _describe_target(frame[name], n_rows) if name == target else _describe(frame[name], n_rows)
        for name in frame.columns
    )
    return DatasetSchema(
        target=target, task=task_for(frame[target], task), n_rows=n_rows, columns=columns
    )


def task_for(target: AnySeries, task: str | None = None) -> Task:
    """``"regression"`` or ``"classification"`` for this target column; ``task`` overrides."""
    present = blank_to_na(target).dropna()
    name = str(target.name)
    if present.empty:
        raise InvalidInputError(
            f"the target column {name!r} has no values",
            details=[{"field": name, "message": "every value is missing"}],
        )
    if task is not None:
        return _checked_task(task, present, name)
    if pd.api.types.is_bool_dtype(present.dtype):
        return "classification"
    numbers = to_numbers(present)
    if numbers.notna().mean() < PARSE_SHARE:
        return "classification"
    known = numbers.dropna()
    integral = bool(np.all(np.isfinite(known)) and np.all(known == np.round(known)))
    distinct = known.nunique()
    few_values = distinct <= MAX_INTEGER_CLASSES and distinct <= len(known) / 2
    if integral and (distinct <= 2 or few_values):
        return "classification"
    return "regression"


def _checked_task(task: str, present: AnySeries, name: str) -> Task:
    """An explicit task, refused when unknown or when regression meets a non-numeric target."""
    if task not in TASKS:
        raise InvalidInputError(
            f"unknown task {task!r}",
            details=[{"field": "task", "message": f"must be one of: {', '.join(TASKS)}"}],
        )
    if task == "regression" and to_numbers(present).notna().mean() < PARSE_SHARE:
        raise InvalidInputError(
            f"regression needs a numeric target, and {name!r} is mostly not numbers",
            details=[{"field": name, "message": "not numbers: use classification"}],
        )
    return task


def _check_frame(frame: pd.DataFrame, target: str) -> None:
    """Refuse frames without rows, with non-text or repeated column names, or no target."""
    names = list(frame.columns)
    problems: list[dict[str, Any]] = []
    if frame.empty:
        problems.append({"field": "rows", "message": "the dataset has no rows"})
    bad = [str(name) for name in names if not isinstance(name, str) or PART_SEPARATOR in name]
    problems += [{"field": name, "message": "column names must be plain text"} for name in bad]
    repeated = sorted({str(name) for name in names if names.count(name) > 1})
    problems += [{"field": name, "message": "column name used twice"} for name in repeated]
    if target not in names:
        problems.append({"field": "target", "message": f"no column named {target!r}"})
    if problems:
        raise InvalidInputError("the dataset cannot be used as it is", details=problems)


def _describe_target(values: AnySeries, n_rows: int) -> ColumnSchema:
    """The target column's dtype, missing share and distinct values."""
    present = blank_to_na(values).dropna()
    return ColumnSchema(
        name=str(values.name),
        role="target",
        dtype=str(values.dtype),
        missing_share=_share(n_rows - len(present), n_rows),
        cardinality=int(present.astype(object).nunique()),
    )


def _describe(values: AnySeries, n_rows: int) -> ColumnSchema:
    """One feature column's role, dtype, missing share, distinct values and reason if ignored."""
    name, dtype = str(values.name), str(values.dtype)
    present = blank_to_na(values).dropna()
    missing_share = _share(n_rows - len(present), n_rows)
    if present.empty:
        return ColumnSchema(name, "ignored", dtype, missing_share, 0, "every value is missing")
    role, readings = _role_and_readings(present)
    distinct = readings.drop_duplicates()
    cardinality = len(distinct)
    reason = _reason_to_ignore(name, role, distinct, len(present))
    return ColumnSchema(
        name=name,
        role="ignored" if reason else role,
        dtype=dtype,
        missing_share=missing_share,
        cardinality=cardinality,
        reason=reason,
    )


def _role_and_readings(present: AnySeries) -> tuple[Role, AnySeries]:
    """A column's role, and its non-missing values (distinct ones for text) read in that role."""
    dtype = present.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "date", to_dates(present)
    if pd.api.types.is_bool_dtype(dtype):
        return "categorical", to_labels(present)
    if pd.api.types.is_numeric_dtype(dtype) and not is_text(present):
        return "numeric", to_numbers(present)
    if not is_text(present):
        return "categorical", to_labels(present)
    counts = present.value_counts(sort=False)
    distinct = pd.Series(counts.index.to_numpy(dtype=object), dtype=object)
    weights = counts.to_numpy()
    needed = PARSE_SHARE * weights.sum()
    numbers = to_numbers(distinct)
    if weights[numbers.notna().to_numpy()].sum() >= needed:
        return "numeric", numbers.dropna()
    stamps = to_dates(distinct)
    if weights[stamps.notna().to_numpy()].sum() >= needed:
        return "date", stamps.dropna()
    return "categorical", to_labels(distinct)


def _reason_to_ignore(name: str, role: Role, distinct: AnySeries, count: int) -> str | None:
    """Why a column (``count`` values, ``distinct`` readings) is of no use, or None."""
    cardinality = len(distinct)
    if cardinality == 1:
        return f"one value throughout ({distinct.iloc[0]!s}): nothing to learn from"
    if count < MIN_ROWS_FOR_IDENTIFIER:
        return None
    if role == "categorical":
        if cardinality == count:
            return "every value is different: an identifier or free text"
        if cardinality > MAX_CATEGORIES:
            return f"{cardinality} distinct values: too many to use as categories"
        if cardinality > MAX_DISTINCT_SHARE * count:
            return f"{cardinality} distinct values in {count} rows: free text or an identifier"
    if role == "numeric" and cardinality == count and _counts_like_identifier(name, distinct):
        return "every value is a different whole number, like row numbers or identifiers"
    return None


def _counts_like_identifier(name: str, numbers: AnySeries) -> bool:
    """Whole numbers that step by one when sorted, or that sit in a column named like an id."""
    values = numbers.to_numpy(dtype=np.float64)
    if not bool(np.all(values == np.round(values))):
        return False
    return bool(_IDENTIFIER_NAME.match(name)) or bool(np.all(np.diff(np.sort(values)) == 1))


def _share(part: int, whole: int) -> float:
    """``part / whole``, rounded to 6 decimals (0 when ``whole`` is 0)."""
    return round(part / whole, 6) if whole else 0.0
