"""Catalogue training end to end through the platform, beside StatsForecast and Prophet.

The catalogue: ``--series`` daily series of ``--length`` points cut from the real daily closes
in ``../shared/data`` (4 stocks 2014-2018, MSFT 1986-2017, S&P 500 1950-2015, DJIA
1885-2023, gold and silver 1977-2012). Each source gives segments in proportion to its
length, at evenly spaced start offsets: 3,000 segments of 365 points from ~86,000 closes
overlap (consecutive segments of one source share ~92 % of their points). Each segment's
trading-day closes are put on consecutive calendar days ending 2025-12-31, so every series
is a gap-free daily series (``freq="D"``, season 7) for the platform and the references.

Through the platform, per back end (embedded: SQLite + filesystem broker; ``postgres``:
a throwaway PostgreSQL database + Redis db 15) and per worker layout (``1x2``: one
``preditiva worker --concurrency 2``; ``2x1``: two workers of concurrency 1): the series
are created with the tag ``bench`` (not timed), the long CSV is uploaded to
``POST /v1/imports`` and imported by the worker (timed on its own), a warm-up model trains
4 series (not timed), then ``POST /v1/jobs {"kind": "train.model"}`` trains an
``engine="auto"``, ``horizon=30`` model over the tag in ``train.chunk`` parts. Timed: from
just before the POST to the parent job's ``finished_at``; every series must then have a
stored 30-day forecast. The CPU time of the platform's processes (API, workers and their
pool processes) and of the whole machine is read from /proc over the same interval, because
this machine is shared: it says how much of the two cores the platform actually had.

References in the same run, on the same data (``catalogue_references.py``): StatsForecast
and Prophet called directly. Finally one chunk's job body is profiled in this process
(``chunk_profile.py``; ``--no-profile`` to skip).
"""

import argparse
import contextlib
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import redis
from catalogue_references import (
    HORIZON,
    Reference,
    cv_accuracy,
    log,
    prophet_run,
    statsforecast_runs,
)
from chunk_profile import profile_chunk
from cpu_meter import CpuUse, between, sample
from import_throughput import free_port, fresh_postgres, process, upload_and_wait
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.clock import utcnow
from preditiva.core.settings import Settings
from preditiva.services import registry
from preditiva.services import series as series_service
from preditiva.storage.db.engine import get_engine, get_session_factory
from preditiva.storage.db.migrate import upgrade
from preditiva.storage.db.models import Job, Model, ModelFit, ModelVersion, Worker
from preditiva.storage.db.repositories import series as series_repo

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
TAG, WARM_TAG, WARM_SERIES = "bench", "warm", 4
LAST_DAY = pd.Timestamp("2025-12-31")
FINISHED = {"succeeded", "failed", "cancelled"}
START_TIMEOUT, TRAIN_TIMEOUT = 60.0, 3600.0
BACKENDS = {"embedded": "SQLite + filesystem broker", "postgres": "PostgreSQL + Redis"}


# --- the catalogue ------------------------------------------------------------------------


def daily_closes() -> list["np.ndarray[Any, np.dtype[np.float64]]"]:
    """Every real daily close series in ``../shared/data``, each oldest first."""
    stocks = pd.read_parquet(DATA / "stocks_daily_ohlcv.parquet")
    closes = pd.read_parquet(DATA / "prices_close_only.parquet")
    daily = closes[closes["frequency"] == "daily"]
    named = [
        group.sort_values("date")["close"] for _, group in stocks.groupby("symbol", observed=True)
    ]
    named += [
        group.sort_values("date")["value"] for _, group in daily.groupby("series", observed=True)
    ]
    return [values.to_numpy(dtype=np.float64) for values in named]


def catalogue(count: int, length: int) -> pd.DataFrame:
    """``count`` segments of ``length`` closes as a long frame ``unique_id, ds, y``."""
    sources = daily_closes()
    room = np.array([len(values) - length + 1 for values in sources], dtype=np.float64)
    share = room / room.sum() * count
    taken = np.floor(share).astype(int)
    for index in np.argsort(share - taken)[::-1][: count - taken.sum()]:
        taken[index] += 1  # largest remainders
    segments = []
    for values, pieces in zip(sources, taken, strict=True):
        starts = np.linspace(0, len(values) - length, num=pieces).round().astype(int)
        segments += [values[start : start + length] for start in starts]
    days = pd.date_range(end=LAST_DAY, periods=length, freq="D")
    keys = [f"{TAG}-{number:04d}" for number in range(1, count + 1)]
    return pd.DataFrame(
        {
            "unique_id": np.repeat(keys, length),
            "ds": np.tile(days.to_numpy(), count),
            "y": np.concatenate(segments),
        }
    )


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """The catalogue as the long CSV ``key,ts,value`` the import endpoint reads."""
    table = pa.table(
        {
            "key": frame["unique_id"].to_numpy(),
            "ts": pa.array(frame["ds"].dt.date),
            "value": frame["y"].to_numpy(),
        }
    )
    pa_csv.write_csv(table, path)


