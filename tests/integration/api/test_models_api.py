"""``/v1/models`` over HTTP on SQLite and PostgreSQL (no worker: training jobs stay queued).

One database per back end serves the whole module; each test's rows are deleted after it.
"""

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from preditiva.api.app import create_app
from preditiva.core.settings import Settings
from preditiva.ml.engines import get_engine
from preditiva.services import registry
from preditiva.storage.artifacts import get_store
from preditiva.storage.db.engine import get_session_factory
from preditiva.storage.db.migrate import upgrade
from preditiva.storage.db.models import Job, Model, ModelFit, ModelVersion, Series
from tests.support.backends import fast_settings, fresh_postgres

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app_client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Settings]]:
    """One migrated database and API per back end, shared by this module's tests."""
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(fresh_postgres()) if request.param == "postgresql" else None
        settings = fast_settings(tmp_path_factory.mktemp("models") / "home", database_url=url)
        upgrade(settings.effective_database_url)
        client = stack.enter_context(TestClient(create_app(settings)))
        yield client, settings
        get_session_factory(settings).kw["bind"].dispose()


@pytest.fixture
def settings(app_client: tuple[TestClient, Settings]) -> Settings:
    """The module's settings."""
    return app_client[1]


@pytest.fixture
def client(app_client: tuple[TestClient, Settings]) -> Iterator[TestClient]:
    """The module's API client; the models, series and jobs a test made are deleted after it."""
    client, settings = app_client
    yield client
    with get_session_factory(settings).begin() as session:
        session.execute(delete(Model))
        session.execute(delete(Series))
        session.execute(delete(Job))


def define(client: TestClient, **fields: Any) -> dict[str, Any]:
    """Define a model through the API (``phones`` on tag ``phones`` unless told); return it."""
    body = {"name": "phones", "engine": "naive", "horizon": 7, "target": {"tag": "phones"}}
    response = client.post("/v1/models", json=body | fields)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def add_series(client: TestClient, key: str, tag: str = "phones") -> None:
    """A series in the catalogue carrying ``tag``."""
    response = client.post("/v1/series", json={"key": key, "tags": [tag]})
    assert response.status_code == 201, response.text


def add_version(settings: Settings, skill: float | None, name: str = "phones") -> int:
    """A ready version whose metrics hold ``skill``; return its number."""
    index = pd.date_range("2024-01-01", periods=30, freq="D")
    fitted = get_engine("naive").fit(pd.Series(np.arange(30, dtype=float) + 100.0, index=index))
    with get_session_factory(settings).begin() as session:
        version = registry.add_version(
            session,
            get_store(settings),
            name=name,
            fitted=fitted,
            data_fingerprint="fp",
            training_seconds=0.1,
            metrics={"mase": 1.0, "skill_vs_naive": skill},
        )
        return version.version


def error(response: Any, status: int) -> str:
    """The message of an error answer with this status."""
    assert response.status_code == status, response.text
    message: str = response.json()["error"]["message"]
    return message


def test_define_answers_201_with_the_recipe_and_says_skill_is_unknown(client: TestClient) -> None:
    created = define(client, params={"season_length": 7, "n_windows": 2})

    assert (created["engine"], created["horizon"], created["target"]) == (
        "naive",
        7,
        {"tag": "phones"},
    )
    assert created["params"] == {"season_length": 7, "n_windows": 2}
    assert (created["champion"], created["latest"], created["aliases"]) == (None, None, {})
    assert created["skill"]["verdict"] == "not trained yet: skill unknown"
    assert created["job"] is None
    shown = client.get("/v1/models/phones").json()
    assert shown == {k: v for k, v in created.items() if k != "job"}


def test_engine_and_horizon_default_to_auto_and_30(client: TestClient) -> None:
    response = client.post("/v1/models", json={"name": "m", "target": {"series": "x"}})
    assert response.status_code == 201, response.text
    assert (response.json()["engine"], response.json()["horizon"]) == ("auto", 30)


def test_defining_a_taken_name_is_a_409(client: TestClient) -> None:
    define(client)
    response = client.post("/v1/models", json={"name": "phones", "target": {"tag": "x"}})
    assert "already exists" in error(response, 409)


def test_unknown_engine_is_a_422_listing_the_engines(client: TestClient) -> None:
    response = client.post(
        "/v1/models", json={"name": "m", "engine": "lstm9", "target": {"tag": "x"}}
    )
    message = error(response, 422)
    assert "lstm9" in message and "naive, seasonal_naive, ets" in message


@pytest.mark.parametrize("target", [{"sku": "x"}, {"tag": "a", "series": "b"}, {"tag": ""}, {}])
def test_malformed_target_is_a_422(client: TestClient, target: dict[str, str]) -> None:
    response = client.post("/v1/models", json={"name": "m", "target": target})
    assert "target" in error(response, 422)


