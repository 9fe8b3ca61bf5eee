"""Batch prediction in-process on SQLite: checks before queueing, the job body, the result file."""

import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.errors import (
    ChampionMissingError,
    DataValidationError,
    JobCancelledError,
    JobStateError,
    ModelNotFoundError,
    ModelNotTabularError,
    ResultNotFoundError,
)
from preditiva.core.settings import Settings
from preditiva.services import batch_predictions, jobs, registry
from preditiva.services.batch_prediction_job import PREDICT_BATCH
from preditiva.services.batch_results import ResultFile
from preditiva.storage.artifacts import get_store
from preditiva.storage.db.engine import get_session_factory
from preditiva.storage.db.migrate import upgrade
from preditiva.storage.db.models import Job, JobState
from tests.support.backends import fast_settings
from tests.support.batch_models import add_model, classifier, regressor, rows_to_predict

CHUNK_ROWS = 25


class Context:
    """A job context on the test database that records progress and can be cancelled."""

    def __init__(
        self, factory: sessionmaker[Session], settings: Settings, cancel_after: int | None = None
    ) -> None:
        """A first attempt; cancelled at the ``cancel_after``-th progress report if given."""
        self.job_id = uuid.uuid4()
        self.attempt = 1
        self.settings = settings
        self.factory = factory
        self.cancel_after = cancel_after
        self.seen: list[tuple[float, str | None]] = []

    def transaction(self) -> AbstractContextManager[Session]:
        """A committed transaction on the test database."""
        return self.factory.begin()

    def progress(self, fraction: float, message: str | None = None) -> None:
        """Record progress; raise once the cancel point is reached."""
        self.seen.append((fraction, message))
        if self.cancel_after is not None and len(self.seen) >= self.cancel_after:
            raise JobCancelledError("cancel requested")

    def sleep(self, seconds: float) -> None:
        """Not used."""

    def check_cancelled(self) -> None:
        """Never cancelled between progress reports."""


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    """A migrated SQLite platform that predicts in chunks of 25 rows."""
    settings = fast_settings(tmp_path / "home", predict_chunk_rows=CHUNK_ROWS)
    upgrade(settings.effective_database_url)
    yield settings
    get_session_factory(settings).kw["bind"].dispose()


@pytest.fixture
def factory(settings: Settings) -> sessionmaker[Session]:
    """Sessions on the platform's database, with ``prices`` (regression) and ``tiers``."""
    factory = get_session_factory(settings)
    add_model(factory, settings, "prices", regressor())
    add_model(factory, settings, "tiers", classifier())
    return factory


def queue(
    factory: sessionmaker[Session],
    settings: Settings,
    source: Path,
    model: str = "prices",
    **options: Any,
) -> Job:
    """Stage ``source`` as an upload and queue its prediction (as the API and CLI do)."""
    with factory.begin() as session:
        chosen = batch_predictions.resolve_model(session, get_store(settings), model)
        target = batch_predictions.stage_copy(settings, source)
        job = batch_predictions.accept(
            session, target, settings=settings, model=chosen, filename=source.name, **options
        )
        session.expunge(job)
    return job


def run(
    factory: sessionmaker[Session], settings: Settings, job: Job, cancel_after: int | None = None
) -> tuple[dict[str, Any], Context]:
    """Run the queued job's body in-process."""
    context = Context(factory, settings, cancel_after)
    params = PREDICT_BATCH.params.model_validate(job.params)
    result: dict[str, Any] = PREDICT_BATCH.run(context, params)
    return result, context


def result_path(result: dict[str, Any]) -> Path:
    """The local file a job's result names."""
    uri = str(result["result_uri"])
    assert uri.startswith("file://")
    return Path(uri.removeprefix("file://"))


