"""``preditiva predict MODEL FILE`` in-process with no worker: checks, queueing, --no-wait."""

from pathlib import Path

import pytest
import typer

from preditiva.cli.predict import result_format
from preditiva.storage.db.models import Job
from tests.support.backends import Backend
from tests.support.batch_models import add_model, regressor, rows_to_predict
from tests.support.cli import Invoke


@pytest.fixture
def houses(platform: Backend, tmp_path: Path) -> Path:
    """The ``prices`` model on the platform, and a CSV of rows for it."""
    add_model(platform.factory, platform.settings, "prices", regressor())
    path = tmp_path / "houses.csv"
    rows_to_predict(20).to_csv(path, index=False)
    return path


def jobs_of(platform: Backend) -> list[Job]:
    with platform.factory() as session:
        return list(session.query(Job).all())


def test_no_wait_queues_the_job_and_says_where_the_result_will_be(
    cli: Invoke, platform: Backend, houses: Path
) -> None:
    outcome = cli("predict", "prices", str(houses), "--no-wait", "--format", "csv")

    assert outcome.exit_code == 0, outcome.output
    (job,) = jobs_of(platform)
    assert (job.kind, job.params["output"], job.params["version"]) == ("predict.batch", "csv", 1)
    assert f"GET /v1/jobs/{job.id}/result" in outcome.output
    assert (platform.settings.uploads_dir / job.params["path"]).is_file()
    assert houses.is_file()


def test_a_file_lacking_a_feature_exits_2_naming_it_and_queues_nothing(
    cli: Invoke, platform: Backend, houses: Path, tmp_path: Path
) -> None:
    partial = tmp_path / "partial.csv"
    rows_to_predict(5).drop(columns=["rooms"]).to_csv(partial, index=False)

    outcome = cli("predict", "prices", str(partial))

    assert outcome.exit_code == 2
    assert "lacks 1 of the model's 4 feature columns: rooms" in outcome.output
    assert jobs_of(platform) == []
    assert list(platform.settings.uploads_dir.iterdir()) == []


def test_an_unknown_model_exits_3(cli: Invoke, houses: Path) -> None:
    outcome = cli("predict", "nope", str(houses))

    assert outcome.exit_code == 3
    assert "no model named 'nope'" in outcome.output


def test_the_result_format_follows_the_output_name_unless_given() -> None:
    assert result_format(None, None) == "parquet"
    assert result_format(None, Path("out.CSV")) == "csv"
    assert result_format("parquet", Path("out.csv")) == "parquet"
    with pytest.raises(typer.BadParameter):
        result_format("xlsx", None)
