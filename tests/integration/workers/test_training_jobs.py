"""Training jobs on a real worker: one series inline, a catalogue fanned out into parts."""

import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from preditiva.services import registry
from preditiva.services.model_views import verdict
from preditiva.storage.db.models import ModelFit, ModelVersion
from tests.support.platforms import Platform, serving_platform
from tests.support.processes import wait_until


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """An embedded platform with one worker."""
    home = tmp_path_factory.mktemp("training")
    with serving_platform("embedded", home, worker_name="training@embedded") as platform:
        yield platform


def _prices(seed: int, days: int, start: str = "2024-01-01") -> list[dict[str, Any]]:
    """A daily random-walk price history as observation points."""
    rng = np.random.default_rng(seed)
    stamps = pd.date_range(start, periods=days, freq="D", tz="UTC")
    values = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, days)))
    return [{"ts": ts.isoformat(), "value": float(v)} for ts, v in zip(stamps, values, strict=True)]


def _add_series(platform: Platform, key: str, tag: str, points: list[dict[str, Any]]) -> None:
    """Create a series with a tag and load its points."""
    response = platform.client.post("/v1/series", json={"key": key, "tags": [tag]})
    assert response.status_code == 201, response.text
    if points:
        response = platform.client.post(
            f"/v1/series/{key}/observations", json={"observations": points}
        )
        assert response.status_code == 200, response.text


def _wait_for_a_running_child(platform: Platform, job_id: str) -> None:
    """Wait until one child job of ``job_id`` is running."""

    def running() -> bool:
        listing = platform.client.get("/v1/jobs", params={"parent_id": job_id}).json()
        return any(child["state"] == "running" for child in listing["items"])

    wait_until(running, timeout=60, what=f"a running child of {job_id}", log=platform.worker.log)


def _define(
    platform: Platform,
    name: str,
    target: dict[str, str],
    horizon: int = 14,
    engine: str = "auto",
) -> None:
    """Define a model through the registry service."""
    with platform.backend.factory.begin() as session:
        registry.define(session, name=name, engine=engine, horizon=horizon, target=target)


def test_a_catalogue_trains_in_parts_and_skips_short_series_with_a_reason(
    platform: Platform,
) -> None:
    for number in range(5):
        _add_series(platform, f"cat-{number}", "catalogue", _prices(number, 200))
    _add_series(platform, "cat-short", "catalogue", _prices(99, 5))
    _define(platform, "catalogue-auto", {"tag": "catalogue"})

    job_id = platform.submit("train.model", model="catalogue-auto", chunk_size=2)
    job = platform.wait_for(job_id, {"succeeded", "failed", "cancelled"}, timeout=120)

    assert job["state"] == "succeeded", (
        job,
        platform.client.get("/v1/jobs", params={"parent_id": job_id}).json(),
    )
    result = job["result"]
    assert (result["trained"], result["skipped"], result["failed"]) == (5, 1, 0)
    assert result["skipped_series"][0]["series"] == "cat-short"
    assert "too short to backtest" in result["skipped_series"][0]["reason"]
    children = platform.client.get("/v1/jobs", params={"parent_id": job_id}).json()["items"]
    assert len(children) == 3 and {c["kind"] for c in children} == {"train.chunk"}
    with platform.backend.factory() as session:
        version = session.scalars(
            select(ModelVersion).where(ModelVersion.job_id == uuid.UUID(job_id))
        ).one()
        assert version.status == "ready"
        fits = session.scalars(select(ModelFit).where(ModelFit.version_id == version.id)).all()
        trained = [fit for fit in fits if fit.status == "trained"]
        assert len(trained) == 5
        assert all(len(fit.forecast["mean"]) == 14 for fit in trained)
        assert all(fit.backtest and fit.backtest["naive"] for fit in trained)
        champion = registry.get_version(session, "catalogue-auto", "champion")
        assert champion.id == version.id


def test_retraining_unchanged_data_carries_fits_over_unless_forced(platform: Platform) -> None:
    _add_series(platform, "solo", "solo", _prices(7, 120))
    _define(platform, "solo-auto", {"series": "solo"})
    first = platform.wait_for(platform.submit("train.model", model="solo-auto"), {"succeeded"})
    assert first["result"]["trained"] == 1

    again = platform.wait_for(platform.submit("train.model", model="solo-auto"), {"succeeded"})
    assert (again["result"]["trained"], again["result"]["carried_over"]) == (0, 1)

    forced = platform.wait_for(
        platform.submit("train.model", model="solo-auto", force=True), {"succeeded"}
    )
    assert (forced["result"]["trained"], forced["result"]["carried_over"]) == (1, 0)


