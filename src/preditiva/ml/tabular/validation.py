"""Row-level problems of training data, and raw prediction rows checked and typed.

Every problem is ``{"row", "field", "message"}`` (``row`` is None for a problem of the whole
column or dataset), the shape price imports use. Rows are numbered from 0 in frame or request
order; a reader that knows better (a CSV header) adds its own offset. Only the first 100
problems are kept in full, dataset-level ones first, then by row; ``total`` counts them all.
"""

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from numbers import Integral
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from preditiva.core.errors import DataValidationError
from preditiva.core.numbers import finite_float
from preditiva.ml.tabular.schema import DatasetSchema
from preditiva.ml.tabular.values import (
    SMALL_COLUMN,
    AnySeries,
    blank_to_na,
    small_labels,
    to_classes,
    to_dates,
    to_labels,
    to_numbers,
)

MAX_PROBLEMS = 100
#: More classes than this and the target is more likely an amount than a label.
MAX_CLASSES = 100
_DATE_HINT = "an ISO 8601 date such as 2010-06-30"
_EXPECTED = {"numeric": "a number", "categorical": "text", "date": _DATE_HINT}

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class FrameCheck:
    """The first problems found, how many there were, and every row that had one."""

    problems: tuple[dict[str, Any], ...]
    total: int
    bad_rows: IntArray

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return self.total == 0

    def raise_if_invalid(self, what: str = "dataset") -> None:
        """Raise DataValidationError listing the problems, if there are any."""
        if self.total:
            raise DataValidationError(
                f"{self.total} problem(s) in the {what}", details=list(self.problems)
            )


@dataclass
class _ProblemLog:
    """Problems gathered check by check, kept in (row, check) order up to ``MAX_PROBLEMS``."""

    found: list[tuple[int, int, dict[str, Any]]] = field(default_factory=list)
    total: int = 0
    checks: int = 0
    rows: list[IntArray] = field(default_factory=list)

    def add(self, row: int | None, column: str | None, message: str) -> None:
        """Count one problem (``row`` None: the whole column or dataset)."""
        self.checks += 1
        self.total += 1
        if row is not None:
            self.rows.append(np.array([row], dtype=np.int64))
        self.found.append((-1 if row is None else row, self.checks, _problem(row, column, message)))

    def add_rows(self, mask: AnySeries, column: str, describe: Callable[[Any], str]) -> None:
        """Count a problem on every row where ``mask`` holds; ``describe(row)`` says what."""
        positions = np.flatnonzero(mask.to_numpy(dtype=bool))
        if not positions.size:
            return
        self.checks += 1
        self.rows.append(positions.astype(np.int64))
        self.total += int(positions.size)
        for position in positions[:MAX_PROBLEMS]:
            row = int(position)
            self.found.append((row, self.checks, _problem(row, column, describe(row))))

    def check(self) -> FrameCheck:
        """The first problems in order, the total, and the rows that had any."""
        kept = [problem for _, _, problem in sorted(self.found, key=lambda item: item[:2])]
        rows = np.unique(np.concatenate(self.rows)) if self.rows else np.zeros(0, np.int64)
        return FrameCheck(tuple(kept[:MAX_PROBLEMS]), self.total, rows.astype(np.int64))


def validate_frame(
    frame: pd.DataFrame, schema: DatasetSchema, *, min_class_rows: int = 2
) -> FrameCheck:
    """Problems that stop ``frame`` from training a model of ``schema``.

    Missing columns, no usable feature, a missing target value, a regression target that is
    not a finite number, numbers or dates that do not read in columns inferred from text, and
    for classification fewer than two classes, more than 100, or a class with fewer than
    ``min_class_rows`` rows (cross-validation needs one per fold).
    """
    log = _ProblemLog()
    for name in (*schema.features, schema.target):
        if name not in frame.columns:
            log.add(None, name, "column missing")
    if not schema.features:
        log.add(None, None, "no column can be a feature: every one is ignored (see the schema)")
    if schema.target in frame.columns:
        _check_target(frame[schema.target].reset_index(drop=True), schema, log, min_class_rows)
    for name in schema.numeric:
        if name in frame.columns:
            _check_numbers(frame[name].reset_index(drop=True), log)
    for name in schema.dates:
        if name in frame.columns:
            _check_dates(frame[name].reset_index(drop=True), log)
    return log.check()


def check_rows(rows: Sequence[Any], schema: DatasetSchema) -> pd.DataFrame:
    """Raw prediction rows as a typed frame of the schema's features, or DataValidationError.

    The rows are checked by ``check_records``. A request of at most ``SMALL_COLUMN`` rows is
    typed value by value (``typed_values``), the same way the column readers of a larger one
    type it.
    """
    return records_frame(check_records(rows, schema), schema)


def records_frame(records: Sequence[Mapping[str, Any]], schema: DatasetSchema) -> pd.DataFrame:
    """Checked request rows (``check_records``) as a typed frame of the schema's features."""
    roles = {column.name: column.role for column in schema.columns}
    if len(records) <= SMALL_COLUMN:
        columns = {name: typed_values(records, name, roles[name]) for name in schema.features}
        return pd.DataFrame(columns, index=pd.RangeIndex(len(records)))
    return typed_frame(
        pd.DataFrame({name: [record[name] for record in records] for name in schema.features}),
        schema,
    )