# --- the platform -------------------------------------------------------------------------


@dataclass
class PlatformRun:
    """One timed ``train.model`` through the platform, with what was checked and measured."""

    backend: str
    layout: str
    series: int
    seconds: float
    summary: dict[str, Any]
    forecasts_ok: int
    parts: int
    first_part_after: float
    parts_busy: float
    finish_lag: float
    fit_seconds: float
    cpu: CpuUse | None = None
    accuracy: dict[str, float] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        """Series trained per wall-clock second."""
        return self.series / self.seconds


@dataclass
class Platform:
    """A migrated database holding the catalogue's series, and the processes' environment."""

    backend: str
    settings: Settings
    env: dict[str, str]
    factory: sessionmaker[Session]
    import_seconds: float = 0.0


def layout_workers(layout: str) -> tuple[int, int]:
    """``"2x1"`` → 2 workers of concurrency 1."""
    workers, concurrency = layout.split("x")
    return int(workers), int(concurrency)


def prepare_platform(backend: str, settings: Settings, keys: Sequence[str]) -> Platform:
    """Migrate and create the series with their tags (not timed)."""
    upgrade(settings.effective_database_url)
    factory = get_session_factory(settings)
    with factory.begin() as session:
        for number, key in enumerate(keys):
            tags = [TAG, WARM_TAG] if number < WARM_SERIES else [TAG]
            series_service.create(session, key=key, tags=tags)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREDITIVA_")}
    env |= {
        "PREDITIVA_HOME": str(settings.home),
        "PREDITIVA_DATABASE_URL": settings.effective_database_url,
        "PREDITIVA_BROKER_URL": settings.effective_broker_url,
        "PREDITIVA_PORT": str(free_port()),
        "PREDITIVA_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    return Platform(backend, settings, env, factory)


def define_models(platform: Platform, layout: str) -> tuple[str, str]:
    """A warm-up model (the ``warm`` series) and the timed model (every ``bench`` series)."""
    names = (f"warm-{layout}", f"catalogue-{layout}")
    with platform.factory.begin() as session:
        for name, tag in zip(names, (WARM_TAG, TAG), strict=True):
            registry.define(session, name=name, engine="auto", horizon=HORIZON, target={"tag": tag})
    return names


@contextlib.contextmanager
def workers(platform: Platform, layout: str) -> Iterator[list[int]]:
    """The layout's ``preditiva worker`` processes, heartbeating; yields their pids."""
    count, concurrency = layout_workers(layout)
    names = [f"bench{number}-{layout}@{platform.backend}" for number in range(count)]
    home = platform.settings.home
    with contextlib.ExitStack() as stack:
        pids = [
            stack.enter_context(
                process(
                    ["worker", "--concurrency", str(concurrency), "--name", name],
                    platform.env,
                    home / f"{name}.log",
                )
            )
            for name in names
        ]
        deadline = time.monotonic() + START_TIMEOUT
        while not all(heartbeating(platform.factory, name) for name in names):
            if time.monotonic() > deadline:
                raise SystemExit(f"workers {names} silent after {START_TIMEOUT:.0f} s; see {home}")
            time.sleep(0.2)
        yield pids


def heartbeating(factory: sessionmaker[Session], name: str) -> bool:
    """Whether the worker ``name`` has a recent heartbeat."""
    with factory() as session:
        row = session.get(Worker, name)
        return (
            row is not None
            and row.stopped_at is None
            and (utcnow() - row.heartbeat_at).total_seconds() < 5
        )


def train(client: httpx.Client, model: str, chunk_size: int) -> tuple[float, dict[str, Any]]:
    """Submit ``train.model``, follow it; the seconds to its ``finished_at``, and the job."""
    started = time.time()
    body = {"kind": "train.model", "params": {"model": model, "chunk_size": chunk_size}}
    response = client.post("/v1/jobs", json=body)
    response.raise_for_status()
    job_id = response.json()["id"]
    deadline = time.monotonic() + TRAIN_TIMEOUT
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}").json()
        if job["state"] in FINISHED:
            if job["state"] != "succeeded":
                raise SystemExit(f"train.model {job_id} ended {job['state']}: {job['error']}")
            return datetime.fromisoformat(job["finished_at"]).timestamp() - started, job
        time.sleep(0.5)
    raise SystemExit(f"train.model {job_id} still running after {TRAIN_TIMEOUT:.0f} s")


