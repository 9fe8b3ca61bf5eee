"""Predicting over HTTP: tabular rows, series-feature and lstm histories, the cache, a series.

One API per database serves the module (each test uses its own models), with a row limit of
five so the limit is cheap to cross. Models are trained once, in-process, on real data.
"""

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from preditiva.api.app import create_app
from preditiva.api.schemas.predictions import PredictionRead
from preditiva.core.settings import Settings
from preditiva.services import registry
from preditiva.storage.artifacts import dump_model, get_store
from preditiva.storage.db.engine import get_session_factory
from preditiva.storage.db.migrate import upgrade
from preditiva.storage.db.models import ModelFit, ModelVersion
from preditiva.storage.db.repositories import series as series_repo
from tests.support import predictions as trained
from tests.support.backends import fast_settings, fresh_postgres
from tests.support.forecasts import add_version as add_forecast_version
from tests.support.processes import wait_until

SERIES = "AAPL-P"
MAX_ROWS = 5


@dataclass
class Api:
    """A running API and the database behind it."""

    client: TestClient
    factory: sessionmaker[Session]
    settings: Settings

    def add(self, model: str, fitted: Any, **options: Any) -> int:
        """A ready version of ``model`` holding ``fitted`` (promoted unless told)."""
        return trained.add_fitted(
            self.factory, self.settings, model=model, fitted=fitted, **options
        )

    def predict(self, model: str, body: Any = None, **params: Any) -> Response:
        """POST /v1/models/{model}/predict with ``body`` as JSON (no body when None)."""
        url = f"/v1/models/{model}/predict"
        response: Response = (
            self.client.post(url, params=params)
            if body is None
            else self.client.post(url, json=body, params=params)
        )
        return response

    def cached(self, model: str, body: Any, **params: Any) -> Response:
        """A repeat of the request once it is answered from the cache.

        The registry watcher may empty the cache between two requests when the registry
        changed just before (a version added by the test), so repeat until one hits.
        """
        hits: list[Response] = []

        def hit() -> bool:
            response = self.predict(model, body, **params)
            hits[:] = [response]
            return bool(response.headers.get("X-Cache") == "hit")

        wait_until(hit, timeout=10, what=f"a cached answer of {model}")
        return hits[0]

    def answer(self, model: str, body: Any = None, **params: Any) -> dict[str, Any]:
        """The 200 answer of a prediction, checked against the documented schema."""
        response = self.predict(model, body, **params)
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        PredictionRead.model_validate(found)
        return found


def _feature(task: str) -> dict[str, Any]:
    """Options of a series-feature model of the test series."""
    engine = "linear" if task == "regression" else "logistic"
    return {"target": {"series": SERIES}, "task": task, "engine": engine}


TABULAR = {"target": {"dataset": "ames"}, "task": "regression", "engine": "linear"}
LSTM = {"target": {"series": "AAPL-LSTM"}, "task": "forecast", "engine": "lstm", "horizon": 3}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """An API with the test series and its models, on SQLite then PostgreSQL."""
    home = tmp_path_factory.mktemp(f"predict-{request.param}") / "home"
    with fresh_postgres() if request.param == "postgresql" else contextlib.nullcontext() as url:
        settings = fast_settings(home, database_url=url, predict_max_rows=MAX_ROWS)
        upgrade(settings.effective_database_url)
        factory = get_session_factory(settings)
        with TestClient(create_app(settings)) as client:
            api = Api(client, factory, settings)
            _seed(api)
            yield api
        factory.kw["bind"].dispose()


def _seed(api: Api) -> None:
    """The series with its closes; feature models of it, an lstm, and a naive forecaster."""
    response = api.client.post("/v1/series", json={"key": SERIES, "tags": ["stocks"]})
    assert response.status_code == 201, response.text
    closes = trained.closes()
    points = _points(closes)
    response = api.client.post(f"/v1/series/{SERIES}/observations", json={"observations": points})
    assert response.status_code == 200, response.text
    api.add("houses", trained.house_regressor(), **TABULAR)
    api.add("houses-lgbm", trained.house_lightgbm(), **{**TABULAR, "engine": "lightgbm"})
    classify = {**TABULAR, "task": "classification", "engine": "logistic"}
    api.add("houses-class", trained.house_classifier(), **classify)
    api.add("aapl-up", trained.feature_model("classification"), **_feature("classification"))
    api.add("aapl-next", trained.feature_model("regression"), **_feature("regression"))
    api.add("aapl-lstm", trained.lstm(), **LSTM)
    add_forecast_version(api.factory, api.settings, model="aapl-naive", histories={SERIES: closes})


