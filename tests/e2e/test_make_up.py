"""``make up`` from a clean data directory: ready, runs a job, stops cleanly on Ctrl-C."""

import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import httpx

from preditiva.storage.db.engine import get_session_factory
from preditiva.storage.db.models import Job
from tests.support.backends import fast_settings
from tests.support.processes import wait_until

REPO = Path(__file__).resolve().parents[2]
STOP_BUDGET_SECONDS = 15.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _processes_using(home: Path) -> list[int]:
    marker = f"PREDITIVA_HOME={home}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/ready", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_make_up_serves_runs_a_job_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    home = tmp_path / "home"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREDITIVA_", "MAKE"))}
    env |= {"PREDITIVA_HOME": str(home), "PREDITIVA_PORT": str(port)}
    log = tmp_path / "up.log"
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        make = subprocess.Popen(
            ["make", "--no-print-directory", "up"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until(lambda: _ready(base), timeout=90, what="/ready to answer 200", log=log)
        assert httpx.get(f"{base}/docs").status_code == 200
        submitted = httpx.post(
            f"{base}/v1/jobs", json={"kind": "diagnostics.sleep", "params": {"seconds": 0.5}}
        )
        assert submitted.status_code == 202
        job_id = submitted.json()["id"]
        wait_until(
            lambda: httpx.get(f"{base}/v1/jobs/{job_id}").json()["state"] == "succeeded",
            timeout=30,
            what="the job to succeed",
            log=log,
        )
        assert _processes_using(home), "expected the platform's processes to be running"

        interrupted = time.monotonic()
        os.killpg(make.pid, signal.SIGINT)
        make.wait(timeout=STOP_BUDGET_SECONDS + 5)
        stopped_in = time.monotonic() - interrupted
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
        for pid in _processes_using(home):
            os.kill(pid, signal.SIGKILL)
    assert stopped_in < STOP_BUDGET_SECONDS, f"stopping took {stopped_in:.1f}s"
    assert _processes_using(home) == []
    text = log.read_text()
    assert f"{base}/docs" in text
    assert "stopped." in text

    settings = fast_settings(home)
    with get_session_factory(settings)() as session:
        job = session.get(Job, uuid.UUID(job_id))
    assert job is not None and job.state == "succeeded"
    assert job.result == {"slept": 0.5, "steps": 10, "attempt": 1}
