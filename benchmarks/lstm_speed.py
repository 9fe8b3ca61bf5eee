"""LSTM training time and inference latency for one 60-step window, on real daily closes.

Issue 5. The ``lstm`` engine with its defaults (window 60, hidden 32, up to 30 epochs,
patience 5) and horizon 1, what the stock-LSTM seed serves: the next close from the last
60. Each series' closes are put on consecutive business days (no gaps to fill), so a series
of ``n`` closes is ``n`` points for the engine.

* **Training**: the last ``n`` MSFT closes before the final ``--test`` ones, for each
  ``--lengths`` value, fitted twice (both timed: wall and CPU seconds of this process; the
  second fit checks that a refit gives the same weights and forecast bit for bit); also
  horizon 5 (the engine's default) and 30 at 2,000 closes. Then the same series through
  ``train_series(y, "lstm", horizon=1)``, what a training job runs: its backtest (3
  rolling one-step windows beside naive) plus the final fit, timed as one.
* **Skill**: each fitted model forecasts the next close from the 60 true closes before it,
  for each of the last ``--test`` closes, weights fixed (no refit, none of these closes seen
  in training or early stopping); MAE beside naive (the last close), ``skill = 1 - MAE /
  MAE naive``. The same on every daily source (1,000 closes each), since one stock says
  little. ``validation / naive`` is the engine's own held-out RMSE of the steps over that of
  a zero step; the held-out part chose the epoch, so it flatters the LSTM slightly.
* **Inference**, one 60-price window, ``--calls`` calls over distinct windows: the engine's
  ``predict_from_history(window)`` (input checks, NumPy forward pass, 80/95 bands, the
  dated forecast), the NumPy forward pass alone, and the same network rebuilt in torch
  (``model(x)`` on a ready ``(1, 59, 1)`` tensor under ``torch.no_grad()``) at torch's
  default thread count and at 1. A path still running after 10 s stops there (torch on 2
  threads of a busy 2-core machine can take half a second a call).
* **HTTP** (``lstm_http.py``): a ``preditiva api`` on a fresh SQLite home holding the
  2,000-close model as the promoted version; ``POST /v1/models/msft-lstm/predict`` with
  ``{"history": [60 prices]}`` sent by ``http_load.py`` (its own process, one keep-alive
  connection, each request after the previous answer), a different history every time (the
  answer cache misses), then one history repeated (it hits); the mean there is the measured
  seconds over the requests answered. The answer is checked equal to the in-process one,
  and the API process is checked for a loaded libtorch.

    .venv/bin/python benchmarks/lstm_speed.py [--lengths 500,1000,2000,4000] [--calls 2000]
"""

import argparse
import hashlib
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import torch
from lstm_http import HttpFigures, serve_and_load  # this script's folder is on sys.path

from preditiva.ml.engines.lstm import LSTMForecaster, split_examples, to_steps
from preditiva.ml.engines.lstm_forward import forward
from preditiva.ml.engines.lstm_network import network_from_weights
from preditiva.ml.training import train_series

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
DATA = ROOT.parent / "shared" / "data"
WINDOW, HORIZON, OTHER_HORIZONS = 60, 1, (5, 30)
SKILL_LENGTH, SERVED_LENGTH, WARMUP_CALLS, BUDGET_S = 1000, 2000, 50, 10.0

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Skill:
    """Next-close forecasts of the held-out closes, beside naive (the last close)."""

    mae: float
    naive_mae: float
    direction: float

    @property
    def skill(self) -> float:
        """``1 - MAE / MAE of naive``: positive beats naive."""
        return 1 - self.mae / self.naive_mae


@dataclass(frozen=True)
class Fit:
    """One series, length and horizon: timed fits, the refit check, the held-out skill."""

    name: str
    closes: int
    horizon: int
    examples: tuple[int, int]
    wall_s: tuple[float, ...]
    cpu_s: tuple[float, ...]
    epochs_run: int
    best_epoch: int
    identical: bool | None
    validation_ratio: float
    test: Skill


@dataclass(frozen=True)
class Trained:
    """``train_series`` on one length: its time and its backtest beside naive."""

    closes: int
    wall_s: float
    cpu_s: float
    windows: int
    skill: float


