"""Real daily closes from the shared data directory (``shared/data`` beside the repository)."""

from functools import cache
from pathlib import Path

import pandas as pd

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@cache
def _daily_stocks() -> pd.DataFrame:
    """Every row of ``stocks_daily_ohlcv.parquet`` (MSFT, AAPL, AMZN, FB, GOOG, S&P 500)."""
    return pd.read_parquet(SHARED_DATA / "stocks_daily_ohlcv.parquet")


def stock_closes(symbol: str = "AAPL", last: int = 500) -> "pd.Series[float]":
    """The last ``last`` daily closes of ``symbol`` on their trading dates."""
    rows = _daily_stocks()
    rows = rows[rows["symbol"] == symbol].sort_values("date")
    closes = rows.set_index("date")["close"].astype(float).iloc[-last:]
    return closes.rename(symbol)
