"""Checking an uploaded dataset: its schema, its row-level problems and the good rows to keep.

The schema is inferred from the whole file; every row is then validated against it
(``ml.tabular.validate_frame``). Problems of the whole file (no usable feature, one class
only) refuse it; row problems refuse it in strict mode and otherwise leave those rows out.
The rows kept are typed as their schema says (numbers and dates read from text become
numbers and dates; a classification target of whole numbers becomes integers), and the
schema stored is inferred again from them, so it describes exactly the rows stored.
"""

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from preditiva.core.errors import DataValidationError
from preditiva.data.dataset_files import DatasetFile
from preditiva.ml.tabular import DatasetSchema, infer_schema, validate_frame
from preditiva.ml.tabular.values import is_text, to_dates, to_numbers

MAX_PROBLEMS = 100
SHOWN_COLUMNS = 20


@dataclass(frozen=True, eq=False)
class CheckedDataset:
    """The good rows, typed, their schema, and what was wrong with the others."""

    frame: pd.DataFrame
    schema: DatasetSchema
    problems: list[dict[str, Any]]
    problem_count: int
    rejected: int

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the kept rows' column names, types and values (not of any file's bytes)."""
        return frame_fingerprint(self.frame)


def check_dataset(
    read: DatasetFile, *, target: str, task: str | None, strict: bool, filename: str
) -> CheckedDataset:
    """The rows of ``read`` fit to train on; a 422 listing problems if there are none or strict."""
    raw = read.frame
    _check_target_column(raw, target, filename)
    first = infer_schema(raw, target, task=task)
    check = validate_frame(raw, first, min_class_rows=1)
    problems = _in_file_order(
        [_numbered(problem, read) for problem in check.problems] + list(read.malformed)
    )
    total = check.total + read.malformed_count
    whole = [problem for problem in check.problems if problem["row"] is None]
    if whole:
        raise DataValidationError(
            f"{filename} cannot be used as a dataset: {whole[0]['message']}"
            + (f" ({whole[0]['field']})" if whole[0]["field"] else ""),
            details=problems,
        )
    if strict and total:
        raise DataValidationError(
            f"strict mode: {total} problem(s) in {filename}, so nothing was stored; "
            "fix them or upload without strict to keep the good rows",
            details=problems,
        )
    keep = np.ones(len(raw), dtype=bool)
    keep[check.bad_rows] = False
    if not keep.any():
        raise DataValidationError(
            f"every row of {filename} has a problem; nothing to store", details=problems
        )
    good = typed_rows(raw[keep].reset_index(drop=True), first)
    schema = infer_schema(good, target, task=first.task)
    recheck = validate_frame(good, schema, min_class_rows=1)
    if not recheck.ok:
        raise DataValidationError(
            f"the rows of {filename} without problems cannot be used as a dataset: "
            f"{recheck.problems[0]['message']}",
            details=list(recheck.problems),
        )
    return CheckedDataset(
        frame=good,
        schema=schema,
        problems=problems,
        problem_count=total,
        rejected=int((~keep).sum()) + read.malformed_count,
    )


def _check_target_column(frame: pd.DataFrame, target: str, filename: str) -> None:
    """422 naming the file's columns when none is called ``target``."""
    names = [str(name) for name in frame.columns]
    if target in names:
        return
    alike = [name for name in names if name.strip().lower() == target.strip().lower()]
    hint = f"; did you mean {alike[0]!r}?" if alike else ""
    shown = ", ".join(map(repr, names[:SHOWN_COLUMNS])) + (
        ", …" if len(names) > SHOWN_COLUMNS else ""
    )
    raise DataValidationError(
        f"missing target column: {filename} has no column {target!r}{hint} (its columns: {shown})",
        details=[{"field": "target", "message": f"no column named {target!r}"}],
    )


def typed_rows(frame: pd.DataFrame, schema: DatasetSchema) -> pd.DataFrame:
    """Text read as numbers or dates converted, whole-number class targets made integers."""
    typed = frame.copy()
    for name in (*schema.numeric, *schema.dates):
        if is_text(typed[name]):
            typed[name] = (
                to_numbers(typed[name]) if name in schema.numeric else to_dates(typed[name])
            )
    values = typed[schema.target]
    if schema.task == "regression":
        typed[schema.target] = to_numbers(values)
    elif is_text(values):
        numbers = to_numbers(values)
        if bool(numbers.notna().all()) and bool(np.all(numbers == np.round(numbers))):
            typed[schema.target] = numbers.astype(np.int64)
    return typed


def frame_fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 of a frame's column names and types and of every row's values, in order."""
    digest = hashlib.sha256()
    for name in frame.columns:
        digest.update(f"{name}\x00{frame[name].dtype}\n".encode())
    rows = pd.util.hash_pandas_object(frame, index=False)
    digest.update(np.ascontiguousarray(rows.to_numpy(dtype=np.uint64)).tobytes())
    return digest.hexdigest()


def _numbered(problem: dict[str, Any], read: DatasetFile) -> dict[str, Any]:
    """A problem with its frame position replaced by the row's number in the file."""
    row = problem["row"]
    return {**problem, "row": None if row is None else int(read.rows[row])}


def _in_file_order(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Problems of the whole file first, then by row; the first ``MAX_PROBLEMS``."""
    ordered = sorted(problems, key=lambda p: (p["row"] is not None, p["row"] or 0))
    return ordered[:MAX_PROBLEMS]
