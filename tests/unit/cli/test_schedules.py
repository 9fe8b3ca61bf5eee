"""``preditiva schedules`` and the defaults ``migrate`` adds, through Typer's runner."""

import re
import uuid

import pytest

from preditiva.services import schedules
from preditiva.storage.db.models import Job, JobState
from tests.support.backends import Backend
from tests.support.cli import Invoke

pytestmark = pytest.mark.usefixtures("restored_logging")


def test_migrate_adds_the_three_defaults_disabled_and_only_once(
    cli: Invoke, platform: Backend
) -> None:
    first = cli("migrate")
    assert first.exit_code == 0, first.output
    assert "collect-all, market-prices, observation-cleanup" in first.stdout.replace("\n", " ")
    again = cli("migrate")
    assert again.exit_code == 0 and "default schedules added" not in again.stdout
    with platform.factory() as session:
        rows = schedules.list_schedules(session)
    assert [(s.name, s.enabled) for s in rows] == [
        ("collect-all", False),
        ("market-prices", False),
        ("observation-cleanup", False),
    ]


def test_create_then_list_shows_the_schedule_and_its_next_run(cli: Invoke) -> None:
    created = cli(
        "schedules",
        "create",
        "hourly",
        "diagnostics.sleep",
        "--cron",
        "0 * * * *",
        "-p",
        "seconds=0",
        "--timezone",
        "America/Sao_Paulo",
    )
    assert created.exit_code == 0, created.output
    listed = cli("schedules", "list")
    line = next(row for row in listed.stdout.splitlines() if "hourly" in row)
    assert "cron 0 * * * * (America/Sao_Paulo)" in line
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:00:00 UTC", line)


def test_bad_cron_exits_2_naming_the_cron_field(cli: Invoke) -> None:
    result = cli("schedules", "create", "bad", "diagnostics.sleep", "--cron", "0 25 * * *")
    assert result.exit_code == 2
    assert "cron:" in result.stderr


def test_enable_then_disable_a_default(cli: Invoke) -> None:
    assert cli("migrate").exit_code == 0
    enabled = cli("schedules", "enable", "observation-cleanup")
    assert enabled.exit_code == 0, enabled.output
    assert "next run" in enabled.stdout and "03:00:00 UTC" in enabled.stdout
    assert cli("schedules", "disable", "observation-cleanup").exit_code == 0


def test_run_submits_the_job_now(cli: Invoke, platform: Backend) -> None:
    assert cli("migrate").exit_code == 0
    result = cli("schedules", "run", "observation-cleanup")
    assert result.exit_code == 0, result.output
    match = re.search(r"submitted ([0-9a-f-]{36})", result.stdout)
    assert match, result.stdout
    with platform.factory() as session:
        job = session.get(Job, uuid.UUID(match.group(1)))
        assert job is not None
        assert (job.kind, job.state) == ("data.cleanup_observations", JobState.QUEUED)


def test_unknown_schedule_exits_3(cli: Invoke) -> None:
    assert cli("schedules", "delete", "ghost").exit_code == 3