@dataclass(frozen=True)
class Latency:
    """Median and 99th percentile of one timed path, in microseconds."""

    path: str
    median_us: float
    p99_us: float
    mean_us: float
    calls: int
    note: str = ""


def log(message: str) -> None:
    """A progress line on stderr, so stdout stays the report."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def daily_sources() -> dict[str, FloatArray]:
    """Every real daily close series in ``../shared/data`` by name, each oldest first."""
    stocks = pd.read_parquet(DATA / "stocks_daily_ohlcv.parquet")
    closes = pd.read_parquet(DATA / "prices_close_only.parquet")
    daily = closes[closes["frequency"] == "daily"]
    named = {
        str(symbol): group.sort_values("date")["close"]
        for symbol, group in stocks.groupby("symbol", observed=True)
    }
    named |= {
        str(name): group.sort_values("date")["value"]
        for name, group in daily.groupby("series", observed=True)
    }
    return {name: values.to_numpy(dtype=np.float64) for name, values in named.items()}


def business_days(values: FloatArray) -> "pd.Series[float]":
    """``values`` on consecutive business days ending 2025-12-31."""
    index = pd.bdate_range(end="2025-12-31", periods=len(values))
    return pd.Series(values, index=index, dtype=np.float64)


def timed_fit(y: "pd.Series[float]", horizon: int) -> tuple[LSTMForecaster, float, float]:
    """A default LSTM of ``horizon`` fitted on ``y``; wall and CPU seconds of the fit."""
    started, cpu = time.perf_counter(), time.process_time()
    fitted = LSTMForecaster(window=WINDOW, horizon=horizon).fit(y)
    return fitted, time.perf_counter() - started, time.process_time() - cpu


def same_model(first: LSTMForecaster, second: LSTMForecaster) -> bool:
    """True when the two fits hold the same weights and forecast the same numbers."""
    weights = all(
        np.array_equal(first.weights_[name], second.weights_[name]) for name in first.weights_
    )
    h = max(first.horizon, 5)
    return weights and first.predict(h).to_frame().equals(second.predict(h).to_frame())


def next_close_skill(fitted: LSTMForecaster, values: FloatArray, test: int) -> Skill:
    """One-step forecasts of the last ``test`` closes, each from the 60 true closes before."""
    predicted, naive = np.empty(test), np.empty(test)
    for offset, at in enumerate(range(len(values) - test, len(values))):
        window = values[at - WINDOW : at]
        predicted[offset] = fitted.predict_from_history(window.tolist(), 1).mean[0]
        naive[offset] = window[-1]
    actual = values[-test:]
    moved = actual != naive
    hits = np.sign(predicted - naive)[moved] == np.sign(actual - naive)[moved]
    return Skill(
        mae=float(np.mean(np.abs(predicted - actual))),
        naive_mae=float(np.mean(np.abs(naive - actual))),
        direction=float(np.mean(hits)),
    )


def fit_series(
    name: str, values: FloatArray, length: int, horizon: int, test: int, *, twice: bool
) -> tuple[Fit, LSTMForecaster]:
    """Fit (twice: and refit) the ``length`` closes before the last ``test``; the figures."""
    y = business_days(values[-(length + test) : -test])
    first, wall, cpu = timed_fit(y, horizon)
    walls, cpus, identical = [wall], [cpu], None
    if twice:
        second, wall, cpu = timed_fit(y, horizon)
        walls.append(wall)
        cpus.append(cpu)
        identical = same_model(first, second)
    n_examples = len(y) - WINDOW - horizon + 1
    n_train, first_validation = split_examples(n_examples, horizon, first.validation_share)
    log(f"  {name}, {length} closes, h={horizon}: " + ", ".join(f"{w:.2f}s" for w in walls))
    fit = Fit(
        name=name,
        closes=length,
        horizon=horizon,
        examples=(n_train, n_examples - first_validation),
        wall_s=tuple(walls),
        cpu_s=tuple(cpus),
        epochs_run=first.epochs_run_,
        best_epoch=first.best_epoch_,
        identical=identical,
        validation_ratio=first.validation_rmse_ / first.naive_validation_rmse_,
        test=next_close_skill(first, values[-(length + test) :], test),
    )
    return fit, first


def weights_digest(fitted: LSTMForecaster) -> str:
    """SHA-256 of the fitted weights, name by name."""
    digest = hashlib.sha256()
    for name in sorted(fitted.weights_):
        digest.update(name.encode() + fitted.weights_[name].tobytes())
    return digest.hexdigest()


def digest_elsewhere(length: int, test: int) -> str:
    """``weights_digest`` of the same MSFT fit made in a fresh Python process."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import lstm_speed as b; "
        "v = b.daily_sources()['MSFT']; "
        "y = b.business_days(v[-(int(sys.argv[2]) + int(sys.argv[3])) : -int(sys.argv[3])]); "
        "print(b.weights_digest(b.timed_fit(y, b.HORIZON)[0]))"
    )
    command = [sys.executable, "-c", code, str(HERE), str(length), str(test)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def through_train_series(values: FloatArray, length: int, test: int) -> Trained:
    """What a training job runs on the ``length`` closes: backtest, final fit, forecast."""
    y = business_days(values[-(length + test) : -test])
    started, cpu = time.perf_counter(), time.process_time()
    trained = train_series(y, "lstm", horizon=HORIZON)
    wall, used = time.perf_counter() - started, time.process_time() - cpu
    assert trained.backtest is not None
    log(f"  train_series on {length} closes: {wall:.2f}s")
    return Trained(length, wall, used, len(trained.backtest.model.windows), trained.backtest.skill)


def timed_calls(path: str, call: Callable[[int], object], calls: int) -> Latency:
    """``call(i)`` for ``i`` in ``range(calls)``, or as many as fit in ``BUDGET_S`` seconds."""
    for i in range(min(WARMUP_CALLS, calls)):
        call(i)
    elapsed_ns = []
    deadline = time.perf_counter_ns() + int(BUDGET_S * 1e9)
    for i in range(calls):
        started = time.perf_counter_ns()
        call(i)
        elapsed_ns.append(time.perf_counter_ns() - started)
        if started > deadline:
            break
    done = np.array(elapsed_ns, dtype=np.float64) / 1000
    note = "" if len(done) == calls else f"stopped after {BUDGET_S:.0f} s"
    median, p99 = float(np.median(done)), float(np.percentile(done, 99))
    return Latency(path, median, p99, float(np.mean(done)), len(done), note)


def in_process(
    fitted: LSTMForecaster, windows: FloatArray, calls: int
) -> tuple[list[Latency], float]:
    """Engine predict, NumPy forward alone, torch forward at default and 1 thread; max |diff|."""
    count = len(windows)
    steps = np.stack([to_steps(window, fitted.transform_) for window in windows])
    scaled = (steps - fitted.scale_mean_) / fitted.scale_std_
    histories = [[float(value) for value in window] for window in windows]
    rows = [
        timed_calls(
            "engine `predict_from_history(window)`",
            lambda i: fitted.predict_from_history(histories[i % count]),
            calls,
        )
    ]
    weights, layers = fitted.weights_, fitted.num_layers
    rows.append(
        timed_calls(
            "NumPy forward pass alone (`lstm_forward.forward`)",
            lambda i: forward(weights, scaled[i % count][np.newaxis, :], num_layers=layers),
            calls,
        )
    )
    network = network_from_weights(weights, hidden_size=fitted.hidden_size, num_layers=layers)
    tensors = [torch.from_numpy(row.astype(np.float32)).reshape(1, WINDOW - 1, 1) for row in scaled]

    def torch_forward(i: int) -> torch.Tensor:
        with torch.no_grad():
            output: torch.Tensor = network(tensors[i % count])
        return output

    default_threads = torch.get_num_threads()
    for threads in sorted({default_threads, 1}, reverse=True):
        torch.set_num_threads(threads)
        label = f"bare torch `model(x)` under `no_grad`, {threads} thread(s)"
        rows.append(timed_calls(label, torch_forward, calls))
    torch.set_num_threads(default_threads)
    with torch.no_grad():
        in_torch = network(torch.from_numpy(scaled.astype(np.float32)).unsqueeze(-1)).numpy()
    difference = float(np.max(np.abs(forward(weights, scaled, num_layers=layers) - in_torch)))
    return rows, difference


def http_rows(figures: HttpFigures) -> list[Latency]:
    """The two HTTP runs as latency rows, with the server's CPU per request."""
    rows = []
    for label, result in (
        ("HTTP `POST /v1/models/{name}/predict`, a new history each time (miss)", figures.miss),
        ("HTTP, the same history each time (answer cache hit)", figures.hit),
    ):
        cpu_ms = (result.server_cpu_s or 0.0) / max(result.requests, 1) * 1000
        note = f"server CPU {cpu_ms:.2f} ms/request; {result.per_second:,.0f} requests/s"
        median, p99 = result.p50_ms * 1000, result.p99_ms * 1000
        mean = result.duration / max(result.requests, 1) * 1e6
        rows.append(Latency(label, median, p99, mean, result.requests, note))
    return rows


def windows_of(values: FloatArray, count: int) -> FloatArray:
    """The last ``count`` 60-price windows of ``values``, one step apart."""
    starts = range(len(values) - WINDOW - count + 1, len(values) - WINDOW + 1)
    return np.stack([values[start : start + WINDOW] for start in starts])


def revision() -> str:
    """The git revision, ``-dirty`` when the tree has changes."""
    described = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    )
    return described.stdout.strip() or "unknown"