def test_a_parameter_the_engine_does_not_take_is_a_422_naming_it(client: TestClient) -> None:
    response = client.post(
        "/v1/models",
        json={"name": "m", "engine": "naive", "target": {"tag": "x"}, "params": {"alpha": 1}},
    )
    message = error(response, 422)
    assert "'alpha'" in message and "season_length" in message
    assert response.json()["error"]["details"] == [
        {"field": "params.alpha", "message": "unknown parameter"}
    ]


def test_a_malformed_training_option_is_a_422_naming_it(client: TestClient) -> None:
    response = client.post(
        "/v1/models", json={"name": "m", "target": {"tag": "x"}, "params": {"levels": [80, 120]}}
    )
    assert "params.levels.1" in error(response, 422)


def test_unknown_model_is_a_404_on_every_route(client: TestClient) -> None:
    for method, path in [
        ("GET", "/v1/models/ghost"),
        ("GET", "/v1/models/ghost/versions"),
        ("GET", "/v1/models/ghost/versions/1"),
        ("GET", "/v1/models/ghost/versions/champion/fits"),
        ("POST", "/v1/models/ghost/train"),
        ("POST", "/v1/models/ghost/versions/1/promote"),
        ("POST", "/v1/models/ghost/rollback"),
        ("POST", "/v1/models/ghost/versions/1/archive"),
    ]:
        assert "ghost" in error(client.request(method, path), 404), (method, path)


def test_train_answers_202_with_a_queued_train_model_job(client: TestClient) -> None:
    add_series(client, "iphone")
    define(client)

    response = client.post("/v1/models/phones/train", json={"force": True, "chunk_size": 5})

    assert response.status_code == 202, response.text
    job = response.json()
    assert (job["kind"], job["state"], job["published"]) == ("train.model", "queued", True)
    assert job["params"] == {"model": "phones", "force": True, "promote": True, "chunk_size": 5}


def test_train_without_a_body_uses_the_defaults(client: TestClient) -> None:
    add_series(client, "iphone")
    define(client)
    job = client.post("/v1/models/phones/train").json()
    assert job["params"] == {"model": "phones", "force": False, "promote": True, "chunk_size": 100}


def test_a_bad_chunk_size_is_a_422_naming_it(client: TestClient) -> None:
    define(client)
    response = client.post("/v1/models/phones/train", json={"chunk_size": 0})
    assert response.json()["error"]["details"][0]["field"] == "chunk_size"


def test_training_a_target_without_series_is_a_422_saying_why(client: TestClient) -> None:
    define(client, target={"series": "nowhere"})
    message = error(client.post("/v1/models/phones/train"), 422)
    assert "nothing to train" in message and "nowhere" in message


def test_training_a_group_checks_its_members_without_building_the_index(
    client: TestClient,
) -> None:
    define(client, name="empty-group", target={"group": "nobody"})
    message = error(client.post("/v1/models/empty-group/train"), 422)
    assert "nothing to train" in message and "'nobody'" in message
    add_series(client, "iphone")
    define(client, target={"group": "phones"})

    assert client.post("/v1/models/phones/train").status_code == 202
    assert client.get("/v1/series/^phones").status_code == 404


def test_define_with_train_includes_the_submitted_job(client: TestClient) -> None:
    add_series(client, "iphone")
    created = define(client, train=True)
    assert created["job"]["kind"] == "train.model"
    assert created["job"]["params"]["model"] == "phones"
    assert client.get(f"/v1/jobs/{created['job']['id']}").json()["state"] == "queued"