def _points(closes: "pd.Series[float]") -> list[dict[str, Any]]:
    """Closes as ``{"ts", "value"}`` points."""
    return [
        {"ts": pd.Timestamp(ts).isoformat(), "value": float(value)}
        for ts, value in zip(closes.index, closes.to_numpy(), strict=True)
    ]


def _window() -> list[float]:
    """The last lstm window of closes."""
    return [float(value) for value in trained.closes().iloc[-trained.LSTM_WINDOW :]]


def test_tabular_regressor_predicts_each_row_and_repeats_come_from_the_cache(api: Api) -> None:
    rows = trained.house_rows(2)

    first = api.predict("houses", {"rows": rows})
    reordered = [dict(reversed(list(row.items()))) for row in rows]
    again = api.cached("houses", {"rows": reordered})

    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["model"], body["version"], body["task"], body["kind"]) == (
        "houses",
        1,
        "regression",
        "tabular",
    )
    expected = trained.house_regressor().predict_rows(rows).values.tolist()
    assert [p["value"] for p in body["predictions"]] == pytest.approx(expected)
    assert {p["probabilities"] for p in body["predictions"]} == {None}
    assert body["classes"] is None
    assert first.headers["X-Cache"] == "miss"
    assert again.content == first.content


def test_a_lightgbm_model_answers_a_few_rows_with_its_own_values(api: Api) -> None:
    rows = trained.house_rows(3, start=10)
    expected = trained.house_lightgbm().predict(pd.DataFrame(rows)).values

    first = api.answer("houses-lgbm", {"rows": rows})  # loads the model, in a thread
    again = api.predict("houses-lgbm", {"rows": rows[:1]})  # loaded: in the event loop

    assert [p["value"] for p in first["predictions"]] == pytest.approx(expected.tolist())
    assert again.status_code == 200 and again.headers["X-Cache"] == "miss"
    assert again.json()["predictions"][0]["value"] == pytest.approx(expected[0])
    assert api.predict("houses-lgbm", {"rows": [{"Gr_Liv_Area": "big"}]}).status_code == 422


def test_tabular_classifier_gives_each_class_probability(api: Api) -> None:
    rows = trained.house_rows(3, start=10, columns=trained.CLASSIFIER_COLUMNS)

    body = api.answer("houses-class", {"rows": rows})

    assert body["task"] == "classification"
    assert body["classes"] == ["no", "yes"]
    for prediction in body["predictions"]:
        shares = prediction["probabilities"]
        assert set(shares) == {"no", "yes"}
        assert sum(shares.values()) == pytest.approx(1.0)
        assert prediction["value"] == max(shares, key=shares.get)


def test_bad_rows_are_a_422_listing_each_missing_unknown_and_mistyped_column(api: Api) -> None:
    row = trained.house_rows(1)[0]
    del row["Lot_Area"]
    row["Swimming_Pool"] = "yes"
    row["Gr_Liv_Area"] = "big"

    response = api.predict("houses", {"rows": [row]})

    assert response.status_code == 422, response.text
    problems = {(d["row"], d["field"]): d["message"] for d in response.json()["error"]["details"]}
    assert set(problems) == {(None, "Lot_Area"), (None, "Swimming_Pool"), (0, "Gr_Liv_Area")}
    assert "missing column" in problems[(None, "Lot_Area")]
    assert "unknown column" in problems[(None, "Swimming_Pool")]
    assert "expected a number, got text 'big'" in problems[(0, "Gr_Liv_Area")]


@pytest.mark.parametrize(
    ("model", "body", "field"),
    [
        ("houses", {"rows": [{**trained.house_rows(1)[0], "Gr_Liv_Area": 10**400}]}, "Gr_Liv_Area"),
        ("aapl-next", {"history": [100.0] * 39 + [10**400]}, "history.39"),
        (
            "aapl-lstm",
            {"history": [100.0] * (trained.LSTM_WINDOW - 1) + [10**400]},
            f"history.{trained.LSTM_WINDOW - 1}",
        ),
    ],
)
def test_an_integer_too_large_for_a_float_is_a_422_naming_where(
    api: Api, model: str, body: dict[str, Any], field: str
) -> None:
    response = api.predict(model, body)

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert field in [detail["field"] for detail in error["details"]], error
    assert "too large" in json.dumps(error), error


