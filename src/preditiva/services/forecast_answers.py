"""What a served forecast says: points with intervals, who made them, and the skill in words.

Stored forecasts (``model_fit.forecast``) are sliced here; forecasts made on request are
turned into the same points. The skill against naive is ``1 - MASE_model / MASE_naive``
from the backtest, and :func:`model_views.verdict` says it in words.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from preditiva.ml.backtest import Backtest
from preditiva.ml.contract import Forecast
from preditiva.services.model_views import verdict


@dataclass(frozen=True)
class Skill:
    """How the model did against naive on its backtest."""

    skill_vs_naive: float | None
    beats_naive: bool | None
    mase: float | None
    naive_mase: float | None
    n_windows: int | None
    verdict: str


@dataclass(frozen=True)
class Point:
    """One forecast step: its time, the point forecast and the bounds per level."""

    ts: datetime
    mean: float
    lower: dict[str, float]
    upper: dict[str, float]


@dataclass(frozen=True)
class ForecastAnswer:
    """A forecast as served: the points and everything needed to judge them."""

    series: str | None
    model: str | None
    version: int | None
    engine: str
    engine_detail: str | None
    data_end: datetime
    trained_at: datetime
    freq: str
    h: int
    levels: tuple[int, ...]
    source: str
    points: list[Point] = field(default_factory=list)
    skill: Skill | None = None


def _finite(value: Any) -> float | None:
    """A finite float, or None."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def stored_skill(skill: float | None, metrics: Mapping[str, Any]) -> Skill:
    """The skill recorded on a fit row (its ``skill`` and summary ``metrics``)."""
    value = _finite(skill)
    return Skill(
        skill_vs_naive=value,
        beats_naive=None if value is None else value > 0,
        mase=_finite(metrics.get("mase")),
        naive_mase=_finite(metrics.get("naive_mase")),
        n_windows=metrics.get("n_windows"),
        verdict=verdict(value),
    )


def backtest_skill(backtest: Backtest | None) -> Skill:
    """The skill of a fresh backtest, or an unknown one when there is none."""
    if backtest is None:
        return stored_skill(None, {})
    return stored_skill(
        backtest.skill,
        {
            "mase": backtest.model.aggregate.mase,
            "naive_mase": backtest.naive.aggregate.mase,
            "n_windows": len(backtest.model.windows),
        },
    )


def utc(stamp: datetime | pd.Timestamp) -> datetime:
    """An aware UTC datetime (naive ones are taken to be UTC)."""
    moment = pd.Timestamp(stamp)
    moment = moment.tz_localize(UTC) if moment.tzinfo is None else moment.tz_convert(UTC)
    return moment.to_pydatetime()


def covers(stored: Mapping[str, Any] | None, h: int, levels: Sequence[int]) -> bool:
    """True when a stored forecast has at least ``h`` steps and every level asked for."""
    if not stored:
        return False
    have = {int(level) for level in stored.get("levels", [])}
    return h <= len(stored.get("mean", [])) and set(levels) <= have


def stored_points(stored: Mapping[str, Any], h: int, levels: Sequence[int]) -> list[Point]:
    """The first ``h`` steps of a stored forecast at ``levels`` (check :func:`covers` first)."""
    names = [str(level) for level in levels]
    lower = {name: stored["lower"][name] for name in names}
    upper = {name: stored["upper"][name] for name in names}
    return [
        Point(
            ts=utc(datetime.fromisoformat(stored["index"][step])),
            mean=float(stored["mean"][step]),
            lower={name: float(lower[name][step]) for name in names},
            upper={name: float(upper[name][step]) for name in names},
        )
        for step in range(h)
    ]


def forecast_points(forecast: Forecast, levels: Sequence[int]) -> list[Point]:
    """The points of a forecast made now, at ``levels``."""
    lower = {str(level): forecast.lower[level] for level in levels}
    upper = {str(level): forecast.upper[level] for level in levels}
    return [
        Point(
            ts=utc(stamp),
            mean=float(forecast.mean[step]),
            lower={name: float(values[step]) for name, values in lower.items()},
            upper={name: float(values[step]) for name, values in upper.items()},
        )
        for step, stamp in enumerate(forecast.index)
    ]


def answer_frame(answer: ForecastAnswer) -> pd.DataFrame:
    """One row per step: ``step, ts, mean`` then ``lower_<level>``/``upper_<level>`` columns."""
    columns: dict[str, Any] = {
        "step": np.arange(1, len(answer.points) + 1, dtype=np.int64),
        "ts": pd.to_datetime([point.ts for point in answer.points], utc=True),
        "mean": [point.mean for point in answer.points],
    }
    for level in answer.levels:
        name = str(level)
        columns[f"lower_{name}"] = [point.lower[name] for point in answer.points]
        columns[f"upper_{name}"] = [point.upper[name] for point in answer.points]
    return pd.DataFrame(columns)


def batch_frame(answers: Sequence[ForecastAnswer]) -> pd.DataFrame:
    """One row per (series, step), with the model, version, cut-off and skill of each series."""
    frames = []
    for answer in answers:
        frame = answer_frame(answer)
        frame.insert(0, "series", answer.series)
        frame.insert(1, "model", answer.model)
        frame.insert(2, "version", answer.version)
        frame.insert(3, "data_end", pd.Timestamp(answer.data_end))
        frame["skill_vs_naive"] = answer.skill.skill_vs_naive if answer.skill else None
        frames.append(frame)
    if not frames:
        return pd.DataFrame(
            {
                "series": pd.Series(dtype="string"),
                "model": pd.Series(dtype="string"),
                "version": pd.Series(dtype="int64"),
                "step": pd.Series(dtype="int64"),
                "ts": pd.Series(dtype="datetime64[ns, UTC]"),
                "mean": pd.Series(dtype="float64"),
            }
        )
    return pd.concat(frames, ignore_index=True)
