"""The references of ``catalogue_training.py``: StatsForecast and Prophet called directly.

Both get the catalogue as StatsForecast's long frame ``unique_id, ds, y``. StatsForecast
runs the members ``auto`` combines at daily frequency (``Naive`` and ``Theta``, which is
AutoTheta restricted to the standard theta method, as ``theta:STM``) with ``n_jobs=2``;
Prophet runs with its defaults in a pool of 2 processes.
"""

import logging
import multiprocessing
import sys
import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from cpu_meter import CpuUse, between, sample

from preditiva.ml import metrics

HORIZON, N_WINDOWS, SEASON, LEVELS = 30, 3, 7, [80, 95]
PROCESSES = 2


def log(message: str) -> None:
    """A timestamped progress line on stderr, so stdout stays the report."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Reference:
    """A library called directly on the same series: how long it took, how much CPU."""

    method: str
    series: int
    cpu: CpuUse
    note: str = ""


def statsforecast_runs(frame: pd.DataFrame) -> tuple[list[Reference], pd.DataFrame]:
    """``forecast`` alone, then ``cross_validation`` + ``forecast``; and the CV's forecasts."""
    from statsforecast import StatsForecast
    from statsforecast.models import Naive, SeasonalNaive, Theta

    count = frame["unique_id"].nunique()
    members = [Naive(), Theta(season_length=SEASON)]
    backtested = [Naive(), SeasonalNaive(season_length=SEASON), Theta(season_length=SEASON)]
    small = frame[frame["unique_id"].isin(frame["unique_id"].unique()[:4])]
    for models in (members, backtested):  # warm-up, not timed: imports, first calls
        StatsForecast(models=models, freq="D", n_jobs=PROCESSES).forecast(df=small, h=HORIZON)
    log(f"StatsForecast: forecast of {count} series")
    started = sample()
    StatsForecast(models=members, freq="D", n_jobs=PROCESSES).forecast(
        df=frame, h=HORIZON, level=LEVELS
    )
    forecast_only = between(started, sample())
    log(f"  {forecast_only.wall:.1f} s; now cross_validation ({N_WINDOWS} windows) + forecast")
    started = sample()
    cv = StatsForecast(models=backtested, freq="D", n_jobs=PROCESSES).cross_validation(
        df=frame, h=HORIZON, n_windows=N_WINDOWS, step_size=HORIZON, level=LEVELS
    )
    StatsForecast(models=members, freq="D", n_jobs=PROCESSES).forecast(
        df=frame, h=HORIZON, level=LEVELS
    )
    with_cv = between(started, sample())
    log(f"  {with_cv.wall:.1f} s")
    references = [
        Reference(
            f"StatsForecast `forecast`: Naive + Theta(7), n_jobs={PROCESSES}", count, forecast_only
        ),
        Reference(
            f"StatsForecast `cross_validation` ({N_WINDOWS} windows: Naive, SeasonalNaive(7), "
            f"Theta(7)) + `forecast`, n_jobs={PROCESSES}",
            count,
            with_cv,
        ),
    ]
    return references, pd.DataFrame(cv)


def cv_accuracy(frame: pd.DataFrame, cv: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """MASE and sMAPE of each CV method: mean over series of the mean over windows.

    MASE is scaled by the in-sample seasonal-naive (m = 7) MAE of each window's training
    part, as the platform's backtest does.
    """
    cv = cv.assign(**{"Naive + Theta": (cv["Naive"] + cv["Theta"]) / 2})
    history = {str(key): group["y"].to_numpy() for key, group in frame.groupby("unique_id")}
    first_day = frame["ds"].min()
    rows = []
    for (key, cutoff), window in cv.groupby(["unique_id", "cutoff"], sort=False):
        length = (pd.Timestamp(str(cutoff)) - first_day).days + 1
        train = history[str(key)][:length]
        actual = window["y"].to_numpy()
        for method in ("Naive", "SeasonalNaive", "Theta", "Naive + Theta"):
            predicted = window[method].to_numpy()
            mase = metrics.mase(actual, predicted, train=train, season_length=SEASON)
            rows.append((method, str(key), mase, metrics.smape(actual, predicted)))
    scores = pd.DataFrame(rows, columns=["method", "key", "mase", "smape"])
    per_series = scores.groupby(["method", "key"], sort=False).mean()
    means = per_series.groupby(level="method", sort=False).mean()
    return {
        str(method): (float(row["mase"]), float(row["smape"])) for method, row in means.iterrows()
    }


def quiet_prophet() -> None:
    """Silence cmdstanpy's and Prophet's INFO lines (in each pool process too)."""
    for name in ("cmdstanpy", "prophet", "prophet.plot"):
        logging.getLogger(name).setLevel(logging.ERROR)
    logging.getLogger("cmdstanpy").disabled = True
    warnings.simplefilter("ignore")


def prophet_one(history: pd.DataFrame) -> int:
    """Fit Prophet (defaults) on one series' ``ds, y``, forecast 30 days; the forecast's length."""
    from prophet import Prophet

    model = Prophet().fit(history)
    future = model.make_future_dataframe(periods=HORIZON, include_history=False)
    return len(model.predict(future))


def prophet_run(frame: pd.DataFrame, sample_size: int, full: bool) -> Reference:
    """Prophet fit + forecast per series, 2 processes; an even sample scaled up unless ``full``."""
    quiet_prophet()
    keys = frame["unique_id"].unique()
    total = len(keys)
    if not full:
        keys = keys[np.linspace(0, total - 1, num=min(sample_size, total)).round().astype(int)]
    chosen = frame[frame["unique_id"].isin(keys)]
    histories = [group[["ds", "y"]] for _, group in chosen.groupby("unique_id", sort=False)]
    prophet_one(histories[0])  # warm-up before forking, not timed: imports, the Stan model
    log(f"Prophet: {len(histories)} series, {PROCESSES} processes")
    started = sample()
    context = multiprocessing.get_context("fork")
    with context.Pool(PROCESSES, initializer=quiet_prophet) as pool:
        lengths = pool.map(prophet_one, histories, chunksize=4)
        pool.close()
        pool.join()  # reaped, so their CPU time (and CmdStan's) is counted
    use = between(started, sample())
    assert all(length == HORIZON for length in lengths), "a Prophet forecast is short"
    log(f"  {use.wall:.1f} s, {len(histories) / use.wall:.1f} series/s")
    label = f"Prophet fit + 30-day forecast, {PROCESSES} processes"
    if len(histories) == total:
        return Reference(label, total, use)
    scale = total / len(histories)
    return Reference(
        f"{label}: {len(histories)}-series sample **extrapolated** to {total:,}",
        total,
        CpuUse(*(value * scale for value in (use.wall, use.work, use.others, use.machine))),
        note=f"Prophet measured: {use.wall:.1f} s wall, {use.work:.1f} CPU-s for "
        f"{len(histories)} series",
    )
