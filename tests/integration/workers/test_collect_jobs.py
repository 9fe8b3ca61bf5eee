"""Collection jobs end to end: the API queues them, a real worker collects from local services."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from preditiva.api.app import create_app
from tests.support.fake_services import FakeServices, error, running_fake_services
from tests.support.fake_services import settings_overrides as collector_settings
from tests.support.platforms import FINISHED, running_platform
from tests.support.processes import WorkerProcess, wait_until


@dataclass
class CollectPlatform:
    """A back end with a live worker, an API client, and the services it collects from."""

    client: TestClient
    worker: WorkerProcess
    services: FakeServices

    def add(self, key: str, source: str) -> None:
        """Add a series through the API."""
        response = self.client.post("/v1/series", json={"key": key, "source": source})
        assert response.status_code == 201, response.text

    def finished(self, response: Any) -> dict[str, Any]:
        """Wait for the job a 202 answer names to finish; return it."""
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]

        def job() -> dict[str, Any]:
            body: dict[str, Any] = self.client.get(f"/v1/jobs/{job_id}").json()
            return body

        wait_until(
            lambda: job()["state"] in FINISHED, timeout=30, what="the job", log=self.worker.log
        )
        return job()

    def series(self, key: str) -> dict[str, Any]:
        """A series with its health, as the API shows it."""
        body: dict[str, Any] = self.client.get(f"/v1/series/{key}").json()
        return body


@pytest.fixture(scope="module", params=["embedded", "postgres+redis"])
def platform(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CollectPlatform]:
    """Fake services, a back end pointed at them, one worker and an API client."""
    home = tmp_path_factory.mktemp(request.param.replace("+", "_"))
    with (
        running_fake_services() as services,
        running_platform(
            request.param,
            home,
            worker_name=f"collect@{request.param}",
            **collector_settings(services),
        ) as (backend, worker),
        TestClient(create_app(backend.settings)) as client,
    ):
        yield CollectPlatform(client, worker, services)


def test_collect_all_reports_each_series_and_records_health(platform: CollectPlatform) -> None:
    platform.add("PETR4.SA", "yahoo:PETR4.SA")
    platform.add("FURADEIRA", 'mercadolivre:"furadeira bosch"')
    platform.add("DELISTED", "yahoo:NOPE3.SA")

    job = platform.finished(platform.client.post("/v1/collect", json={}))
    again = platform.finished(
        platform.client.post("/v1/collect", json={"keys": ["PETR4.SA", "DELISTED"]})
    )

    assert job["state"] == "succeeded", job["error"]
    assert job["progress"] == 1.0
    assert {k: job["result"][k] for k in ("total", "collected", "unchanged", "failed")} == {
        "total": 3,
        "collected": 2,
        "unchanged": 0,
        "failed": 1,
    }
    statuses = {row["key"]: row["status"] for row in again["result"]["series"]}
    assert statuses == {"PETR4.SA": "unchanged", "DELISTED": "failed"}
    assert platform.series("PETR4.SA")["consecutive_failures"] == 0
    assert platform.series("PETR4.SA")["last_success_at"] is not None
    delisted = platform.series("DELISTED")
    assert delisted["consecutive_failures"] == 2
    assert "No data found" in delisted["last_error"]
    stale = platform.client.get("/v1/series", params={"stale": "true"}).json()
    assert [row["key"] for row in stale["items"]] == ["DELISTED"]
    observations = platform.client.get("/v1/series/PETR4.SA/observations").json()
    assert observations["count"] == 4


def test_collect_series_retries_a_busy_service_then_fails(platform: CollectPlatform) -> None:
    platform.add("VALE3.SA", "yahoo:VALE3.SA")
    platform.services.script("/v8/finance/chart/VALE3.SA", *[error(503)] * 9)

    job = platform.finished(platform.client.post("/v1/series/VALE3.SA/collect"))

    assert job["state"] == "failed"
    assert job["attempts"] == 3
    assert "HTTP 503" in job["error"]
    assert platform.series("VALE3.SA")["consecutive_failures"] == 3


def test_collect_series_fails_at_once_when_retrying_cannot_help(
    platform: CollectPlatform,
) -> None:
    platform.add("GONE3.SA", "yahoo:GONE3.SA")

    job = platform.finished(platform.client.post("/v1/series/GONE3.SA/collect"))

    assert job["state"] == "failed"
    assert job["attempts"] == 1
    assert "No data found, symbol may be delisted" in job["error"]
    assert platform.series("GONE3.SA")["consecutive_failures"] == 1