def test_more_rows_than_the_limit_is_a_413_saying_how_many_fit(api: Api) -> None:
    response = api.predict("houses", {"rows": trained.house_rows(MAX_ROWS + 1)})

    assert response.status_code == 413, response.text
    error = response.json()["error"]
    assert f"at most {MAX_ROWS}" in error["message"]
    assert "PREDITIVA_PREDICT_MAX_ROWS" in error["message"]


def test_a_field_the_model_does_not_read_is_a_422_saying_what_to_send(api: Api) -> None:
    response = api.predict("houses", {"history": [1.0, 2.0]})

    assert response.status_code == 422, response.text
    assert '{"rows": [' in response.json()["error"]["message"]


def test_an_unknown_model_is_a_404(api: Api) -> None:
    assert api.predict("no-such-model", {"rows": trained.house_rows(1)}).status_code == 404


def test_a_model_without_champion_is_a_409_saying_to_promote(api: Api) -> None:
    api.add("houses-draft", trained.house_regressor(), promote=False, **TABULAR)
    rows = {"rows": trained.house_rows(1)}

    response = api.predict("houses-draft", rows)

    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "champion_missing"
    assert "model 'houses-draft' has no champion; promote a version" in error["message"]
    assert api.answer("houses-draft", rows, version="1")["version"] == 1


def test_a_version_that_is_not_ready_is_a_409(api: Api) -> None:
    api.add("houses-training", trained.house_regressor(), **TABULAR)
    api.add("houses-training", trained.house_regressor(), promote=False, **TABULAR)
    with api.factory.begin() as session:
        session.execute(
            update(ModelVersion).where(ModelVersion.version == 2).values(status="training")
        )

    response = api.predict("houses-training", {"rows": trained.house_rows(1)}, version="2")

    assert response.status_code == 409, response.text
    assert "training" in response.json()["error"]["message"]


def test_promoting_another_version_empties_the_cache_and_changes_the_answer(api: Api) -> None:
    rows = {"rows": trained.house_rows(1, start=20)}
    api.add("houses-promo", trained.house_regressor(), **TABULAR)
    assert api.answer("houses-promo", rows)["version"] == 1
    assert api.cached("houses-promo", rows).json()["version"] == 1
    api.add("houses-promo", trained.house_regressor(), promote=False, **TABULAR)

    with api.factory.begin() as session:
        registry.promote(session, "houses-promo", 2)
    wait_until(
        lambda: api.answer("houses-promo", rows)["version"] == 2,
        timeout=10,
        what="the registry watcher to serve the new champion",
    )

    assert api.cached("houses-promo", rows).json()["version"] == 2
    assert api.client.post("/v1/models/reload").status_code == 200
    assert api.predict("houses-promo", rows).headers["X-Cache"] == "miss"
    assert api.answer("houses-promo", rows, version="1")["version"] == 1


def test_a_series_feature_classifier_predicts_from_a_history_sent(api: Api) -> None:
    closes = trained.closes().iloc[-40:]
    points = _points(closes)

    bare = api.answer("aapl-up", {"history": closes.tolist()})["prediction"]
    dated = api.answer("aapl-up", {"history": points})["prediction"]

    model = trained.feature_model("classification")
    on_grid = pd.Series(closes.to_numpy(), index=pd.bdate_range(end=closes.index[-1], periods=40))
    for prediction, expected in (
        (bare, model.predict_latest(on_grid)),
        (dated, model.predict_latest(closes)),
    ):
        assert prediction["series"] is None
        assert prediction["label"] == expected.label
        assert prediction["probability_up"] == pytest.approx(expected.probability_up)
        assert prediction["value"] is None
    assert dated["timestamp"] == "2019-01-01T00:00:00Z"


