"""Jobs per second and submit-to-result latency of Preditiva beside bare Celery, per broker."""

import argparse
import contextlib
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import astuple, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import redis
from bare_celery_app import NOOP, app_from_env  # this script's folder is on sys.path
from celery import Celery
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.broker import get_celery
from preditiva.core.logging import configure_logging
from preditiva.core.settings import Settings
from preditiva.services import dispatch, jobs
from preditiva.storage.db.engine import get_engine, get_session_factory
from preditiva.storage.db.models import Job, JobState

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
KIND, PARAMS = "diagnostics.sleep", {"seconds": 0, "steps": 1}
CONCURRENCY, WARMUP, LOG_LEVEL = 2, 20, "WARNING"
RUN_TIMEOUT, STOP_GRACE = 300.0, 20.0
SUBMIT_PATH = "service layer in-process: jobs.submit in a session, commit, dispatch.publish_jobs"
LATENCY_NOTE = (
    "latency per job = its finish time minus time.time() taken just before its submit. Finish "
    "time: Preditiva, the job row's finished_at (set by the worker in the UPDATE that stores "
    "the result); bare Celery, time.time() returned by the task (stored in the result backend "
    "just after). Submit s = first submit start to last submit end; wall s = first submit "
    "start to last finish; jobs/s = jobs / wall. Jobs are submitted one at a time, as fast as "
    "one process can, while the worker runs them, so latency includes time queued."
)


@dataclass(frozen=True)
class Run:
    """One system's figures on one back end."""

    backend: str
    system: str
    jobs: int
    submit: float
    wall: float
    per_second: float
    median_ms: float
    p99_ms: float


def log(message: str) -> None:
    """A progress line on stderr, so stdout stays the report."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the main process only (the pool stops its children); SIGKILL as a last resort."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            log(f"worker {process.pid} ignored SIGTERM for {STOP_GRACE:.0f}s; killing its group")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    for _ in range(50):  # the pool's children end with it; give them 5 s
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    log(f"children of worker {process.pid} outlived it; killing them")
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def child_env(settings: dict[str, str]) -> dict[str, str]:
    """This environment without its own Preditiva or bare-Celery settings, plus ``settings``."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("PREDITIVA_", "BARE_"))}
    return inherited | {"PYTHONUNBUFFERED": "1"} | settings


@contextlib.contextmanager
def worker(command: list[str], env: dict[str, str], log_path: Path) -> Iterator[None]:
    """Run a worker in its own session for the duration of the block."""
    with log_path.open("wb") as out:
        options: dict[str, Any] = {"cwd": ROOT, "env": child_env(env), "start_new_session": True}
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, **options)
        try:
            yield
        finally:
            _stop(process)


def submit_preditiva(
    factory: sessionmaker[Session], app: Celery, settings: Settings, count: int
) -> dict[uuid.UUID, float]:
    """Submit ``count`` jobs the way POST /v1/jobs does; return each one's submit start."""
    starts: dict[uuid.UUID, float] = {}
    for _ in range(count):
        started = time.time()
        with factory() as session:
            job = jobs.submit(
                session, kind=KIND, params=PARAMS, default_max_attempts=settings.max_attempts
            )
            session.commit()
            dispatch.publish_jobs(factory, app, [job.id])
        starts[job.id] = started
    return starts


def wait_preditiva(factory: sessionmaker[Session], ids: set[uuid.UUID]) -> dict[uuid.UUID, float]:
    """Wait until no job is queued or running; return finished_at of ``ids``."""
    deadline = time.monotonic() + RUN_TIMEOUT
    live = select(func.count()).where(Job.state.in_([JobState.QUEUED, JobState.RUNNING]))
    while True:
        with factory() as session:
            if session.scalar(live) == 0:
                rows = session.execute(select(Job.id, Job.state, Job.finished_at)).all()
                break
        if time.monotonic() > deadline:
            with factory() as session:
                query = select(Job.state, Job.published_at.is_not(None), func.count())
                counts = session.execute(query.group_by(Job.state, Job.published_at.is_not(None)))
                seen = ", ".join(f"{n} {state} (published: {sent})" for state, sent, n in counts)
            raise TimeoutError(f"jobs unfinished after {RUN_TIMEOUT:.0f}s: {seen}")
        time.sleep(0.5)
    failed = [(job_id, state) for job_id, state, _ in rows if state != JobState.SUCCEEDED]
    if failed:
        raise RuntimeError(f"{len(failed)} jobs did not succeed, e.g. {failed[:3]}")
    return {job_id: end.timestamp() for job_id, _, end in rows if job_id in ids and end}