def test_a_csv_of_several_chunks_is_predicted_into_a_parquet_file(
    factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    frame = rows_to_predict(110)
    frame.to_csv(tmp_path / "rows.csv", index=False)

    result, context = run(factory, settings, queue(factory, settings, tmp_path / "rows.csv"))

    written = pq.read_table(result_path(result)).to_pandas()
    expected = regressor().predict(frame).values
    assert list(written.columns) == ["id", "prediction", "error"]
    assert written["id"].tolist() == frame["id"].tolist()
    np.testing.assert_allclose(written["prediction"].to_numpy(), expected)
    assert written["error"].isna().all()
    assert (result["rows"], result["failed_rows"], result["format"]) == (110, 0, "parquet")
    assert result["note"] == "every row was predicted"
    assert result["rows_per_second"] > 0
    assert len([m for _, m in context.seen if m and "rows predicted" in m]) >= 5
    assert "110 rows predicted" in str(context.seen[-1][1])
    assert list(settings.uploads_dir.iterdir()) == []


def test_rows_with_unreadable_values_get_a_null_prediction_and_say_why(
    factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    frame = rows_to_predict(60).astype({"area": object})
    frame.loc[3, "area"] = "huge"
    frame.loc[40, "built_on"] = "last spring"
    frame.to_csv(tmp_path / "rows.csv", index=False)

    result, _ = run(factory, settings, queue(factory, settings, tmp_path / "rows.csv"))

    written = pq.read_table(result_path(result)).to_pandas()
    assert written["prediction"].isna().tolist() == [i in (3, 40) for i in range(60)]
    assert written.loc[3, "error"] == "area: expected a finite number, got text 'huge'"
    assert "built_on: expected an ISO 8601 date" in written.loc[40, "error"]
    assert (result["rows"], result["predicted_rows"], result["failed_rows"]) == (60, 58, 2)
    assert result["note"].startswith("2 rows had values that do not read")
    assert [(p["row"], p["id"]) for p in result["problems"]] == [(3, "h3"), (40, "h40")]
    good = frame.drop(index=[3, 40])
    np.testing.assert_allclose(
        written["prediction"].dropna().to_numpy(), regressor().predict(good).values
    )


def test_a_parquet_upload_can_answer_in_csv_with_class_probabilities(
    factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    frame = rows_to_predict(40).drop(columns=["id"])
    frame.to_parquet(tmp_path / "rows.parquet")

    job = queue(factory, settings, tmp_path / "rows.parquet", model="tiers", output="csv")
    result, _ = run(factory, settings, job)

    written = pd.read_csv(result_path(result))
    expected = classifier().predict(frame)
    assert list(written.columns) == [
        "row",
        "prediction",
        "probability_no",
        "probability_yes",
        "error",
    ]
    assert written["row"].tolist() == list(range(40))
    assert written["prediction"].tolist() == expected.values.tolist()
    assert expected.probabilities is not None
    np.testing.assert_allclose(written["probability_yes"], expected.probabilities["yes"])
    assert result_path(result).suffix == ".csv"


def test_a_cancel_between_chunks_leaves_no_result_and_no_upload(
    factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    rows_to_predict(100).to_csv(tmp_path / "rows.csv", index=False)
    job = queue(factory, settings, tmp_path / "rows.csv")

    with pytest.raises(JobCancelledError):
        run(factory, settings, job, cancel_after=3)

    assert not (settings.home / "artifacts" / "predictions" / f"{job.id}.parquet").exists()
    assert list(settings.uploads_dir.iterdir()) == []


def test_missing_feature_columns_are_a_422_listing_them_before_any_job(
    factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    frame = rows_to_predict(5).rename(columns={"area": "Area"}).drop(columns=["rooms"])
    frame.to_csv(tmp_path / "rows.csv", index=False)

    with pytest.raises(DataValidationError) as caught:
        queue(factory, settings, tmp_path / "rows.csv")

    assert caught.value.message == (
        "the file lacks 2 of the model's 4 feature columns: area, rooms"
    )
    assert caught.value.details == [
        {"field": "area", "message": "missing column"},
        {"field": "rooms", "message": "missing column"},
        {"field": "Area", "message": "unknown column: not one the model was trained on"},
    ]
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_a_forecaster_is_refused_naming_the_models_that_can_batch(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    with factory.begin() as session:
        registry.define(session, name="walk", engine="naive", horizon=7, target={"tag": "x"})

    with factory() as session, pytest.raises(ModelNotTabularError) as caught:
        batch_predictions.resolve_model(session, get_store(settings), "walk")

    assert "batch prediction needs a tabular model" in caught.value.message
    assert caught.value.message.endswith("Tabular models: prices, tiers")


def test_an_unknown_model_is_a_404_and_no_champion_a_409(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    add_model(factory, settings, "unpromoted", regressor(), promote=False)
    store = get_store(settings)

    with factory() as session:
        with pytest.raises(ModelNotFoundError):
            batch_predictions.resolve_model(session, store, "nope")
        with pytest.raises(ChampionMissingError):
            batch_predictions.resolve_model(session, store, "unpromoted")
        assert batch_predictions.resolve_model(session, store, "unpromoted", 1).version == 1


def test_the_result_is_found_only_once_the_job_succeeded(
    factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    rows_to_predict(10).to_csv(tmp_path / "rows.csv", index=False)
    job = queue(factory, settings, tmp_path / "rows.csv")
    with factory.begin() as session:
        other = jobs.submit(session, kind="diagnostics.sleep", default_max_attempts=1)

    with factory() as session:
        with pytest.raises(JobStateError, match="queued"):
            batch_predictions.result_of(session, job.id)
        with pytest.raises(ResultNotFoundError, match=r"diagnostics\.sleep"):
            batch_predictions.result_of(session, other.id)

    result, _ = run(factory, settings, job)
    with factory.begin() as session:
        row = session.get(Job, job.id)
        assert row is not None
        row.state, row.result = JobState.SUCCEEDED, result
    with factory() as session:
        found = batch_predictions.result_of(session, job.id)
    assert isinstance(found, ResultFile)
    assert found.local_path == result_path(result)
    assert found.media_type == "application/vnd.apache.parquet"

    result_path(result).unlink()
    with factory() as session, pytest.raises(ResultNotFoundError, match="gone"):
        batch_predictions.result_of(session, job.id)
