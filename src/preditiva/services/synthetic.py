"""Filling series with synthetic history, marked apart from real data."""

import zlib
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from pandas.tseries.frequencies import to_offset
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from preditiva.core.clock import utcnow
from preditiva.core.errors import InvalidInputError
from preditiva.data.points import Point
from preditiva.data.synthetic import SyntheticShape, generate
from preditiva.services import series as series_service
from preditiva.services.job_kind import JobContext, JobKind
from preditiva.services.observations import write
from preditiva.storage.db.models import Observation, Series

SOURCE = "synthetic"
FREQUENCY_STEP = {
    "h": timedelta(hours=1),
    "D": timedelta(days=1),
    "B": timedelta(days=1),
    "W": timedelta(days=7),
    "MS": timedelta(days=31),
    "QS": timedelta(days=92),
    "YS": timedelta(days=366),
}


@dataclass(frozen=True)
class SyntheticReport:
    """What was generated for one series."""

    key: str
    written: int
    start: datetime | None
    end: datetime | None


class SyntheticParams(BaseModel):
    """Parameters of ``data.generate_synthetic``: one series (key) or all of a tag."""

    model_config = ConfigDict(extra="forbid")

    key: str | None = Field(None, description="The series to fill.")
    tag: str | None = Field(None, description="Fill every series with this tag instead.")
    periods: int = Field(365, ge=2, le=100_000, description="How many points to generate.")
    seed: int = Field(42, description="Same seed, same history.")
    trend_per_year: float = Field(0.04, ge=-1, le=1)
    weekly_amplitude: float = Field(0.02, ge=0, le=0.5)
    yearly_amplitude: float = Field(0.06, ge=0, le=0.5)
    weekend_effect: float = Field(-0.03, ge=-0.5, le=0.5)
    promo_probability: float = Field(0.02, ge=0, le=1)
    promo_depth: float = Field(0.15, ge=0, le=0.9)
    noise: float = Field(0.01, ge=0, le=0.5)

    @model_validator(mode="after")
    def _one_target(self) -> "SyntheticParams":
        if (self.key is None) == (self.tag is None):
            raise ValueError("give exactly one of key or tag")
        return self

    def shape(self, level: float) -> SyntheticShape:
        """The generator's shape for a series at ``level``."""
        fields = self.model_dump(exclude={"key", "tag", "periods", "seed"})
        return SyntheticShape(level=level, **fields)


def _first_real(session: Session, series: Series) -> tuple[datetime | None, float | None]:
    first_ts = session.scalar(
        select(func.min(Observation.ts)).where(
            Observation.series_id == series.id, Observation.is_synthetic.is_(False)
        )
    )
    if first_ts is None:
        return None, None
    value = session.scalar(
        select(Observation.value)
        .where(Observation.series_id == series.id, Observation.ts == first_ts)
        .limit(1)
    )
    return first_ts, value


def fill(session: Session, series: Series, params: SyntheticParams) -> SyntheticReport:
    """Generate history ending one step before the first real point (or now), at its level."""
    frequency = series.frequency or "D"
    first_ts, first_value = _first_real(session, series)
    if first_ts is not None:
        end = pd.Timestamp(first_ts)
        offset = to_offset(f"W-{end:%a}".upper() if frequency == "W" else frequency)
        index = pd.date_range(end=end, periods=params.periods + 1, freq=offset)[:-1]
    else:
        end = pd.Timestamp(utcnow()).normalize()
        index = pd.date_range(end=end, periods=params.periods, freq=to_offset(frequency))
    seed = params.seed + zlib.crc32(series.key.encode())
    values = generate(index, params.shape(first_value or 100.0), seed)
    points = [
        Point(ts=ts.to_pydatetime(), value=float(v)) for ts, v in zip(index, values, strict=True)
    ]
    report = write(session, series, points, source=SOURCE, is_synthetic=True)
    return SyntheticReport(series.key, report.written, points[0].ts, points[-1].ts)


def targets(session: Session, params: SyntheticParams) -> list[Series]:
    """The series a request names: one key, or every series of a tag (at least one)."""
    if params.key is not None:
        return [series_service.get(session, params.key)]
    page = series_service.search(session, tag=params.tag, limit=series_service.MAX_PAGE)
    if not page.items:
        raise InvalidInputError(f"no series has the tag {params.tag!r}")
    found = list(page.items)
    offset = len(found)
    while offset < page.total:
        more = series_service.search(
            session, tag=params.tag, limit=series_service.MAX_PAGE, offset=offset
        )
        found += more.items
        offset += len(more.items)
    return found


def run(ctx: JobContext, params: SyntheticParams) -> dict[str, Any]:
    """The body of ``data.generate_synthetic``: one transaction per series, with progress."""
    with ctx.transaction() as session:
        keys = [series.key for series in targets(session, params)]
    reports = []
    for done, key in enumerate(keys, start=1):
        ctx.check_cancelled()
        with ctx.transaction() as session:
            reports.append(fill(session, series_service.get(session, key), params))
        ctx.progress(done / len(keys), f"{key}: synthetic history written")
    return {"series": [asdict(report) for report in reports]}


GENERATE_SYNTHETIC = JobKind(
    name="data.generate_synthetic",
    description="Fill a series (or a tag's series) with plausible synthetic history.",
    params=SyntheticParams,
    run=run,
)
