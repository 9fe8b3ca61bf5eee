"""Accuracy and cost of each forecasting engine on the real series in ``../shared/data``.

Every series is backtested over rolling origins (``ml.windows``: 4 windows of ``h`` steps,
each training on everything before it); each method fits a fresh model per window. Figures
per dataset are means over series of each series' mean over windows: MASE (scaled by the
in-sample seasonal-naive MAE of the window's training part), sMAPE, interval coverage at
80 % and 95 %, and the seconds one fit + predict takes (``auto``'s includes its own inner
backtest). "vs naive" is mean MASE / naive's mean MASE - 1; "wins" is the share of series
whose MASE is below naive's.

Sampling, to keep the default run near 5 minutes on 2 cores: the long daily and weekly
price series are cut into up to ``--segments`` non-overlapping segments (each 365 training
points + the test windows for daily), spread evenly over their history; 40 of the 152
Australian retail series are drawn with a fixed seed (``--retail-series 0`` for all).
"""

import argparse
import multiprocessing
import os
import platform
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from preditiva.core.errors import SeriesTooShortError
from preditiva.ml.backtest import evaluate
from preditiva.ml.contract import Forecaster
from preditiva.ml.engines import engine_available, get_engine
from preditiva.ml.preparation import prepare_series
from preditiva.ml.windows import rolling_windows

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
LEVELS = (80, 95)
N_WINDOWS = 4


@dataclass(frozen=True)
class Task:
    """One series of one dataset, with the horizon to backtest it at."""

    dataset: str
    key: str
    values: "pd.Series[float]"
    h: int


@dataclass(frozen=True)
class Outcome:
    """One method on one series: mean scores over windows and seconds per fit + predict."""

    dataset: str
    key: str
    method: str
    mase: float
    smape: float
    coverage80: float
    coverage95: float
    seconds: float


def segments(values: "pd.Series[float]", length: int, count: int) -> Iterator["pd.Series[float]"]:
    """Up to ``count`` non-overlapping slices of ``length`` points, the last at the end."""
    available = len(values) // length
    chosen = np.linspace(0, available - 1, num=min(count, available)).round().astype(int)
    for slot in sorted(set(chosen.tolist())):
        end = len(values) - slot * length
        yield values.iloc[end - length : end]


def daily_prices(count: int) -> Iterator[Task]:
    """Daily closes: 6 stocks and indices, DJIA, gold and silver; h = 30 as in the issue."""
    h = 30
    length = 365 + N_WINDOWS * h
    stocks = pd.read_parquet(DATA / "stocks_daily_ohlcv.parquet")
    closes = pd.read_parquet(DATA / "prices_close_only.parquet")
    named: list[tuple[str, pd.Series[float]]] = [
        (str(symbol), group.set_index("date")["close"])
        for symbol, group in stocks.groupby("symbol", observed=True)
    ]
    daily = closes[closes["frequency"] == "daily"]
    named += [
        (str(name), group.set_index("date")["value"])
        for name, group in daily.groupby("series", observed=True)
    ]
    for name, values in named:
        for number, piece in enumerate(segments(values.sort_index(), length, count)):
            yield Task("daily stock/index/metal prices", f"{name}#{number}", piece, h)


def weekly_prices(count: int) -> Iterator[Task]:
    """NYSE composite, weekly, cut into segments of 5 years + the test windows; h = 13."""
    h = 13
    closes = pd.read_parquet(DATA / "prices_close_only.parquet")
    values = closes[closes["series"] == "NYSE_composite"].set_index("date")["value"].sort_index()
    for number, piece in enumerate(segments(values, 260 + N_WINDOWS * h, count)):
        yield Task("weekly NYSE composite", f"NYSE#{number}", piece, h)


def monthly_commodities() -> Iterator[Task]:
    """Ten World Bank commodity prices, monthly 1960-2022; h = 12."""
    closes = pd.read_parquet(DATA / "prices_close_only.parquet")
    monthly = closes[closes["frequency"] == "monthly"]
    for name, group in monthly.groupby("series", observed=True):
        yield Task("monthly commodity prices", str(name), group.set_index("date")["value"], 12)


def texas_housing() -> Iterator[Task]:
    """Median house sale price of 46 Texas cities, monthly 2000-2015; h = 12."""
    frame = pd.read_parquet(DATA / "texas_housing_monthly.parquet")
    for city, group in frame.groupby("city", observed=True):
        yield Task("Texas median house price", str(city), group.set_index("date")["median"], 12)


def australian_retail(sample: int) -> Iterator[Task]:
    """Monthly retail turnover by state and industry (a seeded sample); h = 12."""
    frame = pd.read_parquet(DATA / "aus_retail_monthly.parquet")
    keys = sorted(str(key) for key in frame["series_id"].unique())
    if sample:
        rng = np.random.default_rng(0)
        keys = sorted(rng.choice(keys, size=min(sample, len(keys)), replace=False).tolist())
    for key in keys:
        group = frame[frame["series_id"] == key]
        yield Task("Australian retail turnover", key, group.set_index("date")["Turnover"], 12)


