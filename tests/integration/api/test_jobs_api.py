"""The jobs and operations API over HTTP, with no worker running (jobs stay queued)."""

import base64
import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from structlog.testing import capture_logs

from preditiva.api.app import create_app
from preditiva.core.clock import utcnow
from preditiva.core.queues import QUEUES
from preditiva.core.settings import Settings
from preditiva.services import workers
from preditiva.storage.db.models import Job, JobState, Worker

SLEEP = "diagnostics.sleep"
JOB_FIELDS = {
    "id",
    "kind",
    "state",
    "progress",
    "message",
    "params",
    "result",
    "error",
    "attempts",
    "queue",
    "created_at",
    "started_at",
    "finished_at",
    "parent_id",
    "published",
}


def submit(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.post("/v1/jobs", json={"kind": SLEEP, "params": params})
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


def error_fields(response: Any) -> list[str]:
    return [detail["field"] for detail in response.json()["error"]["details"]]


def update_job(factory: sessionmaker[Session], job_id: str, **values: Any) -> None:
    with factory.begin() as session:
        job = session.get(Job, uuid.UUID(job_id))
        assert job is not None
        for name, value in values.items():
            setattr(job, name, value)


def record_heartbeat(factory: sessionmaker[Session], name: str = "worker-1@host") -> None:
    with factory.begin() as session:
        workers.heartbeat(
            session,
            name=name,
            hostname="host",
            pid=4242,
            queues=list(QUEUES),
            concurrency=2,
            reserved=[],
        )


# Submitting


def test_submit_answers_202_with_a_queued_published_job(client: TestClient) -> None:
    response = client.post("/v1/jobs", json={"kind": SLEEP, "params": {"seconds": 0.5}})

    assert response.status_code == 202
    job = response.json()
    assert set(job) >= JOB_FIELDS
    assert uuid.UUID(job["id"])
    assert job["kind"] == SLEEP
    assert job["state"] == "queued"
    assert job["queue"] == "default"
    assert job["progress"] == 0.0
    assert job["attempts"] == 0
    assert job["published"] is True
    assert job["message"] is None
    assert job["result"] is None
    assert job["error"] is None
    assert job["parent_id"] is None
    assert job["created_at"] is not None
    assert job["started_at"] is None
    assert job["finished_at"] is None


def test_submit_fills_in_default_params(client: TestClient) -> None:
    job = submit(client, seconds=0.5)

    assert job["params"] == {"seconds": 0.5, "steps": 10, "fail": False, "fail_attempts": 0}


def test_submit_unknown_kind_is_422_naming_kind(client: TestClient) -> None:
    response = client.post("/v1/jobs", json={"kind": "no.such.kind"})

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    assert error_fields(response) == ["kind"]
    assert SLEEP in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"seconds": -1}, "params.seconds"),
        ({"naps": 3}, "params.naps"),
        ({"steps": "many"}, "params.steps"),
    ],
    ids=["negative", "unknown", "wrong-type"],
)
def test_submit_bad_params_is_422_naming_the_param(
    client: TestClient, params: dict[str, Any], field: str
) -> None:
    response = client.post("/v1/jobs", json={"kind": SLEEP, "params": params})

    assert response.status_code == 422
    assert error_fields(response) == [field]


def test_submit_bad_params_stores_no_job(client: TestClient) -> None:
    client.post("/v1/jobs", json={"kind": SLEEP, "params": {"seconds": -1}})

    assert client.get("/v1/jobs").json()["items"] == []


def test_submit_without_kind_is_422_naming_kind(client: TestClient) -> None:
    response = client.post("/v1/jobs", json={"params": {}})

    assert response.status_code == 422
    assert error_fields(response) == ["kind"]


# Reading


def test_get_job_returns_the_submitted_job(client: TestClient) -> None:
    job = submit(client)

    response = client.get(f"/v1/jobs/{job['id']}")

    assert response.status_code == 200
    assert response.json() == job


