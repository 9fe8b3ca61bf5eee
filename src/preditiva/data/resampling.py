"""Resampling observations to day, week or month: last, mean or OHLC per period."""

from typing import Literal

import pandas as pd

Period = Literal["day", "week", "month"]
Aggregation = Literal["last", "mean", "ohlc"]
RULES: dict[str, str] = {"day": "D", "week": "W-MON", "month": "MS"}
COLUMNS = ["ts", "value", "open", "high", "low", "volume", "is_synthetic"]
NUMERIC = ("value", "open", "high", "low", "volume")


def resample(frame: pd.DataFrame, period: Period, how: Aggregation) -> pd.DataFrame:
    """One row per period (weeks start on Monday); ``is_synthetic``: any point of it is.

    ``frame`` has the columns of :data:`COLUMNS` (``ts`` aware UTC); periods without data
    are dropped, never invented.
    """
    if frame.empty:
        return frame.reindex(columns=COLUMNS)
    indexed = frame.sort_values("ts").set_index("ts")
    for column in NUMERIC:
        indexed[column] = pd.to_numeric(indexed[column], errors="coerce").astype("float64")
    for column in ("open", "high", "low"):
        indexed[column] = indexed[column].fillna(indexed["value"])
    groups = indexed.resample(RULES[period], label="left", closed="left")
    result = pd.DataFrame(
        {"is_synthetic": groups["is_synthetic"].max(), "count": groups["value"].count()}
    )
    if how == "ohlc":
        result["open"] = groups["open"].first()
        result["high"] = groups["high"].max()
        result["low"] = groups["low"].min()
        result["value"] = groups["value"].last()
        result["volume"] = groups["volume"].sum(min_count=1)
    else:
        result["value"] = groups["value"].last() if how == "last" else groups["value"].mean()
        for column in ("open", "high", "low", "volume"):
            result[column] = float("nan")
    result = result[result["count"] > 0].drop(columns="count")
    result["is_synthetic"] = result["is_synthetic"].astype(bool)
    return result.reset_index()[COLUMNS]