def test_define_with_train_and_the_broker_down_keeps_the_job_queued(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    add_series(client, "iphone")
    down = fast_settings(
        tmp_path / "down",
        database_url=settings.effective_database_url,
        broker_url=DEAD_BROKER,
        publish_timeout=0.5,
    )
    with TestClient(create_app(down)) as down_client:
        created = define(down_client, train=True)
    assert (created["job"]["state"], created["job"]["published"]) == ("queued", False)


def test_versions_show_metrics_aliases_and_skill_in_words(
    client: TestClient, settings: Settings
) -> None:
    define(client)
    add_version(settings, 0.032)
    add_version(settings, -0.018)
    add_version(settings, None)

    promoted = client.post("/v1/models/phones/versions/2/promote")

    assert promoted.status_code == 200, promoted.text
    assert (promoted.json()["version"], promoted.json()["aliases"]) == (2, ["champion"])
    versions = client.get("/v1/models/phones/versions").json()["items"]
    assert [v["skill"]["verdict"] for v in versions] == [
        "3.2% better than naive (MASE)",
        "loses to naive by 1.8% (MASE)",
        "no backtest: skill unknown",
    ]
    assert [v["skill"]["beats_naive"] for v in versions] == [True, False, None]
    assert [v["aliases"] for v in versions] == [[], ["champion"], []]
    first = versions[0]
    assert first["artifact_sha256"] and first["artifact_uri"] and first["library_versions"]
    assert (first["data_fingerprint"], first["status"]) == ("fp", "ready")


def test_a_model_shows_its_champion_and_that_it_loses_to_naive(
    client: TestClient, settings: Settings
) -> None:
    define(client)
    add_version(settings, -0.018)
    add_version(settings, 0.05)
    client.post("/v1/models/phones/versions/1/promote")

    model = client.get("/v1/models/phones").json()

    assert (model["aliases"], model["skill_version"]) == ({"champion": 1}, 1)
    assert model["skill"]["verdict"] == "loses to naive by 1.8% (MASE)"
    assert (model["champion"]["version"], model["latest"]["version"]) == (1, 2)
    listed = client.get("/v1/models").json()["items"]
    assert [(m["name"], m["champion"]["version"]) for m in listed] == [("phones", 1)]
    assert listed[0]["skill"]["beats_naive"] is False


def test_promoting_a_version_that_is_not_ready_is_a_409(
    client: TestClient, settings: Settings
) -> None:
    define(client)
    with get_session_factory(settings).begin() as session:
        model = registry.get_model(session, "phones")
        session.add(ModelVersion(model_id=model.id, version=1, status="training", metrics={}))

    message = error(client.post("/v1/models/phones/versions/1/promote"), 409)

    assert "is training" in message and "only a ready version" in message
    version = client.get("/v1/models/phones/versions/1").json()
    assert version["skill"]["verdict"] == "still training: skill unknown"


def test_promote_to_another_alias_then_roll_back_and_archive(
    client: TestClient, settings: Settings
) -> None:
    define(client)
    for skill in (0.1, 0.2, 0.3):
        add_version(settings, skill)
    client.post("/v1/models/phones/versions/1/promote")
    client.post("/v1/models/phones/versions/2/promote")
    staging = client.post("/v1/models/phones/versions/3/promote", json={"alias": "staging"})
    assert staging.json()["aliases"] == ["staging"]

    rolled = client.post("/v1/models/phones/rollback")
    assert (rolled.status_code, rolled.json()["version"]) == (200, 1)
    archived = client.post("/v1/models/phones/versions/2/archive")
    assert archived.json()["status"] == "archived"

    assert "champion" in error(client.post("/v1/models/phones/versions/1/archive"), 409)
    assert "archived" in error(client.post("/v1/models/phones/versions/2/promote"), 409)
    assert "no earlier version" in error(client.post("/v1/models/phones/rollback"), 409)
    assert client.get("/v1/models/phones").json()["aliases"] == {"champion": 1, "staging": 3}


def test_a_version_counts_its_fits_and_lists_skipped_series_with_reasons(
    client: TestClient, settings: Settings
) -> None:
    for key in ("a", "b", "c"):
        add_series(client, key)
    define(client)
    number = add_version(settings, 0.1)
    client.post(f"/v1/models/phones/versions/{number}/promote")
    with get_session_factory(settings).begin() as session:
        version = registry.get_version(session, "phones", number)
        ids = {s.key: s.id for s in session.query(Series).all()}
        common = {"version_id": version.id, "metrics": {}}
        session.add_all(
            [
                ModelFit(series_id=ids["a"], series_key="a", status="trained", skill=0.2, **common),
                ModelFit(
                    series_id=ids["b"],
                    series_key="b",
                    status="trained",
                    carried_over=True,
                    **common,
                ),
                ModelFit(
                    series_id=ids["c"],
                    series_key="c",
                    status="skipped",
                    reason="too short",
                    **common,
                ),
            ]
        )

    detail = client.get(f"/v1/models/phones/versions/{number}").json()
    skipped = client.get("/v1/models/phones/versions/champion/fits?status=skipped").json()
    first = client.get("/v1/models/phones/versions/champion/fits?limit=1").json()

    assert detail["fits"] == {
        "total": 3,
        "trained": 1,
        "carried_over": 1,
        "skipped": 1,
        "failed": 0,
    }
    assert skipped["total"] == 1
    assert (skipped["items"][0]["series_key"], skipped["items"][0]["reason"]) == ("c", "too short")
    assert (first["total"], first["items"][0]["series_key"]) == (3, "a")
    assert first["items"][0]["skill"]["verdict"] == "20.0% better than naive (MASE)"


def test_an_unknown_fit_status_is_a_422(client: TestClient) -> None:
    define(client)
    response = client.get("/v1/models/phones/versions/1/fits?status=dancing")
    assert response.json()["error"]["details"][0]["field"] == "status"
