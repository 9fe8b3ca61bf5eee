"""Batch prediction of 1,000,000 rows through the platform beside the bare predict, same rows.

Trains a LightGBM regressor of the sale price on the Ames houses once, registers it, and
resamples Ames rows (with replacement) into ``--rows`` rows with an ``id`` column. Then:

* bare: ``TabularModel.pipeline.predict(frame)`` on the whole frame in this process (the
  scikit-learn pipeline: preprocessing, then LightGBM), and the LightGBM step alone on the
  preprocessed frame; timed before and after the platform runs, to see the machine drift;
* platform, per format: the file (written beforehand, not timed) is streamed by httpx to
  ``POST /v1/models/{name}/predict-batch`` of a running ``preditiva api``, a real
  ``preditiva worker`` (embedded broker, SQLite) predicts it in chunks into a Parquet
  result file, and ``GET /v1/jobs/{id}/result`` downloads it. Wall time runs from the start
  of the upload to the last byte of the result on disk.

The ratio is platform wall time over the bare pipeline's time (the mean of its two runs).
Worker CPU is the worker processes' user + system seconds during the job (from /proc), so
the work done in the read-ahead thread shows.
"""

import argparse
import contextlib
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from import_throughput import children, free_port, process, wait_ready  # this folder is on sys.path

from preditiva.core.settings import Settings
from preditiva.ml.tabular import TabularModel, train_tabular
from preditiva.services import registry
from preditiva.storage.artifacts import get_store
from preditiva.storage.db.engine import get_session_factory
from preditiva.storage.db.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
AMES = ROOT.parent / "shared" / "data" / "house_prices_ames.parquet"
TARGET = "Sale_Price"
MODEL = "ames-lightgbm"
FINISHED = {"succeeded", "failed", "cancelled"}
JOB_TIMEOUT = 3600.0
TARGET_RATIO = 1.5


@dataclass(frozen=True)
class PlatformRun:
    """One file through the platform, timed stage by stage."""

    format: str
    file_mb: float
    upload_s: float
    wall_s: float
    job_s: float
    download_s: float
    worker_cpu_s: float
    result_mb: float


