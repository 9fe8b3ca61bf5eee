"""Loading the real demo excerpt shipped with the package."""

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from preditiva.data.points import Point
from preditiva.services import series as series_service
from preditiva.services.observations import write
from preditiva.storage.db.repositories import series as series_repo

SOURCE = "demo"
OPTIONAL = ("open", "high", "low", "volume")


@dataclass(frozen=True)
class DemoReport:
    """What loading the demo did."""

    series_created: int
    series_total: int
    rows_written: int
    rows_total: int


def catalogue() -> list[dict[str, Any]]:
    """The demo series' definitions."""
    text = resources.files("preditiva.demo").joinpath("series.json").read_text()
    entries: list[dict[str, Any]] = json.loads(text)
    return entries


def prices() -> pd.DataFrame:
    """The demo observations, long format (key, ts, value, open, high, low, volume)."""
    with resources.as_file(resources.files("preditiva.demo").joinpath("prices.parquet")) as path:
        return pd.read_parquet(path)


def load(session: Session) -> DemoReport:
    """Create the demo series (if missing) and upsert their observations; safe to repeat."""
    definitions = catalogue()
    existing = series_repo.by_keys(session, [d["key"] for d in definitions])
    created = 0
    for definition in definitions:
        if definition["key"] not in existing:
            fields = dict(definition)
            series_service.create(session, key=fields.pop("key"), **fields)
            created += 1
    frame = prices()
    written = 0
    for key, rows in frame.groupby("key", sort=False):
        series = series_service.get(session, str(key))
        points = [
            Point(ts=ts.to_pydatetime(), value=float(value), **_optional(extra))
            for ts, value, *extra in rows[["ts", "value", *OPTIONAL]].itertuples(index=False)
        ]
        written += write(session, series, points, source=SOURCE).written
    return DemoReport(created, len(definitions), written, len(frame))


def _optional(values: list[Any]) -> dict[str, float | None]:
    return {
        name: None if pd.isna(value) else float(value)
        for name, value in zip(OPTIONAL, values, strict=True)
    }