def run_preditiva(backend: str, settings: Settings, jobs_count: int, logs: Path) -> Run:
    env = {
        "PREDITIVA_HOME": str(settings.home),
        "PREDITIVA_DATABASE_URL": settings.effective_database_url,
        "PREDITIVA_BROKER_URL": settings.effective_broker_url,
        "PREDITIVA_LOG_LEVEL": LOG_LEVEL,
    }
    migrate = [str(BIN / "preditiva"), "migrate"]
    subprocess.run(migrate, cwd=ROOT, env=child_env(env), check=True, stdout=subprocess.DEVNULL)
    factory, app = get_session_factory(settings), get_celery(settings)
    command = [str(BIN / "preditiva"), "worker", "--concurrency", str(CONCURRENCY)]
    try:
        with worker(command, env, logs / f"{backend}-preditiva-worker.log"):
            wait_preditiva(factory, set(submit_preditiva(factory, app, settings, WARMUP)))
            log(f"{backend}: preditiva warmed up; submitting {jobs_count} jobs")
            starts = submit_preditiva(factory, app, settings, jobs_count)
            submitted = time.time()
            ends = wait_preditiva(factory, set(starts))
    finally:
        app.close()
        get_engine(settings).dispose()
    return measure(backend, "preditiva", starts, submitted, ends)


def run_bare(backend: str, env: dict[str, str], jobs_count: int, logs: Path) -> Run:
    app = app_from_env(env)
    command = [sys.executable, "-m", "celery", "-A", "benchmarks.bare_celery_app", "worker"]
    command += ["--concurrency", str(CONCURRENCY), "--pool", "prefork", "--loglevel", LOG_LEVEL]
    command += ["--without-gossip", "--without-mingle"]
    task = app.tasks[NOOP]

    def submit_and_wait(count: int) -> tuple[dict[str, float], float, dict[str, float]]:
        starts: dict[str, float] = {}
        pending = []
        for _ in range(count):
            started = time.time()
            result = task.apply_async()
            starts[result.id] = started
            pending.append(result)
        submitted = time.time()
        deadline = time.monotonic() + RUN_TIMEOUT
        ends = {
            r.id: float(r.get(timeout=max(1.0, deadline - time.monotonic()))["finished_at"])
            for r in pending
        }
        return starts, submitted, ends

    try:
        with worker(command, env, logs / f"{backend}-bare-worker.log"):
            submit_and_wait(WARMUP)
            log(f"{backend}: bare celery warmed up; submitting {jobs_count} tasks")
            starts, submitted, ends = submit_and_wait(jobs_count)
    finally:
        app.close()
    return measure(backend, "bare celery", starts, submitted, ends)


def measure(
    backend: str, system: str, starts: dict[Any, float], submitted: float, ends: dict[Any, float]
) -> Run:
    """Wall time and latency percentiles from each job's submit start and finish."""
    assert starts.keys() == ends.keys(), "a job is missing its finish time"
    first = min(starts.values())
    ms = [(ends[key] - starts[key]) * 1000 for key in starts]
    p99 = statistics.quantiles(ms, n=100, method="inclusive")[98]
    wall = max(ends.values()) - first
    median = statistics.median(ms)
    return Run(backend, system, len(ms), submitted - first, wall, len(ms) / wall, median, p99)


def bench_embedded(jobs_count: int, args: argparse.Namespace) -> list[Run]:
    with tempfile.TemporaryDirectory(prefix="preditiva-bench-") as tmp:
        root = Path(tmp)
        settings = Settings(home=root / "home")  # SQLite and the filesystem broker
        preditiva = run_preditiva("embedded", settings, jobs_count, args.logs)
        (root / "bare" / "results").mkdir(parents=True)
        env = {
            "BARE_CELERY_BROKER_URL": "filesystem://",
            "BARE_CELERY_RESULT_BACKEND": f"file://{root / 'bare' / 'results'}",
            "BARE_CELERY_BROKER_DIR": str(root / "bare" / "broker"),
            "BARE_CELERY_POLLING_INTERVAL": str(settings.broker_polling_interval),
        }
        bare = run_bare("embedded", env, jobs_count, args.logs)
    return [preditiva, bare]