def test_get_unknown_job_is_404_with_json_error(client: TestClient) -> None:
    missing = uuid.uuid4()

    response = client.get(f"/v1/jobs/{missing}")

    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert str(missing) in error["message"]
    assert error["request_id"] == response.headers["x-request-id"]


def test_get_job_with_non_uuid_id_is_422(client: TestClient) -> None:
    response = client.get("/v1/jobs/not-a-uuid")

    assert response.status_code == 422
    assert error_fields(response) == ["job_id"]


# Listing


def test_list_returns_jobs_newest_first(client: TestClient) -> None:
    ids = [submit(client)["id"] for _ in range(3)]

    page = client.get("/v1/jobs").json()

    assert [job["id"] for job in page["items"]] == ids[::-1]
    assert page["next_cursor"] is None


def test_list_filters_by_state(client: TestClient) -> None:
    kept, cancelled = submit(client)["id"], submit(client)["id"]
    client.post(f"/v1/jobs/{cancelled}/cancel")

    queued = client.get("/v1/jobs", params={"state": "queued"}).json()["items"]
    gone = client.get("/v1/jobs", params={"state": "cancelled"}).json()["items"]

    assert [job["id"] for job in queued] == [kept]
    assert [job["id"] for job in gone] == [cancelled]


def test_list_with_unknown_state_is_422_naming_state(client: TestClient) -> None:
    response = client.get("/v1/jobs", params={"state": "sleeping"})

    assert response.status_code == 422
    assert error_fields(response) == ["state"]


def test_list_filters_by_kind(client: TestClient) -> None:
    job = submit(client)

    same = client.get("/v1/jobs", params={"kind": SLEEP}).json()["items"]
    other = client.get("/v1/jobs", params={"kind": "train.fit_model"}).json()["items"]

    assert [item["id"] for item in same] == [job["id"]]
    assert other == []


def test_list_filters_by_queue(client: TestClient) -> None:
    job = submit(client)

    default = client.get("/v1/jobs", params={"queue": "default"}).json()["items"]
    train = client.get("/v1/jobs", params={"queue": "train"}).json()["items"]

    assert [item["id"] for item in default] == [job["id"]]
    assert train == []


def test_list_filters_by_dead_letter(client: TestClient, factory: sessionmaker[Session]) -> None:
    alive, dead = submit(client)["id"], submit(client)["id"]
    update_job(factory, dead, state=JobState.FAILED, dead_letter=True, finished_at=utcnow())

    letters = client.get("/v1/jobs", params={"dead_letter": "true"}).json()["items"]
    others = client.get("/v1/jobs", params={"dead_letter": "false"}).json()["items"]

    assert [job["id"] for job in letters] == [dead]
    assert [job["id"] for job in others] == [alive]