def check_records(rows: Sequence[Any], schema: DatasetSchema) -> list[Mapping[str, Any]]:
    """Raw prediction rows checked, or DataValidationError listing every problem.

    Each row is an object with one value per feature (null when unknown). Every missing
    column, unknown column and wrongly typed value is listed; columns the schema ignores are
    accepted (and later dropped); the target column is refused. The checks read each value
    in Python.
    """
    log = _ProblemLog()
    if not isinstance(rows, Sequence) or isinstance(rows, str | bytes) or not rows:
        log.add(None, "rows", "send a non-empty list of rows")
        log.check().raise_if_invalid("rows")
    records = [row if isinstance(row, Mapping) else {} for row in rows]
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            log.add(index, None, "expected an object with one value per column")
    roles = {column.name: column.role for column in schema.columns}
    _check_columns(records, schema, roles, log)
    for name in schema.features:
        expected = roles[name]
        for index, record in enumerate(records):
            if name in record and not _fits(record[name], expected):
                wanted = _EXPECTED[expected]
                log.add(index, name, f"expected {wanted}, got {_shown(record[name])}")
    log.check().raise_if_invalid("rows")
    return records


def typed_values(records: Sequence[Mapping[str, Any]], name: str, role: str) -> npt.NDArray[Any]:
    """One column of a few checked records, typed value by value as ``typed_frame`` types it.

    Float64 numbers, labels as objects (``values.small_labels``), naive-UTC datetime64 dates.
    """
    values = [record[name] for record in records]
    if role == "numeric":  # checked: a finite real number, null or NaN
        return np.array([np.nan if value is None else float(value) for value in values])
    if role == "categorical" and (labels := small_labels(values)) is not None:
        return np.array(labels, dtype=object)
    read = to_labels if role == "categorical" else to_dates
    return read(pd.Series(values)).to_numpy()


def typed_frame(frame: pd.DataFrame, schema: DatasetSchema) -> pd.DataFrame:
    """The schema's features read as float64 numbers, text labels and naive-UTC dates."""
    readers = {"numeric": to_numbers, "categorical": to_labels, "date": to_dates}
    columns = {name: readers[_role(schema, name)](frame[name]) for name in schema.features}
    return pd.DataFrame(columns, index=frame.index)


def _check_columns(
    records: list[Mapping[str, Any]],
    schema: DatasetSchema,
    roles: Mapping[str, str],
    log: _ProblemLog,
) -> None:
    """Unknown columns once each; missing columns once if no row has them, else per row."""
    seen: dict[str, None] = {}
    for record in records:
        seen.update(dict.fromkeys(str(key) for key in record))
    for name in seen:
        if name == schema.target:
            log.add(None, name, "the target column: the model predicts it, leave it out")
        elif name not in roles:
            log.add(None, name, "unknown column: not a column of the dataset")
    for name in schema.features:
        lacking = [index for index, record in enumerate(records) if name not in record]
        if not lacking:
            continue
        expected = f"missing column: expected {_EXPECTED[roles[name]]} (null if unknown)"
        if len(lacking) == len(records):
            log.add(None, name, expected)
        else:
            for index in lacking:
                log.add(index, name, expected)


def _check_target(
    values: AnySeries, schema: DatasetSchema, log: _ProblemLog, min_class_rows: int
) -> None:
    """Missing targets; non-numbers for regression; too few or too many classes."""
    name = schema.target
    missing = blank_to_na(values).isna()
    log.add_rows(missing, name, lambda _: "target value missing")
    if schema.task == "regression":
        numbers = to_numbers(values)
        bad = ~missing & ~np.isfinite(numbers.fillna(np.inf))
        log.add_rows(bad, name, lambda row: f"expected a number, got {_shown(values.iloc[row])}")
        return
    counts = to_classes(values[~missing]).value_counts()
    if len(counts) < 2:
        log.add(None, name, "fewer than two classes: nothing to tell apart")
    elif len(counts) > MAX_CLASSES:
        log.add(None, name, f"{len(counts)} classes: too many; is the target an amount?")
    for label, count in counts[counts < min_class_rows].items():
        log.add(
            None,
            name,
            f"class {label!s} has {count} row(s); cross-validation needs {min_class_rows}",
        )


def _check_numbers(values: AnySeries, log: _ProblemLog) -> None:
    """Values that are present but not finite numbers."""
    present = blank_to_na(values).notna()
    numbers = to_numbers(values)
    bad = present & ~np.isfinite(numbers.fillna(np.inf))
    log.add_rows(
        bad, str(values.name), lambda row: f"expected a number, got {_shown(values.iloc[row])}"
    )


def _check_dates(values: AnySeries, log: _ProblemLog) -> None:
    """Values that are present but do not read as dates."""
    present = blank_to_na(values).notna()
    bad = present & to_dates(values).isna()
    log.add_rows(
        bad, str(values.name), lambda row: f"expected {_DATE_HINT}, got {_shown(values.iloc[row])}"
    )


def _role(schema: DatasetSchema, name: str) -> str:
    """The role of a feature column."""
    return schema.column(name).role


def _fits(value: Any, role: str) -> bool:
    """True when a raw request value can stand in a column of this role (null always can)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    if role == "numeric":
        return finite_float(value) is not None
    if role == "categorical":
        return isinstance(value, str | bool | Integral)
    if isinstance(value, date):
        return True
    return isinstance(value, str) and bool(to_dates(pd.Series([value])).notna().iloc[0])


def _shown(value: Any) -> str:
    """A short description of a bad value: its kind and, for scalars, the value."""
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f"text {text!r}"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int) and finite_float(value) is None:
        return "an integer too large for a float"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, Sequence):
        return "a list"
    return f"{value!r}"


def _problem(row: int | None, column: str | None, message: str) -> dict[str, Any]:
    """One problem in the shape every importer reports."""
    return {"row": row, "field": column, "message": message}