def inspect_run(
    platform: Platform, layout: str, job: dict[str, Any], seconds: float
) -> PlatformRun:
    """Check every series' stored forecast; read the parts' timings and the fits' scores."""
    parent_id = uuid.UUID(job["id"])
    with platform.factory() as session:
        parts = session.execute(
            select(Job.started_at, Job.finished_at).where(Job.parent_id == parent_id)
        ).all()
        version_id = session.scalars(
            select(ModelVersion.id).where(ModelVersion.job_id == parent_id)
        ).one()
        fits = session.scalars(select(ModelFit).where(ModelFit.version_id == version_id)).all()
        forecasts_ok = sum(1 for fit in fits if _forecast_ok(fit.forecast))
        scored = [fit.metrics for fit in fits if fit.metrics.get("mase") is not None]
        fit_seconds = sum(fit.training_seconds or 0.0 for fit in fits)
    parent_start = datetime.fromisoformat(job["started_at"]).timestamp()
    parent_end = datetime.fromisoformat(job["finished_at"]).timestamp()
    starts = [row.started_at.timestamp() for row in parts if row.started_at]
    ends = [row.finished_at.timestamp() for row in parts if row.finished_at]
    return PlatformRun(
        backend=platform.backend,
        layout=layout,
        series=len(fits),
        seconds=seconds,
        summary=job["result"],
        forecasts_ok=forecasts_ok,
        parts=len(parts),
        first_part_after=min(starts) - parent_start if starts else float("nan"),
        parts_busy=sum((row.finished_at - row.started_at).total_seconds() for row in parts),
        finish_lag=parent_end - max(ends) if ends else float("nan"),
        fit_seconds=fit_seconds,
        accuracy={
            name: float(np.mean([m[name] for m in scored if m.get(name) is not None]))
            for name in ("mase", "naive_mase", "smape", "naive_smape")
        },
    )


def _forecast_ok(forecast: dict[str, Any] | None) -> bool:
    """A stored forecast of ``HORIZON`` finite values."""
    mean = np.asarray((forecast or {}).get("mean", []), dtype=np.float64)
    return len(mean) == HORIZON and bool(np.isfinite(mean).all())


