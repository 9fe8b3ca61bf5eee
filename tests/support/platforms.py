"""Platforms that run jobs: a back end with one real, ready worker, and optionally an API client."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from preditiva.api.app import create_app
from tests.support.backends import Backend, make_backend
from tests.support.processes import WorkerProcess, wait_until

FINISHED = {"succeeded", "failed", "cancelled"}


@contextmanager
def running_platform(
    name: str, home: Path, *, worker_name: str, **overrides: object
) -> Iterator[tuple[Backend, WorkerProcess]]:
    """A ``name`` back end under ``home`` with a started, ready worker; the worker stopped after."""
    with make_backend(name, home / "home", **overrides) as backend:
        worker = WorkerProcess(backend.env, home / "worker.log", name=worker_name)
        worker.start()
        try:
            worker.wait_ready(backend.factory)
            yield backend, worker
        finally:
            # the platform is thrown away: no graceful shutdown (7-9 s a module) is needed
            worker.kill()


@dataclass
class Platform:
    """A back end with an API client and a live worker."""

    backend: Backend
    client: TestClient
    worker: WorkerProcess

    def submit(self, kind: str = "diagnostics.sleep", **params: Any) -> str:
        """Submit a job through the API; return its id."""
        response = self.client.post("/v1/jobs", json={"kind": kind, "params": params})
        assert response.status_code == 202, response.text
        job_id: str = response.json()["id"]
        return job_id

    def job(self, job_id: str) -> dict[str, Any]:
        """The job as the API shows it."""
        response = self.client.get(f"/v1/jobs/{job_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def wait_for(self, job_id: str, states: set[str], timeout: float = 30.0) -> dict[str, Any]:
        """Wait until the job is in one of ``states``; return it."""
        wait_until(
            lambda: self.job(job_id)["state"] in states,
            timeout=timeout,
            what=f"job {job_id} to reach {sorted(states)} (now {self.job(job_id)['state']})",
            log=self.worker.log,
        )
        return self.job(job_id)


@contextmanager
def serving_platform(
    name: str, home: Path, *, worker_name: str, **overrides: object
) -> Iterator[Platform]:
    """:func:`running_platform` with an API client on the same settings."""
    with (
        running_platform(name, home, worker_name=worker_name, **overrides) as (backend, worker),
        TestClient(create_app(backend.settings)) as client,
    ):
        yield Platform(backend, client, worker)
