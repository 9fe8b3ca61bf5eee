"""Rows per second importing a long CSV through the API and a real worker, beside plain loads.

For SQLite and for PostgreSQL: start ``preditiva api`` and ``preditiva worker`` on a fresh
database, upload the file to ``POST /v1/imports`` (streamed by httpx), poll the job until it
ends, then do it again (every row unchanged). In the same run, load the same rows with a
plain ``executemany`` (SQLite) and a plain ``COPY`` (PostgreSQL) into an identical, empty,
migrated database. Peak memory is each process's high-water mark (``VmHWM`` in /proc).
"""

import argparse
import contextlib
import io
import os
import platform
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from preditiva.core.settings import Settings
from preditiva.services import series as series_service
from preditiva.storage.db.engine import get_engine, get_session_factory
from preditiva.storage.db.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
PREDITIVA = [sys.executable, "-m", "preditiva"]
FINISHED = {"succeeded", "failed", "cancelled"}
START_TIMEOUT, JOB_TIMEOUT = 60.0, 1800.0


@dataclass(frozen=True)
class Run:
    """One way of loading the rows, timed."""

    database: str
    path: str
    rows: int
    seconds: float
    worker_mb: float | None = None
    api_mb: float | None = None
    worker_idle_mb: float | None = None
    api_idle_mb: float | None = None

    @property
    def per_second(self) -> float:
        """Rows loaded per second."""
        return self.rows / self.seconds


def log(message: str) -> None:
    """A timestamped line on stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def generate_csv(path: Path, series: int, days: int) -> int:
    """A long CSV: ``series`` random walks of ``days`` daily closes; returns the row count."""
    start = date(2020, 1, 1)
    stamps = [(start + timedelta(days=offset)).isoformat() for offset in range(days)]
    rng = np.random.default_rng(7)
    with path.open("w") as handle:
        handle.write("key,ts,value\n")
        for index in range(series):
            walk = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, days)))
            key = f"S{index:04d}"
            handle.write(
                "".join(f"{key},{ts},{value:.4f}\n" for ts, value in zip(stamps, walk, strict=True))
            )
    return series * days


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def children(pid: int) -> list[int]:
    """Every descendant of ``pid``, from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def peak_mb(pids: list[int]) -> float:
    """The largest resident-set high-water mark among ``pids``, in MiB."""
    peaks = [0]
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]))
    return max(peaks) / 1024