def test_a_target_without_series_fails_saying_so(platform: Platform) -> None:
    _define(platform, "nobody", {"tag": "no-such-tag"})
    job = platform.wait_for(
        platform.submit("train.model", model="nobody"), {"succeeded", "failed"}, timeout=60
    )
    assert job["state"] == "failed"
    assert "no-such-tag" in job["error"]


def test_a_group_model_forecasts_the_catalogue_index_with_a_30_period_holdout(
    platform: Platform,
) -> None:
    for number in range(3):
        _add_series(platform, f"grp-{number}", "grp", _prices(40 + number, 150))
    _define(platform, "grp-index", {"group": "grp"}, horizon=10)

    job = platform.wait_for(platform.submit("train.model", model="grp-index"), {"succeeded"})

    assert job["result"]["trained"] == 1
    index = platform.client.get("/v1/series/^grp").json()
    assert index["kind"] == "index" and "grp" not in index["tags"]
    with platform.backend.factory() as session:
        fit = session.scalars(select(ModelFit).where(ModelFit.series_key == "^grp")).one()
        assert fit.backtest is not None
        assert fit.backtest["n_windows"] * fit.backtest["h"] >= 30


def test_cancelling_a_catalogue_training_cancels_its_parts(platform: Platform) -> None:
    for number in range(12):
        _add_series(platform, f"slow-{number}", "slow", _prices(60 + number, 400))
    # AutoARIMA takes about a second a series here (auto, some 30 ms), so parts are still
    # waiting when the first one is seen running.
    _define(platform, "slow-arima", {"tag": "slow"}, horizon=30, engine="arima")
    job_id = platform.submit("train.model", model="slow-arima", chunk_size=1)
    _wait_for_a_running_child(platform, job_id)

    response = platform.client.post(f"/v1/jobs/{job_id}/cancel")
    assert response.status_code == 200, response.text
    job = platform.wait_for(job_id, {"succeeded", "failed", "cancelled"}, timeout=60)

    assert job["state"] == "cancelled"
    children = platform.client.get("/v1/jobs", params={"parent_id": job_id}).json()["items"]
    states = [child["state"] for child in children]
    assert states.count("cancelled") >= 6, states
    with platform.backend.factory() as session:
        version = session.scalars(
            select(ModelVersion).where(ModelVersion.job_id == uuid.UUID(job_id))
        ).one()
        assert version.status == "cancelled"
        assert registry.list_versions(session, "slow-arima")[0].status == "cancelled"


def test_the_models_api_defines_trains_and_shows_the_champion_beside_naive(
    platform: Platform,
) -> None:
    for number in range(2):
        _add_series(platform, f"api-{number}", "api", _prices(20 + number, 90))
    _add_series(platform, "api-short", "api", _prices(30, 4))
    body = {"name": "api-naive", "engine": "naive", "horizon": 7, "target": {"tag": "api"}}
    created = platform.client.post("/v1/models", json=body | {"train": True})
    assert created.status_code == 201, created.text

    job = platform.wait_for(created.json()["job"]["id"], {"succeeded", "failed"}, timeout=60)

    assert job["state"] == "succeeded", job
    model = platform.client.get("/v1/models/api-naive").json()
    assert (model["aliases"], model["skill_version"]) == ({"champion": 1}, 1)
    assert model["skill"]["skill_vs_naive"] == pytest.approx(job["result"]["skill_vs_naive"])
    assert model["skill"]["verdict"] == verdict(job["result"]["skill_vs_naive"])
    version = platform.client.get("/v1/models/api-naive/versions/1").json()
    assert version["fits"] == {
        "total": 3,
        "trained": 2,
        "carried_over": 0,
        "skipped": 1,
        "failed": 0,
    }
    assert version["job_id"] == job["id"]
    skipped = platform.client.get("/v1/models/api-naive/versions/champion/fits?status=skipped")
    assert [fit["series_key"] for fit in skipped.json()["items"]] == ["api-short"]
    assert "too short" in skipped.json()["items"][0]["reason"]

    again = platform.client.post("/v1/models/api-naive/train")
    assert again.status_code == 202, again.text
    retrained = platform.wait_for(again.json()["id"], {"succeeded", "failed"}, timeout=60)
    assert (retrained["result"]["trained"], retrained["result"]["carried_over"]) == (0, 2)
    versions = platform.client.get("/v1/models/api-naive/versions").json()["items"]
    assert [(v["version"], v["aliases"]) for v in versions] == [(1, []), (2, ["champion"])]
