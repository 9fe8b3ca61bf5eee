"""A price point as it travels from files, collectors and requests to the database."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Point:
    """One observation: a time, the value and optional OHLCV extras."""

    ts: datetime
    value: float
    open: float | None = None
    high: float | None = None
    low: float | None = None
    volume: float | None = None
