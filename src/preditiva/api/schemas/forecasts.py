"""Forecast answers, inline forecast requests and the reload answer."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from preditiva.core.errors import short_repr
from preditiva.core.numbers import finite_float
from preditiva.services.forecasts import MAX_H
from preditiva.services.inline_forecasts import MAX_HISTORY

HISTORY_HELP = (
    'Numbers (then freq is required) or {"ts", "value"} points, oldest first; '
    f"1 to {MAX_HISTORY} items."
)


class SkillRead(BaseModel):
    """The backtest against naive: ``1 - MASE / MASE of naive``, and a verdict in words."""

    model_config = ConfigDict(from_attributes=True)

    skill_vs_naive: float | None = Field(description="Above 0 the model beats naive.")
    beats_naive: bool | None
    mase: float | None
    naive_mase: float | None
    n_windows: int | None
    verdict: str = Field(examples=["3.2% better than naive (MASE)"])


class PointRead(BaseModel):
    """One step: time, point forecast, and bounds keyed by level (``"80"``, ``"95"``)."""

    model_config = ConfigDict(from_attributes=True)

    ts: datetime
    mean: float
    lower: dict[str, float]
    upper: dict[str, float]


class ForecastRead(BaseModel):
    """A forecast, the model and version that made it, its data cut-off and its skill."""

    model_config = ConfigDict(from_attributes=True)

    series: str | None = Field(description="The series key; null for an inline history.")
    model: str | None
    version: int | None
    engine: str
    engine_detail: str | None = Field(description="What the engine chose or fell back to.")
    data_end: datetime = Field(description="The last observation the model saw (cut-off).")
    trained_at: datetime
    freq: str
    h: int
    levels: list[int]
    source: Literal["stored", "predicted", "inline"] = Field(
        description="stored: read from training; predicted: from the verified artifact now."
    )
    points: list[PointRead]
    skill: SkillRead


class BatchErrorRead(BaseModel):
    """A JSON-lines record standing in for a series that has no forecast, and why."""

    series: str
    error: dict[str, Any]


class InlinePoint(BaseModel):
    """One observation of an inline history."""

    model_config = ConfigDict(extra="forbid")

    ts: datetime
    value: float = Field(allow_inf_nan=False)


class InlineForecastCreate(BaseModel):
    """A history that is not stored, and what to forecast from it."""

    model_config = ConfigDict(extra="forbid")

    history: list[float] | list[InlinePoint] = Field(description=HISTORY_HELP)
    freq: str | None = Field(None, max_length=16, examples=["D"], description="pandas alias")
    start: datetime | None = Field(
        None, description="Time of the first bare number; by default the last one is today."
    )
    h: int = Field(14, ge=1, le=MAX_H, description="Steps to forecast.")
    levels: list[int] = Field([80, 95], max_length=10, description="Interval levels in percent.")
    engine: str = Field("auto", max_length=64)

    @field_validator("history", mode="before")
    @classmethod
    def _one_kind_of_item(cls, value: Any) -> Any:
        """Every item a finite number, or every item an object; say which item is wrong."""
        if not isinstance(value, list):
            raise ValueError("history must be a list of numbers or of {ts, value} objects")
        if not value:
            raise ValueError("history is empty: send at least a few values")
        if len(value) > MAX_HISTORY:
            raise ValueError(f"history has {len(value)} items; at most {MAX_HISTORY} are accepted")
        numbers = isinstance(value[0], int | float) and not isinstance(value[0], bool)
        for position, item in enumerate(value):
            problem = _number_problem(item) if numbers else _point_problem(item)
            if problem:
                raise ValueError(f"history[{position}] is {short_repr(item)}: {problem}")
        return value

    @model_validator(mode="after")
    def _freq_for_numbers(self) -> "InlineForecastCreate":
        """Bare numbers carry no time, so they need a frequency."""
        bare = bool(self.history) and not isinstance(self.history[0], InlinePoint)
        if bare and not self.freq:
            raise ValueError('freq is required with bare numbers, e.g. "D", "W" or "MS"')
        if not bare and self.start is not None:
            raise ValueError("start applies to bare numbers only; points carry their own ts")
        return self


def _number_problem(item: Any) -> str | None:
    """What is wrong with an item of a list of numbers, if anything."""
    if isinstance(item, bool) or not isinstance(item, int | float):
        return "expected a number, like the first item"
    return None if finite_float(item) is not None else "every value must be a finite number"


def _point_problem(item: Any) -> str | None:
    """What is wrong with an item of a list of points, if anything."""
    return None if isinstance(item, dict) else 'expected a {"ts", "value"} object, like the first'


class ReloadRead(BaseModel):
    """The answer to a forced reload."""

    reloaded: bool
    generation: str = Field(description="Fingerprint of the registry state now served.")