def classic_sales() -> Iterator[Task]:
    """Ten classic sales and passenger series (AirPassengers, wineind, ...); h = one season."""
    frame = pd.read_parquet(DATA / "classic_sales_series.parquet")
    for name, group in frame.groupby("series", observed=True):
        h = 4 if str(group["frequency"].iloc[0]) == "quarterly" else 12
        yield Task("classic sales series", str(name), group.set_index("date")["value"], h)


def run_task(task: Task, methods: tuple[str, ...]) -> list[Outcome] | str:
    """Backtest every method on one series; a string (the reason) when the series is skipped."""
    warnings.simplefilter("ignore")
    prepared = prepare_series(task.values)
    m = prepared.season_length
    try:
        windows = rolling_windows(
            len(prepared), h=task.h, n_windows=N_WINDOWS, min_train=max(10, 2 * m)
        )
    except SeriesTooShortError as error:
        return f"{task.dataset} / {task.key}: {error.reason}"
    outcomes = []
    for method in methods:
        factory: Callable[[], Forecaster] = _factory(method, prepared.freq, m)
        started = time.perf_counter()
        result = evaluate(prepared, factory, windows, LEVELS)
        seconds = (time.perf_counter() - started) / len(windows)
        scores = result.aggregate
        outcomes.append(
            Outcome(
                task.dataset,
                task.key,
                method,
                scores.mase,
                scores.smape,
                scores.coverage[80],
                scores.coverage[95],
                seconds,
            )
        )
    return outcomes


def _factory(method: str, freq: str, season_length: int) -> Callable[[], Forecaster]:
    """Build the method per window; Prophet picks its own seasonalities."""
    if method == "prophet":
        return lambda: get_engine("prophet", freq=freq)
    return lambda: get_engine(method, freq=freq, season_length=season_length)


def table(outcomes: list[Outcome], methods: tuple[str, ...]) -> str:
    """The Markdown table: one row per dataset and method."""
    frame = pd.DataFrame([outcome.__dict__ for outcome in outcomes])
    lines = [
        "| dataset | series | method | MASE | vs naive | wins | sMAPE % | cover 80 | cover 95 "
        "| s per fit |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for dataset, group in frame.groupby("dataset", sort=False):
        naive = group[group["method"] == "naive"].set_index("key")["mase"]
        for method in methods:
            rows = group[group["method"] == method].set_index("key")
            relative = rows["mase"].mean() / naive.mean() - 1
            wins = float((rows["mase"] < naive.reindex(rows.index)).mean())
            lines.append(
                f"| {dataset} | {len(rows)} | {method} | {rows['mase'].mean():.3f} "
                f"| {relative:+.1%} | {wins:.0%} | {rows['smape'].mean():.2f} "
                f"| {rows['coverage80'].mean():.0%} | {rows['coverage95'].mean():.0%} "
                f"| {rows['seconds'].mean():.4f} |"
            )
    return "\n".join(lines)


def warm_up(methods: tuple[str, ...]) -> None:
    """Import and run every engine once before forking, so no timing includes an import."""
    y = pd.Series(
        np.sin(np.arange(60.0)) + 10, index=pd.date_range("2020-01-01", periods=60, freq="MS")
    )
    for method in methods:
        get_engine(method).fit(y).predict(3)


def main() -> None:
    """Run every dataset through every method and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=6, help="segments per long series")
    parser.add_argument("--retail-series", type=int, default=40, help="0 = all 152")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-prophet", action="store_true", help="skip Prophet if installed")
    parser.add_argument("--arima", action="store_true", help="also AutoARIMA (slow)")
    args = parser.parse_args()
    methods = ["naive", "seasonal_naive", "ets", "theta"]
    methods += ["arima"] if args.arima else []
    methods += ["auto"]
    methods += ["prophet"] if engine_available("prophet") and not args.no_prophet else []
    tasks = [
        *daily_prices(args.segments),
        *weekly_prices(args.segments),
        *monthly_commodities(),
        *texas_housing(),
        *australian_retail(args.retail_series),
        *classic_sales(),
    ]
    warm_up(tuple(methods))
    started = time.perf_counter()
    outcomes: list[Outcome] = []
    skipped: list[str] = []
    with multiprocessing.get_context("fork").Pool(args.workers) as pool:
        jobs = [pool.apply_async(run_task, (task, tuple(methods))) for task in tasks]
        for job in jobs:
            result = job.get()
            if isinstance(result, str):
                skipped.append(result)
            else:
                outcomes.extend(result)
    wall = time.perf_counter() - started
    print(table(outcomes, tuple(methods)))
    print()
    for reason in skipped:
        print(f"skipped: {reason}")
    print(
        f"\n{len(tasks)} series, {N_WINDOWS} windows each, {args.workers} worker processes, "
        f"{wall:.0f} s wall; Python {platform.python_version()}, {platform.platform()}"
    )


if __name__ == "__main__":
    main()
