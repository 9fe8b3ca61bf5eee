"""``/v1/schedules`` over HTTP on SQLite and PostgreSQL (no worker: jobs stay queued).

One database per back end serves the whole module; each test's rows are deleted after it.
"""

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from preditiva.api.app import create_app
from preditiva.core.settings import Settings
from preditiva.storage.db.engine import get_session_factory
from preditiva.storage.db.migrate import upgrade
from preditiva.storage.db.models import Job, Schedule
from tests.support.backends import fast_settings, fresh_postgres

SLEEP = "diagnostics.sleep"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app_client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Settings]]:
    """One migrated database and API per back end, shared by this module's tests."""
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(fresh_postgres()) if request.param == "postgresql" else None
        settings = fast_settings(tmp_path_factory.mktemp("schedules") / "home", database_url=url)
        upgrade(settings.effective_database_url)
        client = stack.enter_context(TestClient(create_app(settings)))
        yield client, settings
        get_session_factory(settings).kw["bind"].dispose()


@pytest.fixture
def client(app_client: tuple[TestClient, Settings]) -> Iterator[TestClient]:
    """The module's API client; the schedules and jobs a test made are deleted after it."""
    client, settings = app_client
    yield client
    with get_session_factory(settings).begin() as session:
        session.execute(delete(Schedule))
        session.execute(delete(Job))


def body(**fields: Any) -> dict[str, Any]:
    """A valid create body, changed by ``fields``."""
    values: dict[str, Any] = {
        "name": "nightly",
        "kind": SLEEP,
        "params": {"seconds": 0},
        "cron": "0 3 * * *",
        "timezone": "America/Sao_Paulo",
    }
    values.update(fields)
    return {k: v for k, v in values.items() if v is not None}


def create(client: TestClient, **fields: Any) -> dict[str, Any]:
    """Create a schedule through the API; return it."""
    response = client.post("/v1/schedules", json=body(**fields))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def error_fields(response: Any) -> set[str]:
    """The fields a 422 answer names."""
    assert response.status_code == 422, response.text
    return {detail["field"] for detail in response.json()["error"]["details"]}


def test_created_schedule_shows_its_timing_and_next_run(client: TestClient) -> None:
    created = create(client)
    assert created["enabled"] is True
    assert created["next_run_at"].endswith(("06:00:00Z", "06:00:00+00:00"))
    assert created["last_run_at"] is None and created["last_job_id"] is None
    assert client.get("/v1/schedules/nightly").json() == created
    assert [s["name"] for s in client.get("/v1/schedules").json()["items"]] == ["nightly"]


def test_list_filters_by_enabled(client: TestClient) -> None:
    create(client, name="on")
    create(client, name="off", enabled=False)
    names = [s["name"] for s in client.get("/v1/schedules?enabled=false").json()["items"]]
    assert names == ["off"]


def test_patch_changes_fields_and_moves_the_next_run(client: TestClient) -> None:
    create(client)
    response = client.patch("/v1/schedules/nightly", json={"cron": "0 4 * * *"})
    assert response.status_code == 200, response.text
    assert response.json()["next_run_at"].endswith(("07:00:00Z", "07:00:00+00:00"))


def test_patch_with_an_interval_replaces_the_cron(client: TestClient) -> None:
    create(client)
    changed = client.patch("/v1/schedules/nightly", json={"interval_seconds": 30}).json()
    assert (changed["cron"], changed["interval_seconds"]) == (None, 30.0)


def test_disable_clears_the_next_run(client: TestClient) -> None:
    create(client)
    changed = client.patch("/v1/schedules/nightly", json={"enabled": False}).json()
    assert changed["enabled"] is False and changed["next_run_at"] is None


def test_delete_removes_the_schedule(client: TestClient) -> None:
    create(client)
    assert client.delete("/v1/schedules/nightly").status_code == 204
    assert client.get("/v1/schedules/nightly").status_code == 404


def test_run_now_answers_202_with_the_job_and_records_it(client: TestClient) -> None:
    create(client, enabled=False)
    response = client.post("/v1/schedules/nightly/run")
    assert response.status_code == 202, response.text
    job = response.json()
    assert (job["kind"], job["state"], job["params"]["seconds"]) == (SLEEP, "queued", 0)
    assert client.get("/v1/schedules/nightly").json()["last_job_id"] == job["id"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"cron": "0 3 * *"}, "cron"),
        ({"cron": "99 * * * *"}, "cron"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"kind": "nope.nothing"}, "kind"),
        ({"params": {"seconds": -1}}, "params.seconds"),
        ({"params": {"surprise": 1}}, "params.surprise"),
        ({"cron": None, "interval_seconds": 0.5}, "interval_seconds"),
        ({"name": "has spaces"}, "name"),
    ],
)
def test_invalid_schedule_is_a_422_naming_the_field(
    client: TestClient, fields: dict[str, Any], field: str
) -> None:
    assert field in error_fields(client.post("/v1/schedules", json=body(**fields)))


def test_both_cron_and_interval_is_a_422_naming_both(client: TestClient) -> None:
    response = client.post("/v1/schedules", json=body(interval_seconds=60))
    assert error_fields(response) == {"cron", "interval_seconds"}


def test_neither_cron_nor_interval_is_a_422_naming_both(client: TestClient) -> None:
    response = client.post("/v1/schedules", json=body(cron=None))
    assert error_fields(response) == {"cron", "interval_seconds"}


def test_invalid_patch_is_a_422_and_changes_nothing(client: TestClient) -> None:
    created = create(client)
    response = client.patch("/v1/schedules/nightly", json={"timezone": "Nowhere/Land"})
    assert error_fields(response) == {"timezone"}
    assert client.get("/v1/schedules/nightly").json() == created


def test_duplicate_name_is_a_409(client: TestClient) -> None:
    create(client)
    response = client.post("/v1/schedules", json=body())
    assert response.status_code == 409
    assert "already exists" in response.json()["error"]["message"]


def test_renaming_onto_an_existing_name_is_a_409(client: TestClient) -> None:
    create(client)
    create(client, name="other")
    assert client.patch("/v1/schedules/other", json={"name": "nightly"}).status_code == 409


def test_unknown_schedule_is_a_404_on_every_route(client: TestClient) -> None:
    for method, path in [
        ("GET", "/v1/schedules/ghost"),
        ("PATCH", "/v1/schedules/ghost"),
        ("DELETE", "/v1/schedules/ghost"),
        ("POST", "/v1/schedules/ghost/run"),
    ]:
        response = client.request(method, path, json={} if method == "PATCH" else None)
        assert response.status_code == 404, (method, path)
        assert "ghost" in response.json()["error"]["message"]
