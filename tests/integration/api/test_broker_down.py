"""Submitting jobs while the broker is unreachable: accepted, kept queued, published later."""

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from preditiva.api.app import create_app
from preditiva.core.broker import create_celery
from preditiva.core.settings import Settings
from preditiva.services import dispatch
from preditiva.storage.db.models import Job
from tests.support.backends import fast_settings as make_settings

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1
QUICKLY = 3.0


@pytest.fixture
def down_settings(db_settings: Settings, tmp_path: Path) -> Settings:
    """``db_settings``' database with a broker (and derived result backend) that refuses."""
    return make_settings(
        tmp_path / "down-home",
        database_url=db_settings.effective_database_url,
        broker_url=DEAD_BROKER,
        publish_timeout=0.5,
    )


@pytest.fixture
def client(down_settings: Settings) -> Iterator[TestClient]:
    """A client of the API whose broker is down."""
    app = create_app(down_settings)
    with TestClient(app) as client:
        yield client


def load_job(factory: sessionmaker[Session], job_id: str) -> Job:
    with factory() as session:
        job = session.get(Job, uuid.UUID(job_id))
        assert job is not None
        return job


def queued_task_ids(settings: Settings) -> list[str]:
    """Task ids of the messages waiting in the embedded broker's folder."""
    ids = []
    for path in (settings.broker_dir / "queue").glob("*.msg"):
        ids.append(json.loads(path.read_text())["headers"]["id"])
    return ids


def test_submit_answers_202_quickly_with_the_job_unpublished(client: TestClient) -> None:
    started = time.monotonic()
    response = client.post("/v1/jobs", json={"kind": "diagnostics.sleep"})
    elapsed = time.monotonic() - started

    assert response.status_code == 202
    assert elapsed < QUICKLY
    assert response.json()["state"] == "queued"
    assert response.json()["published"] is False


def test_submit_while_broker_down_leaves_the_job_due_for_dispatch(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    job_id = client.post("/v1/jobs", json={"kind": "diagnostics.sleep"}).json()["id"]

    job = load_job(factory, job_id)
    assert job.state == "queued"
    assert job.published_at is None
    assert client.get(f"/v1/jobs/{job_id}").json()["published"] is False


def test_publish_jobs_on_a_working_broker_publishes_the_waiting_job(
    client: TestClient, factory: sessionmaker[Session], db_settings: Settings
) -> None:
    job_id = client.post("/v1/jobs", json={"kind": "diagnostics.sleep"}).json()["id"]
    embedded = create_celery(db_settings)

    sent = dispatch.publish_jobs(factory, embedded, [uuid.UUID(job_id)])

    assert sent == 1
    job = load_job(factory, job_id)
    assert job.published_at is not None
    assert client.get(f"/v1/jobs/{job_id}").json()["published"] is True
    # The refused attempt used sequence number 1; it is never reused, so a message that
    # did get out under it would be ignored by the worker.
    assert job.dispatch_seq == 2
    assert queued_task_ids(db_settings) == [dispatch.task_id(job.id, 2)]


def test_ready_is_503_naming_the_broker(client: TestClient) -> None:
    response = client.get("/ready")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["broker"].startswith("broker redis://")
    assert "127.0.0.1:1/0 does not answer" in checks["broker"]


def test_submit_answers_quickly_with_the_derived_result_backend(
    db_settings: Settings, tmp_path: Path
) -> None:
    settings = make_settings(
        tmp_path / "down-home",
        database_url=db_settings.effective_database_url,
        broker_url=DEAD_BROKER,
        publish_timeout=0.5,
    )
    app = create_app(settings)

    with TestClient(app) as client:
        started = time.monotonic()
        response = client.post("/v1/jobs", json={"kind": "diagnostics.sleep"})

    assert response.status_code == 202
    assert time.monotonic() - started < QUICKLY
