"""Work survives a worker killed mid-job and a broker that is down at submit time."""

import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from preditiva.api.app import create_app
from tests.support.backends import BACKENDS, make_backend
from tests.support.processes import WorkerProcess, wait_until
from tests.support.tcp_proxy import TcpProxy


def _job(client: TestClient, job_id: str) -> dict[str, object]:
    body: dict[str, object] = client.get(f"/v1/jobs/{job_id}").json()
    return body


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_job_of_a_killed_worker_runs_again_and_succeeds(backend_name: str, tmp_path: Path) -> None:
    with (
        make_backend(backend_name, tmp_path / "home") as backend,
        TestClient(create_app(backend.settings)) as client,
    ):
        doomed = WorkerProcess(backend.env, tmp_path / "doomed.log", name="doomed@test").start()
        rescuer = WorkerProcess(backend.env, tmp_path / "rescuer.log", name="rescuer@test")
        try:
            doomed.wait_ready(backend.factory)
            response = client.post(
                "/v1/jobs", json={"kind": "diagnostics.sleep", "params": {"seconds": 2, "steps": 4}}
            )
            job_id = response.json()["id"]
            wait_until(
                lambda: _job(client, job_id)["state"] == "running",
                timeout=20,
                what="the job to start",
                log=doomed.log,
            )
            doomed.kill()
            rescuer.start()
            wait_until(
                lambda: _job(client, job_id)["state"] == "succeeded",
                timeout=60,
                what="the job to run again",
                log=rescuer.log,
            )
        finally:
            doomed.kill()
            rescuer.kill()  # thrown away: no graceful stop (4-7 s) needed
        job = _job(client, job_id)
        assert job["attempts"] == 2
        assert job["worker"] == "rescuer@test"
        assert job["result"] == {"slept": 2.0, "steps": 4, "attempt": 2}


@pytest.mark.parametrize("backend_name", ["postgres+redis", "postgres+rabbitmq"])
def test_job_submitted_while_broker_is_down_runs_once_it_is_back(
    backend_name: str, tmp_path: Path
) -> None:
    if backend_name == "postgres+redis":
        proxy = TcpProxy("127.0.0.1", 6379)
        broker = f"redis://127.0.0.1:{proxy.port}/{random.randint(1, 14)}"
    else:
        proxy = TcpProxy("127.0.0.1", 5672)
        broker = f"amqp://guest:guest@127.0.0.1:{proxy.port}//"
    proxy.up()
    with (
        make_backend(backend_name, tmp_path / "home", broker_url=broker) as backend,
        TestClient(create_app(backend.settings)) as client,
    ):
        worker = WorkerProcess(backend.env, tmp_path / "worker.log", name="patient@test").start()
        try:
            worker.wait_ready(backend.factory)
            proxy.down()
            started = time.monotonic()
            response = client.post(
                "/v1/jobs", json={"kind": "diagnostics.sleep", "params": {"seconds": 0}}
            )
            assert response.status_code == 202
            assert time.monotonic() - started < 5
            job_id = response.json()["id"]
            assert response.json()["state"] == "queued"
            assert response.json()["published"] is False
            ready = client.get("/ready")
            assert ready.status_code == 503
            assert ready.json()["checks"]["broker"] != "ok"
            time.sleep(1)
            assert _job(client, job_id)["state"] == "queued"
            proxy.up()
            wait_until(
                lambda: _job(client, job_id)["state"] == "succeeded",
                timeout=60,
                what="the job to run after the broker came back",
                log=worker.log,
            )
        finally:
            proxy.down()
            worker.kill()
        assert _job(client, job_id)["attempts"] == 1


def test_celery_inspect_sees_the_worker_on_the_embedded_broker(tmp_path: Path) -> None:
    with make_backend("embedded", tmp_path / "home") as backend:
        worker = WorkerProcess(backend.env, tmp_path / "worker.log", name="inspected@test").start()
        try:
            worker.wait_ready(backend.factory)
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "preditiva.tasks",
                    "inspect",
                    "ping",
                    "--timeout",
                    "5",
                ],
                env=backend.env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
        finally:
            worker.kill()
        assert result.returncode == 0, result.stderr
        assert "inspected@test: OK" in result.stdout
