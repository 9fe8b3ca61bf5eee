"""Serving forecasts over HTTP: stored reads, artifact predictions, errors, inline and batch.

One API per back end serves the whole module (each test uses its own series and models),
so the tests on SQLite and PostgreSQL stay fast.
"""

import contextlib
import io
import itertools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import joblib
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from preditiva.api.app import create_app
from preditiva.api.routes import forecasts as forecast_routes
from preditiva.core.settings import Settings
from preditiva.services import registry
from preditiva.storage.db.engine import get_session_factory
from preditiva.storage.db.migrate import upgrade
from preditiva.storage.db.models import ModelFit
from tests.support.backends import fast_settings, fresh_postgres
from tests.support.forecasts import add_version, prices

_names = itertools.count()


@dataclass
class Api:
    """A running API and the database behind it."""

    client: TestClient
    factory: sessionmaker[Session]
    settings: Settings

    def series(self, key: str, *tags: str) -> None:
        """Create a series with tags."""
        response = self.client.post("/v1/series", json={"key": key, "tags": list(tags)})
        assert response.status_code == 201, response.text

    def version(self, model: str, histories: dict[str, Any], **options: Any) -> int:
        """A ready version of ``model`` trained on ``histories`` (promoted unless told)."""
        return add_version(self.factory, self.settings, model=model, histories=histories, **options)

    def forecast(self, key: str, **params: Any) -> dict[str, Any]:
        """The forecast answer of a series (asserting a 200)."""
        response = self.client.get(f"/v1/series/{key}/forecast", params=params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def fit(self, key: str) -> ModelFit:
        """The latest fit of a series."""
        with self.factory() as session:
            query = select(ModelFit).where(ModelFit.series_key == key).order_by(ModelFit.id.desc())
            fit = session.scalars(query).first()
            assert fit is not None, key
            return fit


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """An API on a migrated SQLite, then PostgreSQL, database for the whole module."""
    home = tmp_path_factory.mktemp(f"forecast-{request.param}") / "home"
    with fresh_postgres() if request.param == "postgresql" else contextlib.nullcontext() as url:
        settings = fast_settings(home, database_url=url)
        upgrade(settings.effective_database_url)
        with TestClient(create_app(settings)) as client:
            yield Api(client, get_session_factory(settings), settings)
        get_session_factory(settings).kw["bind"].dispose()


@pytest.fixture
def uid() -> str:
    """A prefix no other test uses, for series, tag and model names."""
    return f"t{next(_names)}"


@pytest.fixture
def alpha(api: Api, uid: str) -> str:
    """A series served by its own naive model (version 1, champion); its key.

    Each test's history differs, so no artifact is shared with (and cached by) another test.
    """
    key = f"{uid}-alpha"
    api.series(key, f"{uid}-fx")
    api.version(f"{key}-naive", {key: prices(100 + int(uid[1:]))})
    return key


def _artifact_path(fit: ModelFit) -> Path:
    assert fit.artifact_uri is not None
    return Path(fit.artifact_uri.removeprefix("file://"))


def _error(response: Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    return error


def test_the_stored_forecast_is_read_without_touching_the_artifact(api: Api, alpha: str) -> None:
    fit = api.fit(alpha)
    assert fit.forecast is not None
    _artifact_path(fit).unlink()  # a read must not need it

    body = api.forecast(alpha, h=5, levels="80")

    assert (body["series"], body["model"], body["version"], body["source"]) == (
        alpha,
        f"{alpha}-naive",
        1,
        "stored",
    )
    assert body["engine"] == "naive" and body["h"] == 5 and body["levels"] == [80]
    assert body["data_end"].startswith("2024-03-30T00:00:00")
    assert [p["mean"] for p in body["points"]] == fit.forecast["mean"][:5]
    assert [p["lower"]["80"] for p in body["points"]] == fit.forecast["lower"]["80"][:5]
    assert set(body["points"][0]["upper"]) == {"80"}
    assert datetime.fromisoformat(body["points"][0]["ts"]) == datetime.fromisoformat(
        fit.forecast["index"][0] + "+00:00"
    )
    skill = body["skill"]
    assert skill["skill_vs_naive"] == 0.0 and skill["beats_naive"] is False
    assert skill["verdict"] == "ties with naive (MASE)" and skill["n_windows"] == 3
    assert api.forecast(alpha)["h"] == 14  # the stored horizon by default


def test_a_horizon_beyond_the_stored_one_is_predicted_from_the_verified_artifact(
    api: Api, alpha: str
) -> None:
    body = api.forecast(alpha, h=20, levels="50,80")

    assert body["source"] == "predicted" and len(body["points"]) == 20
    assert [p["mean"] for p in body["points"][:14]] == (api.fit(alpha).forecast or {})["mean"]
    assert set(body["points"][0]["lower"]) == {"50", "80"}


def test_a_tampered_artifact_is_refused_and_never_unpickled(
    api: Api, alpha: str, tmp_path: Path
) -> None:
    marker = tmp_path / "unpickled"

    class Payload:
        def __reduce__(self) -> tuple[Any, ...]:
            return (os.mkdir, (str(marker),))

    joblib.dump(Payload(), _artifact_path(api.fit(alpha)))

    error = _error(api.client.get(f"/v1/series/{alpha}/forecast", params={"h": 30}), 500)

    assert error["code"] == "artifact_integrity"
    assert "refused" in error["message"] and "SHA-256" in error["message"]
    assert not marker.exists()


def test_csv_and_parquet_carry_one_row_per_step(api: Api, alpha: str) -> None:
    url = f"/v1/series/{alpha}/forecast"
    csv = api.client.get(url, params={"h": 3, "format": "csv"})
    parquet = api.client.get(url, params={"h": 3, "format": "parquet"})

    assert csv.headers["content-type"].startswith("text/csv")
    frame = pd.read_parquet(io.BytesIO(parquet.content))
    assert list(frame.columns) == [
        "step",
        "ts",
        "mean",
        "lower_80",
        "upper_80",
        "lower_95",
        "upper_95",
    ]
    assert len(frame) == 3 and csv.text.count("\n") == 4


def test_unknown_series_is_404(api: Api) -> None:
    error = _error(api.client.get("/v1/series/nope/forecast"), 404)
    assert "nope" in error["message"]


def test_a_series_no_model_covers_is_404_saying_how_to_get_one(api: Api, uid: str) -> None:
    api.series(f"{uid}-lonely", f"{uid}-orphans")
    error = _error(api.client.get(f"/v1/series/{uid}-lonely/forecast"), 404)
    assert error["code"] == "forecast_not_found"
    assert f"no trained model covers series '{uid}-lonely'" in error["message"]
    assert "POST /v1/models" in error["message"]


def test_a_skipped_series_answers_409_with_the_reason(api: Api, uid: str) -> None:
    api.series(f"{uid}-tiny")
    api.version(f"{uid}-naive", {f"{uid}-tiny": "too short to backtest a 14-step forecast"})

    error = _error(api.client.get(f"/v1/series/{uid}-tiny/forecast"), 409)

    assert error["code"] == "forecast_unavailable"
    assert f"skipped series '{uid}-tiny': too short to backtest" in error["message"]


@pytest.mark.parametrize(
    "params", [{"h": 0}, {"h": 1001}, {"levels": "0,80"}, {"levels": "80,100"}, {"levels": "x"}]
)
def test_horizon_and_levels_out_of_range_are_422(
    api: Api, alpha: str, params: dict[str, Any]
) -> None:
    response = api.client.get(f"/v1/series/{alpha}/forecast", params=params)
    assert response.status_code == 422, response.text


def test_a_series_model_outranks_a_tag_model_and_versions_can_be_named(api: Api, uid: str) -> None:
    key = f"{uid}-beta"
    api.series(key, f"{uid}-fx")
    api.version(f"{uid}-fx-tag", {key: prices(2)}, target={"tag": f"{uid}-fx"})
    assert api.forecast(key)["model"] == f"{uid}-fx-tag"
    api.version(f"{uid}-own", {key: prices(3)})
    api.version(f"{uid}-own", {key: prices(4)}, promote=False)
    api.client.post("/v1/models/reload")

    served = api.forecast(key)
    assert (served["model"], served["version"]) == (f"{uid}-own", 1)
    assert api.forecast(key, version=2)["version"] == 2
    assert api.forecast(key, model=f"{uid}-fx-tag")["model"] == f"{uid}-fx-tag"
    error = _error(api.client.get(f"/v1/series/{key}/forecast", params={"version": "staging"}), 404)
    assert "staging" in error["message"]


def test_a_group_model_serves_its_index_series_not_the_members(api: Api, uid: str) -> None:
    member, index = f"{uid}-member", f"^{uid}-grp"
    api.series(member, f"{uid}-grp")
    api.series(index)
    api.version(f"{uid}-global", {index: prices(12)}, target={"group": f"{uid}-grp"})

    assert api.forecast(index)["model"] == f"{uid}-global"
    assert _error(api.client.get(f"/v1/series/{member}/forecast"), 404)["code"] == (
        "forecast_not_found"
    )


def test_reload_serves_a_new_champion_at_once(api: Api, alpha: str) -> None:
    model = f"{alpha}-naive"
    assert api.forecast(alpha)["version"] == 1
    api.version(model, {alpha: prices(5)})

    reloaded = api.client.post("/v1/models/reload")

    assert reloaded.status_code == 200 and reloaded.json()["reloaded"] is True
    assert len(reloaded.json()["generation"]) == 16
    assert api.forecast(alpha)["version"] == 2
    with api.factory.begin() as session:
        registry.rollback(session, model)
    api.client.post("/v1/models/reload")
    assert api.forecast(alpha)["version"] == 1


def test_a_repeated_read_is_answered_before_routing_until_the_registry_changes(
    api: Api, alpha: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    routed: list[str | None] = []
    parse_levels = forecast_routes.parse_levels

    def counted(text: str | None) -> tuple[int, ...] | None:
        routed.append(text)
        return parse_levels(text)

    monkeypatch.setattr(forecast_routes, "parse_levels", counted)
    first = api.client.get(f"/v1/series/{alpha}/forecast", params={"h": 3})
    again = api.client.get(f"/v1/series/{alpha}/forecast", params={"h": 3})
    other = api.client.get(f"/v1/series/{alpha}/forecast", params={"h": 4})

    assert first.status_code == again.status_code == other.status_code == 200
    assert again.content == first.content and again.headers["content-type"] == "application/json"
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    assert len(routed) == 2  # the first read and the other horizon; not the repeat
    api.version(f"{alpha}-naive", {alpha: prices(7)})
    api.client.post("/v1/models/reload")
    after = api.client.get(f"/v1/series/{alpha}/forecast", params={"h": 3})
    assert after.json()["version"] == 2 and len(routed) == 3


def test_batch_json_lines_give_one_line_per_series_and_errors_in_place(api: Api, uid: str) -> None:
    keys = [f"{uid}-{name}" for name in ("one", "two", "short", "late")]
    for key in keys:
        api.series(key, f"{uid}-basket")
    one, two, short, late = keys
    histories = {one: prices(6), two: prices(7), short: "too short"}
    api.version(f"{uid}-basket", histories, target={"tag": f"{uid}-basket"})
    # ``late`` joined the tag after training: the version has no fit for it

    response = api.client.get("/v1/forecasts", params={"tag": f"{uid}-basket", "h": 3})

    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = {line["series"]: line for line in map(json.loads, response.text.splitlines())}
    assert set(lines) == set(keys)
    assert len(lines[one]["points"]) == 3 and lines[one]["model"] == f"{uid}-basket"
    assert lines[short]["error"]["code"] == "forecast_unavailable"
    assert lines[late]["error"]["code"] == "forecast_not_found"
    by_model = api.client.get("/v1/forecasts", params={"model": f"{uid}-basket"})
    assert len(by_model.text.splitlines()) == 3


def test_batch_parquet_gives_one_row_per_series_step(api: Api, uid: str) -> None:
    keys = [f"{uid}-p1", f"{uid}-p2"]
    for key in keys:
        api.series(key, f"{uid}-pq")
    api.version(f"{uid}-pq", {keys[0]: prices(8), keys[1]: prices(9)}, target={"tag": f"{uid}-pq"})

    response = api.client.get(
        "/v1/forecasts", params={"tag": f"{uid}-pq", "format": "parquet", "h": 4}
    )

    assert response.status_code == 200, response.text
    frame = pd.read_parquet(io.BytesIO(response.content))
    assert len(frame) == 8 and sorted(set(frame["series"])) == keys
    assert {"model", "version", "data_end", "step", "ts", "mean", "lower_95"} <= set(frame.columns)
    assert response.headers["x-forecast-errors"] == "0"
    assert api.client.get("/v1/forecasts").status_code == 422


@pytest.fixture(scope="module")
def inline_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An API on SQLite for inline forecasts (which never touch the database)."""
    settings = fast_settings(tmp_path_factory.mktemp("inline") / "home")
    upgrade(settings.effective_database_url)
    with TestClient(create_app(settings)) as client:
        yield client


def _inline(client: TestClient, **body: Any) -> Response:
    response: Response = client.post("/v1/forecast", json=body)
    return response


def test_an_inline_history_is_forecast_with_its_backtest_skill(inline_client: TestClient) -> None:
    values = prices(10, 60).tolist()
    before = pd.Timestamp.now("UTC").strftime("%Y-%m-%d")
    response = _inline(inline_client, history=values, freq="D", h=7, engine="naive")
    after = pd.Timestamp.now("UTC").strftime("%Y-%m-%d")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["series"] is None and body["source"] == "inline" and len(body["points"]) == 7
    assert body["skill"]["verdict"] == "ties with naive (MASE)"
    assert body["data_end"][:10] in {before, after}  # the last value is today


def test_inline_points_carry_their_own_timestamps(inline_client: TestClient) -> None:
    history = [{"ts": f"{ts:%Y-%m-%d}", "value": v} for ts, v in prices(11, 80).items()]
    response = _inline(inline_client, history=history, h=5, levels=[90], engine="naive")

    body = response.json()
    assert body["points"][0]["ts"].startswith("2024-03-21")
    assert set(body["points"][0]["lower"]) == {"90"}
    assert body["skill"]["skill_vs_naive"] is not None


def test_an_inline_history_too_short_to_backtest_is_still_forecast(
    inline_client: TestClient,
) -> None:
    body = _inline(inline_client, history=[1, 2, 3, 4], freq="W", h=14, engine="naive").json()
    assert len(body["points"]) == 14
    assert body["skill"]["verdict"] == "no backtest: skill unknown"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"history": [], "freq": "D"}, "history is empty"),
        ({"history": [1, "x", 3], "freq": "D"}, "history[1] is 'x'"),
        ({"history": [1, float("nan")], "freq": "D"}, "finite number"),
        ({"history": [1, 10**400], "freq": "D"}, "history[1] is 1000000000"),
        ({"history": [10**400, 1], "freq": "D"}, "finite number"),
        ({"history": [0.5] * 100_001, "freq": "D"}, "at most 100000"),
        ({"history": [1, 2, 3]}, "freq is required"),
        ({"history": [1, 2, 3], "freq": "fortnightly"}, "not a frequency"),
        ({"history": [1, 2, 3], "freq": "D", "engine": "seasonal_naive"}, "needs at least 14"),
        ({"history": [1, 2, 3], "freq": "D", "h": 5000}, "h"),
    ],
)
def test_bad_inline_histories_are_422_naming_the_problem(
    inline_client: TestClient, body: dict[str, Any], expected: str
) -> None:
    response = inline_client.post(
        "/v1/forecast", content=json.dumps(body), headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert expected in response.json()["error"]["message"]