def torch_import_seconds() -> float:
    """Seconds ``import torch`` takes in a fresh interpreter (a worker's first fit pays it)."""
    code = "import time; t = time.perf_counter(); import torch; print(time.perf_counter() - t)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout)


def print_header(started_at: datetime, load_start: float, sources: dict[str, FloatArray]) -> None:
    """Date, revision, machine, load, library versions and the data, before the tables."""
    print(f"Date: {started_at:%Y-%m-%d %H:%M} UTC; revision {revision()}")
    print(
        f"Machine: {os.cpu_count()} CPUs, {platform.machine()}, Python "
        f"{platform.python_version()}, {platform.platform()}; load average {load_start:.2f} "
        f"at start, {os.getloadavg()[0]:.2f} at end"
    )
    libraries = ", ".join(
        f"{name} {version(name)}" for name in ("torch", "numpy", "pandas", "fastapi", "uvicorn")
    )
    print(
        f"Libraries: {libraries}; torch intra-op threads {torch.get_num_threads()} by default "
        f"(the engine trains on 1); `import torch` takes {torch_import_seconds():.1f} s in a "
        "fresh process"
    )
    print(
        f"Data: MSFT daily closes ({len(sources['MSFT']):,}, 1986-2017) for the timings; every "
        f"daily source ({', '.join(sources)}) for the skill table\n"
    )


