"""``preditiva migrate``, ``jobs`` and ``doctor`` through Typer's runner on an embedded platform."""

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select
from typer.testing import CliRunner, Result

from preditiva.cli.main import app
from preditiva.core.clock import utcnow
from preditiva.storage.db.engine import get_engine
from preditiva.storage.db.models import Job, JobState
from tests.support.backends import Backend, fast_settings
from tests.support.cli import Invoke, point_cli_at
from tests.support.platforms import running_platform

SLEEP = "diagnostics.sleep"


@pytest.fixture(scope="module")
def worked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    """An embedded platform with one real worker, shared by this module's --wait tests."""
    home = tmp_path_factory.mktemp("cli_worker")
    with running_platform("embedded", home, worker_name="cli@embedded") as (backend, _):
        yield backend


@pytest.fixture
def worker_cli(worked: Backend, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Run ``preditiva`` commands on the platform that has a worker."""
    return point_cli_at(monkeypatch, worked.settings)


def submitted_id(result: Result) -> uuid.UUID:
    """The job id a successful ``jobs submit`` or ``jobs retry`` printed."""
    assert result.exit_code == 0, result.output
    match = re.search(r"(?:submitted|retrying as) ([0-9a-f-]{36})", result.stdout)
    assert match, result.stdout
    return uuid.UUID(match.group(1))


def submit(cli: Invoke, *args: str) -> uuid.UUID:
    return submitted_id(cli("jobs", "submit", SLEEP, "-p", "seconds=0", *args))


def load(backend: Backend, job_id: uuid.UUID) -> Job:
    with backend.factory() as session:
        job = session.get(Job, job_id)
    assert job is not None, f"no job {job_id} in the database"
    return job


def table_rows(output: str) -> list[list[str]]:
    """The non-empty cells of each line of a boxed Rich table."""
    return [
        [cell.strip() for cell in re.split(r"[│┃|]", line) if cell.strip()]
        for line in output.splitlines()
        if re.search(r"[│┃|]", line)
    ]


def fields(output: str) -> dict[str, str]:
    """``name value`` lines of ``jobs show`` as a dict (empty values kept)."""
    shown = {}
    for line in output.splitlines():
        name, _, value = line.strip().partition(" ")
        if name:
            shown[name] = value.strip()
    return shown


def test_migrate_creates_the_schema_and_says_the_database_is_up_to_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restored_logging: None
) -> None:
    settings = fast_settings(tmp_path / "fresh")
    cli = point_cli_at(monkeypatch, settings)

    result = cli("migrate")

    assert result.exit_code == 0, result.output
    assert "database is up to date" in result.stdout
    assert inspect(get_engine(settings)).has_table("job")


def test_submit_prints_the_id_of_a_new_queued_job(cli: Invoke, platform: Backend) -> None:
    result = cli("jobs", "submit", SLEEP, "-p", "seconds=0", "-p", "steps=2")

    job = load(platform, submitted_id(result))
    assert job.state == JobState.QUEUED
    assert job.kind == SLEEP
    assert job.params["seconds"] == 0
    assert job.params["steps"] == 2


def test_submit_takes_params_as_one_json_object(cli: Invoke, platform: Backend) -> None:
    result = cli("jobs", "submit", SLEEP, "--json", '{"seconds": 1, "steps": 4}')

    job = load(platform, submitted_id(result))
    assert (job.params["seconds"], job.params["steps"]) == (1, 4)


def test_submit_with_an_invalid_param_exits_2_naming_the_field(
    cli: Invoke, platform: Backend
) -> None:
    result = cli("jobs", "submit", SLEEP, "-p", "seconds=-1")

    assert result.exit_code == 2
    assert "params.seconds" in result.stderr
    with platform.factory() as session:
        assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_submit_of_an_unknown_kind_exits_2_listing_the_known_ones(cli: Invoke) -> None:
    result = cli("jobs", "submit", "diagnostics.nope")

    assert result.exit_code == 2
    assert "unknown job kind 'diagnostics.nope'" in result.stderr
    assert SLEEP in result.stderr


def test_submit_with_a_param_lacking_equals_is_a_usage_error(cli: Invoke) -> None:
    result = cli("jobs", "submit", SLEEP, "-p", "seconds")

    assert result.exit_code == 2
    assert "Usage:" in result.stderr
    assert "must look like name=value" in result.stderr


def test_submit_with_json_that_is_not_an_object_is_a_usage_error(cli: Invoke) -> None:
    result = cli("jobs", "submit", SLEEP, "--json", "[1, 2]")

    assert result.exit_code == 2
    assert "--json" in result.stderr


def test_list_shows_submitted_jobs_newest_first(cli: Invoke) -> None:
    first, second = submit(cli), submit(cli)

    result = cli("jobs", "list")

    assert result.exit_code == 0, result.output
    ids = [row[0] for row in table_rows(result.stdout)[1:]]
    assert ids == [str(second), str(first)]


def test_list_filters_by_state(cli: Invoke) -> None:
    kept, cancelled = submit(cli), submit(cli)
    assert cli("jobs", "cancel", str(cancelled)).exit_code == 0

    result = cli("jobs", "list", "--state", "cancelled")

    assert result.exit_code == 0, result.output
    assert str(cancelled) in result.stdout
    assert str(kept) not in result.stdout


def test_list_with_an_unknown_state_exits_2(cli: Invoke) -> None:
    result = cli("jobs", "list", "--state", "sleeping")

    assert result.exit_code == 2
    assert "unknown state 'sleeping'" in result.stderr


def test_list_shows_whole_ids_in_80_columns(cli: Invoke) -> None:
    job_id = submit(cli)

    result = CliRunner(env={"COLUMNS": "80"}).invoke(app, ["jobs", "list"])

    assert str(job_id) in result.stdout


def test_show_prints_every_field_of_the_job(cli: Invoke) -> None:
    job_id = submit(cli, "-p", "steps=3")

    result = cli("jobs", "show", str(job_id))

    assert result.exit_code == 0, result.output
    shown = fields(result.stdout)
    assert shown["id"] == str(job_id)
    assert shown["kind"] == SLEEP
    assert shown["state"] == "queued"
    assert shown["progress"] == "0%"
    assert shown["attempts"] == "0"
    assert shown["max_attempts"] == "3"
    assert json.loads(shown["params"]) == {
        "seconds": 0.0,
        "steps": 3,
        "fail": False,
        "fail_attempts": 0,
    }
    assert {"worker", "dead_letter", "retry_of", "created_at", "result", "error"} <= set(shown)


def test_show_prints_an_error_holding_brackets_as_it_is(cli: Invoke, platform: Backend) -> None:
    job_id = submit(cli)
    with platform.factory.begin() as session:
        job = session.get(Job, job_id)
        assert job is not None
        job.state, job.finished_at = JobState.FAILED, utcnow()
        job.error = "ValueError: [/] is not a file name; try [name]"

    result = cli("jobs", "show", str(job_id))

    assert result.exit_code == 0, result.output
    assert fields(result.stdout)["error"] == "ValueError: [/] is not a file name; try [name]"


def test_show_of_an_unknown_id_exits_3(cli: Invoke) -> None:
    missing = uuid.uuid4()

    result = cli("jobs", "show", str(missing))

    assert result.exit_code == 3
    assert f"no job with id {missing}" in result.stderr


def test_show_of_something_not_a_uuid_says_it_is_not_a_job_id(cli: Invoke) -> None:
    result = cli("jobs", "show", "latest")

    assert result.exit_code == 2
    assert "'latest' is not a job id" in result.stderr
    assert "Traceback" not in result.output


def test_cancel_of_a_queued_job_cancels_it(cli: Invoke, platform: Backend) -> None:
    job_id = submit(cli)

    result = cli("jobs", "cancel", str(job_id))

    assert result.exit_code == 0, result.output
    assert f"cancelled {job_id}" in result.stdout
    job = load(platform, job_id)
    assert job.state == JobState.CANCELLED
    assert job.finished_at is not None


def test_cancel_of_a_cancelled_job_exits_4(cli: Invoke) -> None:
    job_id = submit(cli)
    assert cli("jobs", "cancel", str(job_id)).exit_code == 0

    result = cli("jobs", "cancel", str(job_id))

    assert result.exit_code == 4
    assert "already cancelled" in result.stderr


def test_retry_of_a_cancelled_job_submits_a_new_job_pointing_back(
    cli: Invoke, platform: Backend
) -> None:
    old = submit(cli, "-p", "steps=7")
    assert cli("jobs", "cancel", str(old)).exit_code == 0

    new = submitted_id(cli("jobs", "retry", str(old)))

    assert new != old
    job = load(platform, new)
    assert job.retry_of == old
    assert job.state == JobState.QUEUED
    assert job.params["steps"] == 7


def test_retry_of_a_queued_job_exits_4(cli: Invoke) -> None:
    result = cli("jobs", "retry", str(submit(cli)))

    assert result.exit_code == 4
    assert "only failed or cancelled jobs can be retried" in result.stderr


def test_discard_of_a_job_that_is_not_a_dead_letter_exits_4(cli: Invoke) -> None:
    result = cli("jobs", "discard", str(submit(cli)))

    assert result.exit_code == 4
    assert "is not a dead letter" in result.stderr


def test_discard_of_a_dead_letter_takes_it_off_the_list(cli: Invoke, platform: Backend) -> None:
    job_id = submit(cli)
    with platform.factory.begin() as session:
        job = session.get(Job, job_id)
        assert job is not None
        job.state, job.dead_letter, job.finished_at = JobState.FAILED, True, utcnow()
        job.attempts = job.max_attempts
    assert str(job_id) in cli("jobs", "list", "--dead-letter").stdout

    result = cli("jobs", "discard", str(job_id))

    assert result.exit_code == 0, result.output
    assert f"discarded dead letter {job_id}" in result.stdout
    job = load(platform, job_id)
    assert job.dead_letter is False
    assert job.state == JobState.FAILED
    assert str(job_id) not in cli("jobs", "list", "--dead-letter").stdout


def test_doctor_prints_the_configuration_and_a_line_per_back_end(
    cli: Invoke, platform: Backend
) -> None:
    result = cli("doctor")

    assert result.exit_code == 5, result.output  # no live worker: not ready
    rows = table_rows(result.stdout)
    settings = platform.settings
    assert ["home", str(settings.home)] in rows
    assert ["database", settings.effective_database_url] in rows
    assert ["broker", "embedded (files in home)"] in rows
    assert ["database", "ok"] in rows
    assert ["broker", "ok"] in rows
    workers = [row for row in rows if row[0] == "workers"]
    assert len(workers) == 1
    assert workers[0][1].startswith("no worker has sent a heartbeat")


def test_submit_wait_follows_the_job_until_it_succeeds(worker_cli: Invoke, worked: Backend) -> None:
    result = worker_cli(
        "jobs", "submit", SLEEP, "-p", "seconds=0.5", "-p", "steps=2", "--wait", "--timeout", "30"
    )

    assert result.exit_code == 0, result.output
    assert fields(result.stdout)["state"] == "succeeded"
    assert load(worked, submitted_id(result)).state == JobState.SUCCEEDED


def test_submit_wait_exits_1_when_the_job_fails(worker_cli: Invoke, worked: Backend) -> None:
    result = worker_cli(
        "jobs", "submit", SLEEP, "-p", "seconds=0", "-p", "fail=true", "--wait", "--timeout", "30"
    )

    assert result.exit_code == 1, result.output
    shown = fields(result.stdout)
    assert shown["state"] == "failed"
    assert "asked to fail" in shown["error"]