def wait_api(client: httpx.Client, log_path: Path) -> None:
    """Until the API answers ``/health``."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if client.get("/health").status_code == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"API not answering after {START_TIMEOUT:.0f} s; see {log_path}")


def run_platform(platform: Platform, csv_path: Path, args: argparse.Namespace) -> list[PlatformRun]:
    """Import the catalogue once, then one timed training per worker layout."""
    runs = []
    base_url = f"http://127.0.0.1:{platform.env['PREDITIVA_PORT']}"
    api_log = platform.settings.home / "api.log"
    with (
        process(["api"], platform.env, api_log) as api,
        httpx.Client(base_url=base_url, timeout=60) as client,
    ):
        wait_api(client, api_log)
        for number, layout in enumerate(args.layouts):
            warm, timed = define_models(platform, layout)
            with workers(platform, layout) as pids:
                if number == 0:
                    size = csv_path.stat().st_size / 2**20
                    log(f"{platform.backend}: importing the catalogue ({size:.0f} MiB of CSV)")
                    platform.import_seconds, job = upload_and_wait(client, csv_path)
                    log(f"  {platform.import_seconds:.1f} s: {job['message']}")
                log(f"{platform.backend} {layout}: warm-up training of {WARM_SERIES} series")
                train(client, warm, 1)
                log(f"{platform.backend} {layout}: training {args.series} series")
                before = sample([api, *pids])
                seconds, job = train(client, timed, args.chunk_size)
                run_cpu = between(before, sample([api, *pids]))
            run = inspect_run(platform, layout, job, seconds)
            run.cpu = run_cpu
            log(
                f"  {seconds:.1f} s, {run.per_second:.1f} series/s; {job['message']}; "
                f"{run.forecasts_ok} stored forecasts"
            )
            runs.append(run)
    return runs


@contextlib.contextmanager
def backend_settings(backend: str, work: Path, args: argparse.Namespace) -> Iterator[Settings]:
    """Settings of a fresh platform on ``backend``; its databases are dropped afterwards."""
    home = work / backend
    home.mkdir(parents=True)
    if backend == "embedded":
        yield Settings(home=home)
        return
    store = redis.Redis.from_url(args.redis_url)
    store.flushdb()
    try:
        with fresh_postgres(args.pg_admin_url) as url:
            yield Settings(home=home, database_url=url, broker_url=args.redis_url)
    finally:
        store.flushdb()
        store.close()


def profile_fastest(platform: Platform, runs: list[PlatformRun], size: int) -> str:
    """Profile one chunk of the fastest run's version, retrained in this process."""
    fastest = min((run for run in runs if run.backend == platform.backend), key=lambda r: r.seconds)
    with platform.factory() as session:
        version_id = session.scalars(
            select(ModelVersion.id).join(Model).where(Model.name == f"catalogue-{fastest.layout}")
        ).one()
        ids = [row[0] for row in series_repo.keys_with_tag(session, TAG)][:size]
    log(f"{platform.backend}: profiling one chunk of {len(ids)} series in this process")
    return profile_chunk(platform.settings, version_id, ids)


# --- the report ---------------------------------------------------------------------------