def test_list_pages_walk_every_job_once_newest_first(client: TestClient) -> None:
    ids = [submit(client)["id"] for _ in range(5)]
    seen: list[str] = []
    sizes: list[int] = []
    cursor = None

    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = client.get("/v1/jobs", params=params)
        assert response.status_code == 200
        page = response.json()
        sizes.append(len(page["items"]))
        seen += [job["id"] for job in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert sizes == [2, 2, 1]
    assert seen == ids[::-1]


def test_list_with_bad_cursor_is_422_naming_cursor(client: TestClient) -> None:
    response = client.get("/v1/jobs", params={"cursor": "not-a-cursor"})

    assert response.status_code == 422
    assert error_fields(response) == ["cursor"]


# Cancel, retry, discard


def test_cancel_queued_job_ends_it_cancelled(client: TestClient) -> None:
    job = submit(client)

    response = client.post(f"/v1/jobs/{job['id']}/cancel")

    assert response.status_code == 200
    assert response.json()["state"] == "cancelled"
    assert response.json()["finished_at"] is not None
    assert client.get(f"/v1/jobs/{job['id']}").json()["state"] == "cancelled"


def test_cancel_cancelled_job_is_409(client: TestClient) -> None:
    job = submit(client)
    client.post(f"/v1/jobs/{job['id']}/cancel")

    response = client.post(f"/v1/jobs/{job['id']}/cancel")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_cancel_running_job_asks_it_to_stop(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    job = submit(client)
    update_job(factory, job["id"], state=JobState.RUNNING, started_at=utcnow())

    response = client.post(f"/v1/jobs/{job['id']}/cancel")

    assert response.status_code == 200
    assert response.json()["state"] == "running"
    assert response.json()["cancel_requested"] is True


def test_retry_cancelled_job_submits_a_new_job_pointing_back(client: TestClient) -> None:
    old = submit(client, seconds=0.2)
    client.post(f"/v1/jobs/{old['id']}/cancel")

    response = client.post(f"/v1/jobs/{old['id']}/retry")

    assert response.status_code == 202
    new = response.json()
    assert new["id"] != old["id"]
    assert new["retry_of"] == old["id"]
    assert new["state"] == "queued"
    assert new["published"] is True
    assert new["params"] == old["params"]


def test_retry_queued_job_is_409(client: TestClient) -> None:
    job = submit(client)

    response = client.post(f"/v1/jobs/{job['id']}/retry")

    assert response.status_code == 409
    assert len(client.get("/v1/jobs").json()["items"]) == 1


def test_discard_job_that_is_not_a_dead_letter_is_409(client: TestClient) -> None:
    job = submit(client)

    response = client.post(f"/v1/jobs/{job['id']}/discard")

    assert response.status_code == 409


def test_discard_takes_a_dead_letter_off_the_dead_letter_list(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    job = submit(client)
    update_job(factory, job["id"], state=JobState.FAILED, dead_letter=True, finished_at=utcnow())
    dead_letters = {"state": "failed", "dead_letter": "true"}
    listed = client.get("/v1/jobs", params=dead_letters).json()["items"]
    assert [item["id"] for item in listed] == [job["id"]]

    response = client.post(f"/v1/jobs/{job['id']}/discard")

    assert response.status_code == 200
    assert response.json()["dead_letter"] is False
    assert response.json()["state"] == "failed"
    assert client.get("/v1/jobs", params=dead_letters).json()["items"] == []


# Kinds, queues, workers


def test_job_kinds_lists_sleep_with_its_params_schema(client: TestClient) -> None:
    response = client.get("/v1/job-kinds")

    assert response.status_code == 200
    kinds = {kind["name"]: kind for kind in response.json()}
    sleep = kinds[SLEEP]
    assert sleep["queue"] == "default"
    assert sleep["params_schema"]["type"] == "object"
    properties = set(sleep["params_schema"]["properties"])
    assert properties == {"seconds", "steps", "fail", "fail_attempts"}


def test_queues_lists_the_five_queues_empty(client: TestClient) -> None:
    response = client.get("/v1/queues")

    assert response.status_code == 200
    assert response.json() == [
        {"name": name, "queued": 0, "running": 0, "failed_last_hour": 0}
        for name in ("ingest", "train", "predict", "reports", "default")
    ]


def test_queues_count_submitted_running_and_failed_jobs(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    submit(client)
    running, failed = submit(client)["id"], submit(client)["id"]
    submit(client)
    update_job(factory, running, state=JobState.RUNNING, started_at=utcnow())
    update_job(factory, failed, state=JobState.FAILED, finished_at=utcnow())

    queues = {queue["name"]: queue for queue in client.get("/v1/queues").json()}

    assert queues["default"] == {
        "name": "default",
        "queued": 2,
        "running": 1,
        "failed_last_hour": 1,
    }
    assert queues["train"]["queued"] == 0


def test_queues_leave_out_failures_older_than_an_hour(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    job = submit(client)["id"]
    update_job(factory, job, state=JobState.FAILED, finished_at=utcnow() - timedelta(hours=2))

    queues = {queue["name"]: queue for queue in client.get("/v1/queues").json()}

    assert queues["default"]["failed_last_hour"] == 0


def test_workers_is_empty_without_heartbeats(client: TestClient) -> None:
    response = client.get("/v1/workers")

    assert response.status_code == 200
    assert response.json() == []


def test_workers_lists_a_worker_after_its_heartbeat(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    record_heartbeat(factory, "worker-1@host")

    listed = client.get("/v1/workers").json()

    assert [worker["name"] for worker in listed] == ["worker-1@host"]
    worker = listed[0]
    assert worker["alive"] is True
    assert worker["hostname"] == "host"
    assert worker["pid"] == 4242
    assert worker["concurrency"] == 2
    assert worker["queues"] == list(QUEUES)
    assert worker["running_jobs"] == []


def test_workers_shows_the_jobs_a_worker_runs(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    record_heartbeat(factory, "worker-1@host")
    job = submit(client)["id"]
    update_job(factory, job, state=JobState.RUNNING, worker="worker-1@host", started_at=utcnow())

    listed = client.get("/v1/workers").json()

    assert listed[0]["running_jobs"] == [job]


def test_workers_hides_a_stopped_worker(client: TestClient, factory: sessionmaker[Session]) -> None:
    record_heartbeat(factory, "worker-1@host")
    with factory.begin() as session:
        workers.stopped(session, "worker-1@host")

    assert client.get("/v1/workers").json() == []
    gone = client.get("/v1/workers", params={"include_gone": "true"}).json()
    assert [(worker["name"], worker["alive"]) for worker in gone] == [("worker-1@host", False)]


# Health and readiness


def test_health_is_200(client: TestClient) -> None:
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_ready_is_503_when_no_worker_is_alive(client: TestClient) -> None:
    response = client.get("/ready")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"] == "ok"
    assert "no worker" in body["checks"]["workers"]


def test_ready_is_200_with_a_fresh_heartbeat(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    record_heartbeat(factory)

    response = client.get("/ready")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "broker": "ok", "workers": "ok"},
    }


def test_ready_is_503_when_the_only_heartbeat_is_stale(
    client: TestClient, factory: sessionmaker[Session], db_settings: Settings
) -> None:
    record_heartbeat(factory, "worker-1@host")
    with factory.begin() as session:
        worker = session.get(Worker, "worker-1@host")
        assert worker is not None
        worker.heartbeat_at = utcnow() - timedelta(seconds=db_settings.worker_timeout + 1)

    response = client.get("/ready")

    assert response.status_code == 503
    assert "no worker" in response.json()["checks"]["workers"]


# Errors and request ids


def test_unknown_path_answers_json_404(client: TestClient) -> None:
    response = client.get("/v1/nothing-here")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "http_404"
    assert "/v1/nothing-here" in error["message"]


@pytest.mark.parametrize("path", ["/health", "/missing"], ids=["success", "error"])
def test_every_response_carries_a_fresh_request_id(client: TestClient, path: str) -> None:
    first, second = client.get(path), client.get(path)

    assert len(first.headers["x-request-id"]) >= 16
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_incoming_request_id_is_echoed(client: TestClient) -> None:
    response = client.get(f"/v1/jobs/{uuid.uuid4()}", headers={"X-Request-ID": "req-abc-123"})

    assert response.headers["x-request-id"] == "req-abc-123"
    assert response.json()["error"]["request_id"] == "req-abc-123"


def test_list_with_cursor_holding_a_naive_timestamp_is_422(client: TestClient) -> None:
    raw = f"2020-01-01T00:00:00|{uuid.uuid4()}".encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")

    with capture_logs():  # no slow rendering of the traceback while this is a 500
        response = client.get("/v1/jobs", params={"cursor": cursor})

    assert response.status_code == 422
    assert error_fields(response) == ["cursor"]


def test_unexpected_error_answers_500_with_the_request_id(db_settings: Settings) -> None:
    app = create_app(db_settings)

    def explode() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/explode", explode)
    with capture_logs() as logs, TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/explode", headers={"X-Request-ID": "req-500"})

    assert "unhandled error" in [entry["event"] for entry in logs]
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert response.headers.get("x-request-id") == "req-500"
    assert response.json()["error"]["request_id"] == "req-500"
