"""Rebuild the demo excerpt shipped in src/preditiva/demo from the shared real datasets."""

import json
import sys
from pathlib import Path

import pandas as pd

SHARED = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
OUT = Path(__file__).resolve().parents[1] / "src" / "preditiva" / "demo"
RETAIL_STATE = "Victoria"


def stocks() -> tuple[pd.DataFrame, list[dict[str, object]]]:
    """Daily OHLCV of five tech stocks (2014-2018) and the S&P 500 (2011-2015)."""
    frame = pd.read_parquet(SHARED / "stocks_daily_ohlcv.parquet")
    frame["symbol"] = frame["symbol"].astype(str)
    keep = (frame["symbol"] != "MSFT") | (frame["date"] >= "2014-01-01")
    keep &= (frame["symbol"] != "^GSPC") | (frame["date"] >= "2011-01-01")
    frame = frame[keep]
    rows = pd.DataFrame(
        {
            "key": frame["symbol"],
            "ts": frame["date"],
            "value": frame["close"],
            "open": frame["open"],
            "high": frame["high"],
            "low": frame["low"],
            "volume": frame["volume"],
        }
    )
    series = [
        {
            "key": key,
            "name": f"{key} daily close",
            "kind": "price",
            "currency": "USD",
            "tags": ["demo", "stocks"] + (["index"] if key.startswith("^") else []),
        }
        for key in sorted(rows["key"].unique())
    ]
    return rows, series


def texas() -> tuple[pd.DataFrame, list[dict[str, object]]]:
    """Monthly median house sale price of 46 Texas cities, 2000-2015."""
    frame = pd.read_parquet(SHARED / "texas_housing_monthly.parquet").dropna(subset=["median"])
    frame["city"] = frame["city"].astype(str)
    keys = "tx-" + frame["city"].str.lower().str.replace(r"[^a-z0-9]+", "-", regex=True)
    rows = pd.DataFrame(
        {"key": keys, "ts": frame["date"], "value": frame["median"], "volume": frame["sales"]}
    )
    names = dict(zip(keys, frame["city"], strict=True))
    series = [
        {
            "key": key,
            "name": f"{names[key]} median house price",
            "kind": "price",
            "currency": "USD",
            "tags": ["demo", "real-estate", "texas"],
        }
        for key in sorted(names)
    ]
    return rows, series


def retail() -> tuple[pd.DataFrame, list[dict[str, object]]]:
    """Monthly retail turnover of one Australian state's industries, 1982-2018."""
    frame = pd.read_parquet(SHARED / "aus_retail_monthly.parquet")
    frame = frame[frame["State"].astype(str) == RETAIL_STATE]
    frame["series_id"] = frame["series_id"].astype(str)
    keys = "retail-vic-" + frame["series_id"].str.lower()
    rows = pd.DataFrame({"key": keys, "ts": frame["date"], "value": frame["Turnover"]})
    names = dict(zip(keys, frame["Industry"].astype(str), strict=True))
    series = [
        {
            "key": key,
            "name": f"Victoria retail: {names[key]}",
            "kind": "demand",
            "currency": "AUD",
            "unit": "million",
            "tags": ["demo", "retail"],
        }
        for key in sorted(names)
    ]
    return rows, series


def main() -> None:
    """Write prices.parquet and series.json."""
    parts = [stocks(), texas(), retail()]
    rows = pd.concat([p[0] for p in parts], ignore_index=True)
    rows = rows[rows["value"] > 0].sort_values(["key", "ts"])
    rows.to_parquet(OUT / "prices.parquet", index=False, compression="zstd")
    series = [s for p in parts for s in p[1]]
    (OUT / "series.json").write_text(json.dumps(series, indent=1) + "\n")
    print(f"{len(rows)} rows, {len(series)} series")


if __name__ == "__main__":
    main()