def print_fits(fits: list[Fit], trained: list[Trained], test: int) -> None:
    """The training table and the ``train_series`` table."""
    print(
        "| MSFT closes | horizon | train / validation examples | fit wall s (1st, 2nd) | "
        "fit CPU s (min) | wall s per 1,000 closes | epochs run (best) | refit identical | "
        f"validation RMSE / naive | next-close skill vs naive ({test} held-out closes) |"
    )
    print("|--:|--:|--:|--:|--:|--:|--:|:-:|--:|--:|")
    for fit in fits:
        walls = ", ".join(f"{wall:.2f}" for wall in fit.wall_s)
        print(
            f"| {fit.closes:,} | {fit.horizon} | {fit.examples[0]:,} / {fit.examples[1]:,} | "
            f"{walls} | {min(fit.cpu_s):.2f} | {min(fit.wall_s) / fit.closes * 1000:.2f} | "
            f"{fit.epochs_run} ({fit.best_epoch}) | {'yes' if fit.identical else '**no**'} | "
            f"{fit.validation_ratio:.3f} | {fit.test.skill:+.3f} |"
        )
    print(
        '\n| MSFT closes | `train_series(y, "lstm", horizon=1)` wall s | CPU s | '
        "backtest windows | backtest skill vs naive (MASE) |"
    )
    print("|--:|--:|--:|--:|--:|")
    for row in trained:
        print(
            f"| {row.closes:,} | {row.wall_s:.2f} | {row.cpu_s:.2f} | {row.windows} "
            f"(one step each) | {row.skill:+.3f} |"
        )