def speed_table(runs: list[PlatformRun], references: list[Reference]) -> str:
    """Series per wall second and per CPU second, as multiples of the fastest platform run."""
    rows: list[tuple[str, int, float, CpuUse | None]] = []
    for run in runs:
        count, concurrency = layout_workers(run.layout)
        label = (
            f"Preditiva `train.model`, {BACKENDS[run.backend]}, {count} worker(s) x {concurrency}"
        )
        rows.append((label, run.series, run.seconds, run.cpu))
    rows += [(ref.method, ref.series, ref.cpu.wall, ref.cpu) for ref in references]
    fastest = max(runs, key=lambda run: run.per_second)
    base_wall = fastest.per_second
    base_cpu = fastest.series / fastest.cpu.work if fastest.cpu else float("nan")
    lines = [
        "| method | series | wall s | series/s | x platform | CPU s | CPU ms a series "
        "| x platform per CPU s | others' share of the CPU |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for label, series, seconds, cpu in rows:
        speed = series / seconds
        cells = [label, f"{series:,}", f"{seconds:.1f}", f"{speed:.1f}", f"{speed / base_wall:.2f}"]
        if cpu is not None:
            cells += [f"{cpu.work:.0f}", f"{1000 * cpu.work / series:.0f}"]
            cells += [f"{series / cpu.work / base_cpu:.2f}", f"{cpu.others_share:.0%}"]
        else:
            cells += ["-"] * 4
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def accuracy_table(run: PlatformRun, sf: dict[str, tuple[float, float]]) -> str:
    """Backtest scores over the same 3 windows: the platform's stored ones, StatsForecast's."""
    naive = sf["Naive"][0]
    rows = [
        ("Preditiva `auto` (stored backtests)", run.accuracy["mase"], run.accuracy["smape"]),
        (
            "Preditiva naive (stored backtests)",
            run.accuracy["naive_mase"],
            run.accuracy["naive_smape"],
        ),
    ]
    rows += [(f"StatsForecast CV {name}", mase, smape) for name, (mase, smape) in sf.items()]
    lines = ["| method | MASE | vs naive | sMAPE % |", "|---|--:|--:|--:|"]
    lines += [f"| {label} | {m:.4f} | {m / naive - 1:+.2%} | {s:.3f} |" for label, m, s in rows]
    return "\n".join(lines)


def describe_runs(runs: list[PlatformRun], platforms: list[Platform]) -> list[str]:
    """The facts behind each platform row."""
    lines = [f"Import ({item.backend}): {item.import_seconds:.1f} s" for item in platforms]
    for run in runs:
        s = run.summary
        lines.append(
            f"{run.backend} {run.layout}: {run.series} fits, {run.forecasts_ok} with a stored "
            f"{HORIZON}-day forecast; trained {s['trained']}, skipped {s['skipped']}, failed "
            f"{s['failed']}; MASE {s['mase']:.4f} vs naive {s['naive_mase']:.4f} (skill "
            f"{s['skill_vs_naive']:+.2%}, beats naive on {s['beats_naive_share']:.0%} of "
            f"series); {run.parts} parts, the first started {run.first_part_after:.2f} s after "
            f"the parent, parts busy {run.parts_busy:.0f} process-s in all (per-series "
            f"training_seconds sum to {run.fit_seconds:.0f} s), parent finished "
            f"{run.finish_lag:.2f} s after the last part"
        )
        if run.cpu:
            use = run.cpu
            lines.append(
                f"{run.backend} {run.layout} CPU: the platform's processes (API, workers, pool "
                f"processes) used {use.work:.0f} CPU-s, {use.work / run.seconds:.2f} cores on "
                f"average, while other processes used {use.others:.0f} CPU-s "
                f"({use.others_share:.0%} of the machine's {use.machine:.0f})"
            )
    return lines


def library_versions() -> str:
    """Versions of the libraries that do the work."""
    names = ("statsforecast", "prophet", "pandas", "numpy", "sqlalchemy", "celery")
    return ", ".join(f"{name} {version(name)}" for name in names)


def main() -> None:
    """Build the catalogue; train it through the platform and the references; print tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=3000)
    parser.add_argument("--length", type=int, default=365, help="points per series")
    parser.add_argument("--chunk-size", type=int, default=100, help="series per train.chunk")
    parser.add_argument("--backends", default="embedded", help="embedded and/or postgres")
    parser.add_argument("--layouts", default="1x2,2x1", help="workers x concurrency, each")
    parser.add_argument("--prophet-sample", type=int, default=150)
    parser.add_argument("--full", action="store_true", help="Prophet on every series")
    parser.add_argument("--no-profile", action="store_true", help="skip profiling a chunk")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15", help="flushed!")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    args.layouts = args.layouts.split(",")
    chosen = args.backends.split(",")
    if unknown := set(chosen) - BACKENDS.keys():
        parser.error(f"unknown backends {sorted(unknown)}; known: {', '.join(BACKENDS)}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the clean-ups run
    started, load = datetime.now(UTC), os.getloadavg()
    git = ["git", "-C", str(ROOT), "describe", "--always", "--dirty"]
    revision = subprocess.run(git, capture_output=True, text=True).stdout.strip() or "unknown"
    frame = catalogue(args.series, args.length)
    keys = list(frame["unique_id"].unique())
    log(f"catalogue: {len(keys)} series of {args.length} points")
    runs: list[PlatformRun] = []
    platforms: list[Platform] = []
    profile = ""
    with tempfile.TemporaryDirectory(prefix="preditiva-catalogue-bench-") as folder:
        work = Path(folder)
        csv_path = work / "catalogue.csv"
        write_csv(frame, csv_path)
        for backend in chosen:
            with backend_settings(backend, work, args) as settings:
                item = prepare_platform(backend, settings, keys)
                platforms.append(item)
                runs += run_platform(item, csv_path, args)
                if not args.no_profile and not profile:
                    profile = profile_fastest(item, runs, args.chunk_size)
                get_engine(settings).dispose()
    references, cv = statsforecast_runs(frame)
    references.append(prophet_run(frame, args.prophet_sample, args.full))
    end = os.getloadavg()
    notes = [
        f"Date: {started:%Y-%m-%d %H:%M} UTC; revision {revision} at the start",
        f"Machine: {os.cpu_count()} CPUs, {platform.machine()}, {platform.platform()}, Python "
        f"{platform.python_version()}; {library_versions()}",
        f"Load average (1/5/15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the start, "
        f"{end[0]:.2f} {end[1]:.2f} {end[2]:.2f} at the end",
        f"Catalogue: {args.series} daily series of {args.length} points; `train.model` of an "
        f"`auto` model, horizon {HORIZON}, chunk_size {args.chunk_size}",
    ]
    print("  \n".join(notes) + "\n\n" + speed_table(runs, references) + "\n")
    print("  \n".join(describe_runs(runs, platforms) + [r.note for r in references if r.note]))
    print("\n" + accuracy_table(runs[0], cv_accuracy(frame, cv)))
    if profile:
        print("\n" + profile)


if __name__ == "__main__":
    main()
