"""The catalogue view of a group of series: one aggregate price index, kept as a series.

A global model over a tag forecasts this index. ``refresh_index`` computes it from the
members' real observations and upserts it into the derived series ``^<tag>`` (kind
``index``, not tagged, so it never joins the catalogue it summarises): each member is
put on a daily grid, its gaps inside its own history filled with the last price, and
divided by its own mean price; the index is 100 times the mean of those relatives over the
members quoted on each day. Members of very different price levels then weigh the same,
and a member joining or leaving moves the index only by its own relative level.
"""

from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from preditiva.core.errors import NothingToTrainError
from preditiva.services import observations
from preditiva.services import series as series_service
from preditiva.storage.db.models import Series
from preditiva.storage.db.repositories import observations as observations_repo
from preditiva.storage.db.repositories import series as series_repo

INDEX_SOURCE = "index"
INDEX_KIND = "index"


def index_key(tag: str) -> str:
    """The key of a tag's index series: ``^<tag>``."""
    return f"^{tag}"


def refresh_index(session: Session, tag: str, *, include_synthetic: bool = False) -> Series:
    """Compute the tag's index and upsert it into ``^<tag>``; 422 if no member has data."""
    members = series_repo.keys_with_tag(session, tag)
    if not members:
        raise NothingToTrainError(f"no series has tag {tag!r}, so there is no group to index")
    rows = observations_repo.values_of(
        session, [row[0] for row in members], include_synthetic=include_synthetic
    )
    index = aggregate_index(rows)
    if index.empty:
        raise NothingToTrainError(f"the {len(members)} series tagged {tag!r} have no observations")
    target = series_repo.get_by_key(session, index_key(tag)) or series_service.create(
        session,
        key=index_key(tag),
        name=f"Price index of {tag}",
        kind=INDEX_KIND,
        meta={"group": tag},
    )
    target.meta = {**target.meta, "group": tag, "members": len(members)}
    stamps = pd.DatetimeIndex(index.index).to_pydatetime()
    points = [
        observations.Point(ts=ts, value=float(value))
        for ts, value in zip(stamps, index.to_numpy(), strict=True)
    ]
    observations.write(session, target, points, source=INDEX_SOURCE)
    return target


def aggregate_index(rows: Sequence[Any]) -> "pd.Series[float]":
    """100 times the daily mean of each member's price relative to its own mean price."""
    frame = pd.DataFrame(list(rows), columns=["series_id", "ts", "value"])
    if frame.empty:
        return pd.Series(dtype="float64")
    frame["day"] = pd.to_datetime(frame["ts"], utc=True).dt.floor("D")
    wide = frame.pivot_table(index="day", columns="series_id", values="value", aggfunc="last")
    wide = wide.asfreq("D")
    inside = wide.ffill().where(wide.bfill().notna())  # fill gaps only within each history
    relatives = inside / inside.mean()
    index = 100 * relatives.mean(axis=1, skipna=True)
    return index.dropna().astype("float64")