def bench_redis(jobs_count: int, args: argparse.Namespace) -> list[Run]:
    name = f"preditiva_bench_{uuid.uuid4().hex[:10]}"
    admin_url: str = args.pg_admin_url
    broker: str = args.redis_url
    store = redis.Redis.from_url(broker)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory(prefix="preditiva-bench-") as tmp:
            root = Path(tmp)
            store.flushdb()
            url = f"{admin_url.rsplit('/', 1)[0]}/{name}"
            settings = Settings(home=root / "home", database_url=url, broker_url=broker)
            preditiva = run_preditiva("redis", settings, jobs_count, args.logs)
            store.flushdb()
            env = {"BARE_CELERY_BROKER_URL": broker, "BARE_CELERY_RESULT_BACKEND": broker}
            bare = run_bare("redis", env, jobs_count, args.logs)
    finally:
        store.flushdb()
        store.close()
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return [preditiva, bare]


BACKENDS: dict[str, tuple[Callable[[int, argparse.Namespace], list[Run]], str]] = {
    "embedded": (bench_embedded, "SQLite, filesystem broker (polling 0.1 s), file results"),
    "redis": (bench_redis, "PostgreSQL, Redis broker, Redis results"),
}


def table(runs: list[Run]) -> str:
    """The figures as a Markdown table; ratios are Preditiva over bare Celery."""
    lines = [
        "| backend | system | jobs | submit s | wall s | jobs/s | latency median ms "
        "| latency p99 ms | jobs/s ratio | median ratio | p99 ratio |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    bare = {run.backend: run for run in runs if run.system == "bare celery"}
    for run in runs:
        base = bare.get(run.backend, run)
        ratios = zip(astuple(run)[-3:], astuple(base)[-3:], strict=True)
        cells = [run.backend, run.system, str(run.jobs), f"{run.submit:.2f}", f"{run.wall:.2f}"]
        cells += [f"{run.per_second:.1f}", f"{run.median_ms:.0f}", f"{run.p99_ms:.0f}"]
        cells += [f"{mine / theirs:.2f}" if base is not run else "—" for mine, theirs in ratios]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=1000, help="timed jobs per run")
    parser.add_argument("--backends", default="embedded,redis", help="embedded and/or redis")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15", help="flushed!")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    chosen = args.backends.split(",")
    if unknown := set(chosen) - BACKENDS.keys():
        parser.error(f"unknown backends {sorted(unknown)}; known: {', '.join(BACKENDS)}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the clean-ups run
    for key in [key for key in os.environ if key.startswith("PREDITIVA_")]:
        del os.environ[key]  # each run's settings are the benchmark's own
    configure_logging(Settings(log_level=LOG_LEVEL), process="benchmark")
    started, load = datetime.now(UTC), os.getloadavg()[0]
    args.logs = Path(tempfile.mkdtemp(prefix="preditiva-bench-logs-"))
    try:
        runs = [run for name in chosen for run in BACKENDS[name][0](args.jobs, args)]
    except BaseException:
        log(f"failed; worker logs kept in {args.logs}")
        raise
    shutil.rmtree(args.logs)
    git = ["git", "-C", str(ROOT), "describe", "--always", "--dirty"]
    revision = subprocess.run(git, capture_output=True, text=True).stdout.strip() or "unknown"
    machine = f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}"
    notes = [
        f"Date: {started:%Y-%m-%d %H:%M} UTC; revision {revision}",
        f"Machine: {machine}, {platform.platform()}; load average {load:.2f} at start",
        f"Workload: {args.jobs} `{KIND}` jobs {PARAMS} after {WARMUP} warm-up jobs; workers "
        f"prefork `--concurrency {CONCURRENCY}`, prefetch 1, acks late, log level {LOG_LEVEL}",
        f"Preditiva submission: {SUBMIT_PATH}",
        "Bare Celery submission: `apply_async()` of a no-op task returning a small dict",
        "Back ends: " + "; ".join(f"{name}: {BACKENDS[name][1]}" for name in chosen),
        f"Measured: {LATENCY_NOTE}",
        "Ratios: Preditiva / bare Celery on the same back end",
    ]
    print("  \n".join(notes) + "\n\n" + table(runs))


if __name__ == "__main__":
    main()