def log(message: str) -> None:
    """A timestamped line on stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of ``pids`` so far (from /proc/<pid>/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def train() -> tuple[TabularModel, pd.DataFrame]:
    """The LightGBM regressor of the sale price, and the Ames rows without the price."""
    ames = pd.read_parquet(AMES)
    started = time.perf_counter()
    model = train_tabular(ames, TARGET, algorithm="lightgbm", cv_folds=2)
    log(f"trained lightgbm on {len(ames):,} Ames rows in {time.perf_counter() - started:.1f}s")
    return model, ames.drop(columns=[TARGET])


def resample(rows: pd.DataFrame, count: int) -> pd.DataFrame:
    """``count`` rows drawn with replacement, numbered by an ``id`` column."""
    picked = np.random.default_rng(0).integers(0, len(rows), count)
    frame = rows.iloc[picked].reset_index(drop=True)
    frame.insert(0, "id", np.arange(count, dtype=np.int64))
    return frame


def bare(model: TabularModel, frame: pd.DataFrame) -> tuple[float, float, np.ndarray]:
    """Seconds of ``pipeline.predict`` on the frame, of the LightGBM step alone, predictions."""
    started = time.perf_counter()
    predictions = model.pipeline.predict(frame)
    whole = time.perf_counter() - started
    inputs = model.pipeline[:-1].transform(frame)
    started = time.perf_counter()
    model.pipeline[-1].predict(inputs)
    booster = time.perf_counter() - started
    return whole, booster, np.asarray(predictions)


def register(home: Path, model: TabularModel) -> dict[str, str]:
    """A migrated embedded platform under ``home`` holding the model; its environment."""
    settings = Settings(home=home)
    upgrade(settings.effective_database_url)
    with get_session_factory(settings).begin() as session:
        registry.define(
            session,
            name=MODEL,
            engine="lightgbm",
            horizon=1,
            task="regression",
            target={"dataset": "ames"},
        )
        registry.add_version(
            session,
            get_store(settings),
            name=MODEL,
            fitted=model,
            data_fingerprint="ames",
            training_seconds=0.0,
        )
        registry.promote(session, MODEL, 1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREDITIVA_")}
    return env | {
        "PREDITIVA_HOME": str(home),
        "PREDITIVA_PORT": str(free_port()),
        "PREDITIVA_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def through_platform(
    client: httpx.Client, path: Path, worker: int, result: Path
) -> tuple[PlatformRun, dict[str, Any]]:
    """Upload, follow the job, download the result; every stage timed."""
    pids = [worker, *children(worker)]
    cpu_before = cpu_seconds(pids)
    started = time.perf_counter()
    with path.open("rb") as handle:
        response = client.post(
            f"/v1/models/{MODEL}/predict-batch",
            files={"file": (path.name, handle, "application/octet-stream")},
            timeout=600,
        )
    response.raise_for_status()
    uploaded = time.perf_counter()
    job_id = response.json()["id"]
    deadline = time.monotonic() + JOB_TIMEOUT
    while True:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}").json()
        if job["state"] in FINISHED:
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"job {job_id} still {job['state']} after {JOB_TIMEOUT}s")
        time.sleep(0.1)
    if job["state"] != "succeeded":
        raise SystemExit(f"job {job_id} {job['state']}: {job['error']}")
    finished = time.perf_counter()
    with client.stream("GET", f"/v1/jobs/{job_id}/result", timeout=600) as answer:
        answer.raise_for_status()
        with result.open("wb") as out:
            for block in answer.iter_bytes(1 << 20):
                out.write(block)
    ended = time.perf_counter()
    cpu = cpu_seconds(pids) - cpu_before
    run = PlatformRun(
        format=path.suffix.lstrip("."),
        file_mb=path.stat().st_size / 2**20,
        upload_s=uploaded - started,
        wall_s=ended - started,
        job_s=float(job["result"]["seconds"]),
        download_s=ended - finished,
        worker_cpu_s=cpu,
        result_mb=result.stat().st_size / 2**20,
    )
    return run, job


def revision() -> str:
    """The git revision, ``-dirty`` when the tree has changes."""
    described = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    )
    return described.stdout.strip() or "unknown"


def main() -> None:
    """Train, build the rows, time the bare predict and the platform, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows to predict")
    parser.add_argument("--formats", default="parquet,csv", help="upload formats to time")
    args = parser.parse_args()
    started_at = datetime.now(UTC)
    load_start = os.getloadavg()[0]
    model, ames = train()
    frame = resample(ames, args.rows)
    log(f"{len(frame):,} rows x {frame.shape[1]} columns; bare predict (1/2)")
    bare_first, booster_first, expected = bare(model, frame)
    log(f"  pipeline {bare_first:.1f}s, LightGBM step {booster_first:.1f}s")
    runs: list[PlatformRun] = []
    with tempfile.TemporaryDirectory(prefix="preditiva-batch-bench-") as folder:
        work = Path(folder)
        files = {}
        for fmt in args.formats.split(","):
            path = work / f"houses.{fmt}"
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if fmt == "csv":
                pa_csv.write_csv(table, path)
            else:
                pq.write_table(table, path)
            files[fmt] = path
        env = register(work / "home", model)
        port = env["PREDITIVA_PORT"]
        with (
            process(["worker", "--name", "bench@batch"], env, work / "worker.log") as worker,
            process(["api"], env, work / "api.log"),
            httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
        ):
            wait_ready(client, work / "worker.log")
            for fmt, path in files.items():
                log(f"platform: {fmt}, {path.stat().st_size / 2**20:.0f} MiB")
                result = work / f"result-{fmt}.parquet"
                run, job = through_platform(client, path, worker, result)
                got = pq.read_table(result, columns=["prediction"])["prediction"].to_numpy()
                assert job["result"]["rows"] == args.rows, job["result"]
                np.testing.assert_allclose(got, expected, rtol=1e-9)
                log(f"  wall {run.wall_s:.1f}s (upload {run.upload_s:.1f}s, job {run.job_s:.1f}s)")
                runs.append(run)
    log("bare predict (2/2)")
    bare_second, booster_second, _ = bare(model, frame)
    log(f"  pipeline {bare_second:.1f}s, LightGBM step {booster_second:.1f}s")
    baseline = (bare_first + bare_second) / 2
    print(f"Date: {started_at:%Y-%m-%d %H:%M} UTC; revision {revision()}")
    print(
        f"Machine: {os.cpu_count()} CPUs, {platform.machine()}, Python "
        f"{platform.python_version()}, {platform.platform()}; load average {load_start:.2f} "
        f"at start, {os.getloadavg()[0]:.2f} at end"
    )
    print(
        f"Rows: {args.rows:,} Ames rows resampled ({frame.shape[1]} columns with id); model "
        f"LightGBM regressor ({len(model.schema.features)} features, 300 trees, n_jobs=1)\n"
    )
    print("| path | input | seconds | rows/s | ratio to bare |")
    print("|---|---|--:|--:|--:|")
    print(
        f"| bare `pipeline.predict`, run 1 | in memory | {bare_first:.1f} | "
        f"{args.rows / bare_first:,.0f} | 1.00 |"
    )
    print(
        f"| bare `pipeline.predict`, run 2 | in memory | {bare_second:.1f} | "
        f"{args.rows / bare_second:,.0f} | 1.00 |"
    )
    booster = (booster_first + booster_second) / 2
    print(
        f"| bare LightGBM step alone (mean) | preprocessed | {booster:.1f} | "
        f"{args.rows / booster:,.0f} | {booster / baseline:.2f} |"
    )
    for run in runs:
        print(
            f"| platform: upload → job → result | {run.format}, {run.file_mb:.0f} MiB | "
            f"{run.wall_s:.1f} | {args.rows / run.wall_s:,.0f} | {run.wall_s / baseline:.2f} |"
        )
    print("\n| input | upload s | job s (worker) | download s | worker CPU s | result MiB |")
    print("|---|--:|--:|--:|--:|--:|")
    for run in runs:
        print(
            f"| {run.format} | {run.upload_s:.1f} | {run.job_s:.1f} | {run.download_s:.2f} | "
            f"{run.worker_cpu_s:.1f} | {run.result_mb:.1f} |"
        )
    worst = max(run.wall_s / baseline for run in runs)
    verdict = "met" if worst <= TARGET_RATIO else "missed"
    print(f"\nTarget ≤ {TARGET_RATIO}x the bare predict: {verdict} (worst {worst:.2f}x)")


if __name__ == "__main__":
    main()