def test_a_series_feature_model_with_no_body_predicts_its_stored_series(api: Api) -> None:
    response = api.predict("aapl-next")

    assert response.status_code == 200, response.text
    assert response.headers["X-Cache"] == "miss"
    prediction = response.json()["prediction"]
    expected = trained.feature_model("regression").predict_latest(trained.closes())
    assert prediction["series"] == SERIES
    assert prediction["value"] == pytest.approx(expected.value)
    assert prediction["last_price"] == pytest.approx(trained.closes().iloc[-1])
    assert api.predict("aapl-next").headers["X-Cache"] == "miss"


def test_an_lstm_forecasts_from_a_window_with_its_trained_weights(api: Api) -> None:
    body = api.answer("aapl-lstm", {"history": _window(), "h": 5, "levels": [80]})

    forecast = body["forecast"]
    expected = trained.lstm().predict_from_history(_window(), 5, [80])
    assert (body["kind"], forecast["engine"], forecast["source"]) == (
        "forecast",
        "lstm",
        "predicted",
    )
    assert [point["mean"] for point in forecast["points"]] == pytest.approx(expected.mean.tolist())
    assert set(forecast["points"][0]["lower"]) == {"80"}
    assert forecast["h"] == 5


def test_an_lstm_refuses_a_history_of_the_wrong_length_naming_its_window(api: Api) -> None:
    response = api.predict("aapl-lstm", {"history": _window()[:-1]})

    assert response.status_code == 422, response.text
    assert f"exactly {trained.LSTM_WINDOW} prices" in response.json()["error"]["message"]


def test_another_engine_points_at_the_inline_forecast_endpoint(api: Api) -> None:
    response = api.predict("aapl-naive", {"history": _window()})

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "inline_prediction_unsupported"
    assert "needs an lstm model" in error["message"]
    assert "POST /v1/forecast" in error["message"]


def test_an_lstm_tag_model_uses_the_trained_fit_of_the_series_named(api: Api) -> None:
    api.add("stocks-lstm", trained.lstm(), **{**LSTM, "target": {"tag": "stocks"}})
    with api.factory.begin() as session:
        series = series_repo.get_by_key(session, SERIES)
        version = registry.get_version(session, "stocks-lstm", 1)
        assert series is not None
        uri, digest = get_store(api.settings).put(dump_model(trained.lstm()), "fits/lstm.joblib")
        fields = {
            "status": "trained",
            "metrics": {},
            "artifact_uri": uri,
            "artifact_sha256": digest,
        }
        session.add(
            ModelFit(version_id=version.id, series_id=series.id, series_key=SERIES, **fields)
        )

    body = api.answer("stocks-lstm", {"history": _window(), "series": SERIES})
    unknown = api.predict("stocks-lstm", {"history": _window(), "series": "NO-SUCH"})

    assert body["forecast"]["series"] == SERIES
    assert len(body["forecast"]["points"]) == 3
    assert unknown.status_code == 404, unknown.text


def test_series_predictions_show_every_model_and_the_forecast(api: Api) -> None:
    api.add(
        "aapl-draft", trained.feature_model("regression"), promote=False, **_feature("regression")
    )

    response = api.client.get(f"/v1/series/{SERIES}/predictions")

    assert response.status_code == 200, response.text
    body = response.json()
    found = {p["model"]: p for p in body["predictions"]}
    assert set(found) == {"aapl-next", "aapl-up"}
    assert found["aapl-up"]["kind"] == "classification"
    assert 0 < found["aapl-up"]["probability_up"] < 1
    assert found["aapl-next"]["kind"] == "regression"
    assert found["aapl-next"]["value"] > 0
    assert found["aapl-next"]["version"] == 1
    assert (body["forecast"]["model"], body["forecast"]["series"]) == ("aapl-naive", SERIES)
    assert [(p["model"], p["code"]) for p in body["problems"]] == [
        ("aapl-draft", "champion_missing")
    ]
    assert body["hint"] is None


def test_series_predictions_of_a_series_without_models_hint_at_defining_one(api: Api) -> None:
    assert api.client.post("/v1/series", json={"key": "LONELY"}).status_code == 201

    body = api.client.get("/v1/series/LONELY/predictions").json()

    assert (body["predictions"], body["forecast"], body["problems"]) == ([], None, [])
    assert "POST /v1/models" in body["hint"]
    assert api.client.get("/v1/series/NO-SUCH/predictions").status_code == 404
