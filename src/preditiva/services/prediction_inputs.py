"""What a prediction request carries: its fields, their checks per kind of model, its digest.

A tabular model takes ``rows`` (at most ``PREDITIVA_PREDICT_MAX_ROWS``; more is a 413). A
series-feature model takes a price ``history``, or nothing for its stored series up to now.
An lstm forecaster takes a ``history`` of exactly its window, with ``h`` and ``levels``.
A history is bare numbers, oldest first, or ``{"ts", "value"}`` points; bare numbers end at
``end`` when given, else where the model's training data ended (so the same request always
gets the same answer, and can be cached). The digest names the input in a canonical form
(sorted keys, no spaces), so two requests that differ only in key order share an answer.
"""

import hashlib
import itertools
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from preditiva.core.errors import DataValidationError, InvalidInputError, PayloadTooLargeError
from preditiva.services.forecast_answers import utc
from preditiva.services.forecasts import MAX_H, check_request
from preditiva.services.inline_forecasts import MAX_HISTORY, history_from_points

#: Inputs larger than this are hashed in a worker thread rather than on the event loop.
INLINE_DIGEST_ITEMS = 50
#: The fields each kind of model reads; any other field sent is a 422.
FIELDS = {
    "tabular": ("rows",),
    "series_feature": ("history", "end"),
    "forecast": ("history", "end", "h", "levels", "series"),
}
USAGE = {
    "tabular": 'send {"rows": [{"column": value, ...}, ...]}',
    "series_feature": 'send {"history": [prices, oldest first]}, or no body for its series',
    "forecast": 'send {"history": [the last window of prices], "h"?: steps, "levels"?: [80, 95]}',
}


class PredictInput(BaseModel):
    """The input of one prediction: tabular rows, or a price history (and what to forecast)."""

    model_config = ConfigDict(extra="forbid")

    rows: list[Any] | None = Field(
        None, description="Tabular models: one object per row, one value per feature column."
    )
    history: list[Any] | None = Field(
        None,
        description='Prices oldest first: numbers or {"ts", "value"} points. Series-feature '
        "models: any length (none: the stored series); lstm forecasters: exactly the window.",
    )
    end: datetime | None = Field(
        None, description="Time of the last bare number; by default the training data's end."
    )
    h: int | None = Field(None, ge=1, le=MAX_H, description="Forecasters: steps to forecast.")
    levels: list[int] | None = Field(
        None, max_length=10, description="Forecasters: interval levels in percent."
    )
    series: str | None = Field(
        None, max_length=200, description="Forecasters over a tag: whose trained fit to use."
    )

    def sent(self) -> list[str]:
        """The names of the fields the request set."""
        return [name for name in type(self).model_fields if getattr(self, name) is not None]

    def size(self) -> int:
        """How many rows or history items the input holds."""
        return len(self.rows or ()) + len(self.history or ())

    def digest(self) -> str:
        """SHA-256 of the input in canonical JSON: sorted keys, no spaces, unset fields left out."""
        payload = self.model_dump(mode="json", exclude_none=True)
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def check_input(kind: str, data: PredictInput, *, max_rows: int, model: str = "{name}") -> None:
    """Refuse fields this kind of model does not read (422) and too many rows (413)."""
    stray = [name for name in data.sent() if name not in FIELDS[kind]]
    if stray:
        what = {"tabular": "a tabular", "series_feature": "a series-feature"}.get(kind, "a")
        raise InvalidInputError(
            f"{what} {'forecast ' if kind == 'forecast' else ''}model does not read "
            f"{', '.join(stray)}; {USAGE[kind]}",
            details=[{"field": name, "message": "not read by this model"} for name in stray],
        )
    if kind == "tabular":
        _check_rows(data.rows, max_rows, model)
    elif kind == "forecast":
        if not data.history:
            raise InvalidInputError(
                f"a forecaster predicts from a history; {USAGE[kind]}",
                details=[{"field": "history", "message": "required"}],
            )
        check_request(data.h, data.levels)
    if data.history is not None and len(data.history) > MAX_HISTORY:
        raise PayloadTooLargeError(
            f"history has {len(data.history)} items; at most {MAX_HISTORY} are accepted",
            details=[{"field": "history", "message": f"at most {MAX_HISTORY} items"}],
        )


def _check_rows(rows: list[Any] | None, max_rows: int, model: str) -> None:
    """Rows present, and no more of them than the limit."""
    if not rows:
        raise InvalidInputError(
            f"a tabular model predicts rows; {USAGE['tabular']}",
            details=[{"field": "rows", "message": "send a non-empty list of rows"}],
        )
    if len(rows) > max_rows:
        raise PayloadTooLargeError(
            f"{len(rows)} rows sent; at most {max_rows} are predicted per request "
            f"(PREDITIVA_PREDICT_MAX_ROWS): split them, or send a file to "
            f"POST /v1/models/{model}/predict-batch",
            details=[{"field": "rows", "message": f"at most {max_rows} rows, got {len(rows)}"}],
        )


class _Point(BaseModel):
    """One ``{"ts", "value"}`` item of a history."""

    model_config = ConfigDict(extra="forbid")

    ts: datetime
    value: Any


def read_history(
    history: Sequence[Any], end: datetime | None
) -> tuple[list[Any], list[pd.Timestamp] | None]:
    """The values as sent and, for ``{"ts", "value"}`` points, their naive UTC times."""
    if not history or not isinstance(history[0], dict):
        return list(history), None
    if end is not None:
        raise InvalidInputError(
            "end applies to bare numbers only; points carry their own ts",
            details=[{"field": "end", "message": "not with points"}],
        )
    values: list[Any] = []
    times: list[pd.Timestamp] = []
    problems: list[dict[str, Any]] = []
    for position, item in enumerate(history):
        try:
            point = _Point.model_validate(item)
        except ValidationError:
            problems.append(
                {"field": f"history.{position}", "message": 'expected a {"ts", "value"} object'}
            )
            continue
        values.append(point.value)
        times.append(pd.Timestamp(utc(point.ts)).tz_localize(None))
    if problems:
        raise DataValidationError(
            f"{len(problems)} history item(s) are not points like the first; "
            'send every item as {"ts", "value"}, or every item as a number',
            details=problems[:20],
        )
    if any(later <= earlier for earlier, later in itertools.pairwise(times)):
        raise DataValidationError(
            "history points must be in time order, oldest first, each time once",
            details=[{"field": "history", "message": "times not increasing"}],
        )
    return values, times


def last_time(end: datetime | None, default: pd.Timestamp) -> pd.Timestamp:
    """The time of the last bare number: ``end`` (as naive UTC) or ``default``."""
    return pd.Timestamp(default) if end is None else pd.Timestamp(utc(end)).tz_localize(None)


def dated_history(
    values: Sequence[Any], times: Sequence[pd.Timestamp] | None, *, end: pd.Timestamp, freq: str
) -> "pd.Series[float]":
    """Finite numbers on their times, or (bare numbers) on the ``freq`` grid ending at ``end``."""
    for position, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise DataValidationError(
                f"history[{position}] is {value!r}: every value must be a number",
                details=[{"field": f"history.{position}", "message": "not a number"}],
            )
    stamps = times if times is not None else pd.date_range(end=end, periods=len(values), freq=freq)
    return history_from_points(
        [
            (pd.Timestamp(stamp).to_pydatetime(), value)  # made floats, and checked, there
            for stamp, value in zip(stamps, values, strict=True)
        ]
    )
