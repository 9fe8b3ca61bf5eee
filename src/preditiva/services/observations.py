"""Observation use cases: write a batch idempotently, read a range (optionally resampled)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from preditiva.core.clock import utcnow
from preditiva.core.errors import DataValidationError
from preditiva.data.frequency import detect_frequency
from preditiva.data.points import Point
from preditiva.data.resampling import COLUMNS, Aggregation, Period, resample
from preditiva.storage.db.models import Series
from preditiva.storage.db.repositories import observations as observations_repo

__all__ = ["Point", "WriteReport", "read_frame", "write"]

MAX_PROBLEMS = 100
PRICE_FIELDS = ("value", "open", "high", "low")


@dataclass(frozen=True)
class WriteReport:
    """What a batch write did."""

    received: int
    written: int

    @property
    def unchanged(self) -> int:
        """Rows already stored with the same values."""
        return self.received - self.written


def as_utc(moment: datetime) -> datetime:
    """Naive timestamps are taken as UTC; aware ones are converted to UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def check_points(series: Series, points: Sequence[Point]) -> list[dict[str, Any]]:
    """Row-level problems of a batch: duplicate timestamps, non-positive prices."""
    problems: list[dict[str, Any]] = []
    seen: dict[datetime, int] = {}
    for index, point in enumerate(points):
        ts = as_utc(point.ts)
        if ts in seen:
            problems.append(
                {
                    "row": index,
                    "field": "ts",
                    "message": f"duplicate timestamp {ts.isoformat()} (also row {seen[ts]})",
                }
            )
        seen.setdefault(ts, index)
        if series.kind == "price":
            for name in PRICE_FIELDS:
                value = getattr(point, name)
                if value is not None and value <= 0:
                    problems.append(
                        {
                            "row": index,
                            "field": name,
                            "message": f"price must be positive, got {value}",
                        }
                    )
        if point.volume is not None and point.volume < 0:
            problems.append(
                {
                    "row": index,
                    "field": "volume",
                    "message": f"volume must not be negative, got {point.volume}",
                }
            )
    return problems


def write(
    session: Session,
    series: Series,
    points: Sequence[Point],
    *,
    source: str,
    is_synthetic: bool = False,
) -> WriteReport:
    """Validate and upsert a batch; any problem rejects the whole batch with a 422."""
    problems = check_points(series, points)
    if problems:
        raise DataValidationError(
            f"{len(problems)} problem(s) in the observations; nothing was written",
            details=problems[:MAX_PROBLEMS],
        )
    now = utcnow()
    rows = [
        {
            "series_id": series.id,
            "ts": as_utc(p.ts),
            "source": source,
            "value": p.value,
            "open": p.open,
            "high": p.high,
            "low": p.low,
            "volume": p.volume,
            "is_synthetic": is_synthetic,
            "ingested_at": now,
        }
        for p in points
    ]
    written = observations_repo.upsert(session, rows)
    fill_frequency(session, series)
    return WriteReport(received=len(rows), written=written)


def fill_frequency(session: Session, series: Series) -> None:
    """Detect and store the series' frequency if it was not given."""
    if series.frequency is None:
        series.frequency = detect_frequency(observations_repo.timestamps(session, series.id))


def read_frame(
    session: Session,
    series: Series,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    include_synthetic: bool = True,
    period: Period | None = None,
    how: Aggregation = "last",
) -> pd.DataFrame:
    """A series' observations as a frame (``ts`` aware UTC), resampled when asked."""
    rows = observations_repo.fetch_range(
        session,
        series.id,
        start=as_utc(start) if start else None,
        end=as_utc(end) if end else None,
        include_synthetic=include_synthetic,
    )
    frame = pd.DataFrame(
        [(r.ts, r.value, r.open, r.high, r.low, r.volume, r.is_synthetic, r.source) for r in rows],
        columns=[*COLUMNS, "source"],
    )
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    if period is None:
        return frame
    return resample(frame.drop(columns="source"), period, how)