def print_skills(fits: list[Fit], test: int) -> None:
    """The skill of a 1,000-close fit of every daily source on its last ``test`` closes."""
    print(
        f"\n| source ({SKILL_LENGTH:,} closes, then {test} held out) | fit s | epochs (best) | "
        "validation RMSE / naive | next-close MAE | naive MAE | skill | direction right |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|")
    for fit in fits:
        print(
            f"| {fit.name} | {fit.wall_s[0]:.2f} | {fit.epochs_run} ({fit.best_epoch}) | "
            f"{fit.validation_ratio:.3f} | {fit.test.mae:.4g} | {fit.test.naive_mae:.4g} | "
            f"{fit.test.skill:+.3f} | {fit.test.direction:.1%} |"
        )
    mean = float(np.mean([fit.test.skill for fit in fits]))
    beaten = sum(fit.test.skill > 0 for fit in fits)
    print(f"\nMean skill {mean:+.3f}; the LSTM beats naive on {beaten} of {len(fits)} sources.")


def print_latency(rows: list[Latency], difference: float, figures: HttpFigures) -> None:
    """The inference table, one 60-price window per call, and the checks beside it."""
    print("\n| one 60-price window, h=1 | median µs | p99 µs | mean µs | calls | note |")
    print("|---|--:|--:|--:|--:|---|")
    for row in rows:
        print(
            f"| {row.path} | {row.median_us:,.0f} | {row.p99_us:,.0f} | {row.mean_us:,.0f} | "
            f"{row.calls:,} | {row.note} |"
        )
    print(
        f"\nNumPy forward vs torch forward, largest difference {difference:.1e} (scaled steps). "
        f"Miss run: {figures.distinct:,} distinct histories, "
        f"{'none' if figures.all_distinct else '**some**'} sent twice. torch loaded in the "
        f"API process after serving: {'yes' if figures.torch_loaded else 'no'}."
    )


def main() -> None:
    """Time the fits, score them, time the predictions in process and over HTTP; print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", default="500,1000,2000,4000", help="MSFT closes to fit")
    parser.add_argument("--test", type=int, default=250, help="held-out closes for the skill")
    parser.add_argument("--calls", type=int, default=2000, help="in-process calls per path")
    parser.add_argument("--http-seconds", type=float, default=8.0, help="measured per case")
    args = parser.parse_args()
    lengths = [int(item) for item in args.lengths.split(",")]
    served_length = SERVED_LENGTH if SERVED_LENGTH in lengths else max(lengths)
    started_at, load_start = datetime.now(UTC), os.getloadavg()[0]
    sources = daily_sources()
    msft = sources["MSFT"]
    log("fits of MSFT")
    fits, models = [], {}
    for length in lengths:
        fit, models[length] = fit_series("MSFT", msft, length, HORIZON, args.test, twice=True)
        fits.append(fit)
    for horizon in OTHER_HORIZONS:
        fits.append(fit_series("MSFT", msft, served_length, horizon, args.test, twice=True)[0])
    log("train_series")
    trained = [through_train_series(msft, length, args.test) for length in lengths]
    log("skill per source")
    skills = [
        fit_series(name, values, SKILL_LENGTH, HORIZON, args.test, twice=False)[0]
        for name, values in sources.items()
    ]
    served = models[served_length]
    log("refit in a fresh process")
    elsewhere = digest_elsewhere(lengths[0], args.test) == weights_digest(models[lengths[0]])
    log("in-process latency")
    latency, difference = in_process(served, windows_of(msft, args.calls), args.calls)
    log("HTTP latency")
    figures = serve_and_load(served, windows_of(msft, len(msft) - WINDOW + 1), args.http_seconds)
    print_header(started_at, load_start, sources)
    print_fits(fits, trained, args.test)
    print(
        f"\nA refit of the {lengths[0]:,}-close model in a fresh Python process gives "
        f"{'the same' if elsewhere else '**different**'} weights (SHA-256 of every array)."
    )
    print_skills(skills, args.test)
    print_latency(latency + http_rows(figures), difference, figures)


if __name__ == "__main__":
    main()