@contextlib.contextmanager
def process(args: list[str], env: dict[str, str], log_path: Path) -> Iterator[int]:
    """A ``preditiva`` child in its own session, stopped (group killed) on exit."""
    with log_path.open("wb") as out:
        child = subprocess.Popen(
            [*PREDITIVA, *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield child.pid
        finally:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.wait(20)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()


@contextlib.contextmanager
def fresh_postgres(admin_url: str) -> Iterator[str]:
    """A new empty PostgreSQL database, dropped on exit."""
    name = f"preditiva_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_ready(client: httpx.Client, log_path: Path) -> None:
    """Until ``/ready`` says the database, broker and a worker all answer."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if client.get("/ready").status_code == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"platform not ready after {START_TIMEOUT}s; see {log_path}")


def upload_and_wait(client: httpx.Client, csv_path: Path) -> tuple[float, dict[str, Any]]:
    """Upload, follow the job to its end; return the wall time and the job."""
    started = time.perf_counter()
    with csv_path.open("rb") as handle:
        response = client.post(
            "/v1/imports",
            files={"file": (csv_path.name, handle, "text/csv")},
            data={"create_series": "true"},
            timeout=600,
        )
    response.raise_for_status()
    job_id = response.json()["id"]
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}").json()
        if job["state"] in FINISHED:
            if job["state"] != "succeeded":
                raise SystemExit(f"import job {job_id} ended {job['state']}: {job['error']}")
            return time.perf_counter() - started, job
        time.sleep(0.1)
    raise SystemExit(f"import job {job_id} still running after {JOB_TIMEOUT}s")


def through_api(
    name: str, database_url: str | None, csv_path: Path, rows: int, work: Path
) -> list[Run]:
    """Two uploads of the file to a live API and worker: new rows, then all unchanged."""
    home = work / name.lower()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREDITIVA_")}
    env |= {"PREDITIVA_HOME": str(home), "PREDITIVA_PORT": str(port)}
    env |= {"PREDITIVA_LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"}
    if database_url:
        env["PREDITIVA_DATABASE_URL"] = database_url
    home.mkdir(parents=True)
    subprocess.run([*PREDITIVA, "migrate"], env=env, check=True, capture_output=True)
    runs = []
    with (
        process(["worker", "--name", f"bench@{name}"], env, home / "worker.log") as worker,
        process(["api"], env, home / "api.log") as api,
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
    ):
        wait_ready(client, home / "worker.log")
        idle = (peak_mb([worker, *children(worker)]), peak_mb([api, *children(api)]))
        for label in ("API upload → ingest job, new rows", "API upload again, all unchanged"):
            log(f"{name}: {label}")
            seconds, job = upload_and_wait(client, csv_path)
            result = job["result"]
            assert result["rows_read"] == rows, result
            log(f"  {seconds:.1f}s, job {result['seconds']:.1f}s, {result['rows_written']} written")
            runs.append(
                Run(
                    name,
                    label,
                    rows,
                    seconds,
                    peak_mb([worker, *children(worker)]),
                    peak_mb([api, *children(api)]),
                    *idle,
                )
            )
    return runs


def plain_rows(csv_path: Path) -> pa.Table:
    """The file's rows, timestamps parsed, for the plain loads."""
    options = pa_csv.ConvertOptions(column_types={"ts": pa.timestamp("us")})
    table = pa_csv.read_csv(csv_path, convert_options=options)
    return table.set_column(1, "ts", pc.assume_timezone(table["ts"], "UTC"))


def with_series_ids(table: pa.Table, database_url: str, home: Path) -> pa.Table:
    """Create the file's series (not timed) and put their ids beside the rows."""
    settings = Settings(home=home, database_url=database_url)
    upgrade(settings.effective_database_url)
    keys = pc.unique(table["key"]).sort()
    with get_session_factory(settings).begin() as session:
        made = [series_service.create(session, key=key) for key in keys.to_pylist()]
        ids = pa.array([series.id for series in made], pa.int64())
    get_engine(settings).dispose()
    series_id = ids.take(pc.index_in(table["key"], value_set=keys))
    return table.drop_columns(["key"]).add_column(0, "series_id", series_id)


def plain_executemany(table: pa.Table, work: Path) -> Run:
    """The rows into an empty migrated SQLite database: one executemany, one transaction."""
    path = work / "plain.db"
    loaded = with_series_ids(table, f"sqlite:///{path}", work / "plain-sqlite")
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    stamps = loaded["ts"].cast(pa.timestamp("us")).cast(pa.string())
    rows = list(
        zip(
            loaded["series_id"].to_pylist(),
            stamps.to_pylist(),
            loaded["value"].to_pylist(),
            strict=True,
        )
    )
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO observation (series_id, ts, source, value, is_synthetic, ingested_at) "
        f"VALUES (?, ?, 'plain', ?, 0, '{now}')",
        rows,
    )
    connection.execute("COMMIT")
    seconds = time.perf_counter() - started
    connection.close()
    return Run("SQLite", "plain executemany, one transaction", len(rows), seconds)


def plain_copy(table: pa.Table, admin_url: str, work: Path) -> Run:
    """The rows into an empty migrated PostgreSQL database with one plain COPY."""
    with fresh_postgres(admin_url) as url:
        loaded = with_series_ids(table, url, work / "plain-postgres")
        size = loaded.num_rows
        loaded = loaded.add_column(2, "source", pa.array(["plain"] * size))
        loaded = loaded.append_column("is_synthetic", pa.array([False] * size))
        loaded = loaded.append_column("ingested_at", pa.array([datetime.now(UTC)] * size))
        buffer = io.BytesIO()
        pa_csv.write_csv(loaded, buffer, write_options=pa_csv.WriteOptions(include_header=False))
        data = buffer.getvalue()
        columns = ", ".join(loaded.column_names)
        with psycopg.connect(url) as connection:
            started = time.perf_counter()
            with (
                connection.cursor() as cursor,
                cursor.copy(f"COPY observation ({columns}) FROM STDIN (FORMAT csv)") as copy,
            ):
                for start in range(0, len(data), 1 << 20):
                    copy.write(data[start : start + (1 << 20)])
            connection.commit()
            seconds = time.perf_counter() - started
    return Run("PostgreSQL", "plain COPY, one transaction", size, seconds)


def table_markdown(runs: list[Run]) -> str:
    """The runs as a Markdown table."""
    lines = [
        "| database | path | rows | seconds | rows/s "
        "| peak RSS worker (idle) | peak RSS API (idle) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        worker = f"{run.worker_mb:.0f} MiB ({run.worker_idle_mb:.0f})" if run.worker_mb else "-"
        api = f"{run.api_mb:.0f} MiB ({run.api_idle_mb:.0f})" if run.api_mb else "-"
        lines.append(
            f"| {run.database} | {run.path} | {run.rows:,} | {run.seconds:.1f} | "
            f"{run.per_second:,.0f} | {worker} | {api} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Generate the file, run every path, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--series", type=int, default=1000, help="series in the file")
    parser.add_argument("--days", type=int, default=1000, help="daily rows per series")
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite, postgresql")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    wanted = set(args.databases.split(","))
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="preditiva-import-bench-") as folder:
        work = Path(folder)
        csv_path = work / "prices.csv"
        rows = generate_csv(csv_path, args.series, args.days)
        log(f"{rows:,} rows, {csv_path.stat().st_size / 2**20:.0f} MiB of CSV")
        plain = plain_rows(csv_path)
        if "sqlite" in wanted:
            runs += through_api("SQLite", None, csv_path, rows, work)
            runs.append(plain_executemany(plain, work))
        if "postgresql" in wanted:
            with fresh_postgres(args.pg_admin_url) as url:
                runs += through_api("PostgreSQL", url, csv_path, rows, work)
            runs.append(plain_copy(plain, args.pg_admin_url, work))
    print(f"\n{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"{args.series} series x {args.days} days = {rows:,} rows (key,ts,value)\n")
    print(table_markdown(runs))


if __name__ == "__main__":
    main()
