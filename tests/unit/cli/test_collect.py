"""``preditiva collect`` through Typer's runner, collecting in-process from local services."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from preditiva.services import series as series_service
from tests.support.backends import Backend, make_backend
from tests.support.cli import Invoke
from tests.support.fake_services import FakeServices, running_fake_services, settings_overrides


@pytest.fixture
def services() -> Iterator[FakeServices]:
    """Fake services for one test."""
    with running_fake_services() as services:
        yield services


@pytest.fixture
def platform(tmp_path: Path, services: FakeServices) -> Iterator[Backend]:
    """An embedded platform collecting from the fake services."""
    with make_backend("embedded", tmp_path / "home", **settings_overrides(services)) as backend:
        yield backend


def add(platform: Backend, key: str, source: str | None, tags: list[str] | None = None) -> None:
    with platform.factory.begin() as session:
        series_service.create(session, key=key, source=source, tags=tags)


def test_collect_shows_what_each_series_did(cli: Invoke, platform: Backend) -> None:
    add(platform, "PETR4.SA", "yahoo:PETR4.SA")
    add(platform, "FURADEIRA", 'mercadolivre:"furadeira bosch"')

    result = cli("collect")

    assert result.exit_code == 0, result.output
    assert "PETR4.SA" in result.output
    assert "FURADEIRA" in result.output
    assert "2 collected, 0 unchanged, 0 failed" in result.output


def test_collect_by_key_or_tag(cli: Invoke, platform: Backend) -> None:
    add(platform, "PETR4.SA", "yahoo:PETR4.SA", tags=["b3"])
    add(platform, "FURADEIRA", 'mercadolivre:"furadeira bosch"')

    by_key = cli("collect", "FURADEIRA")
    by_tag = cli("collect", "--tag", "b3")

    assert "1 collected, 0 unchanged, 0 failed" in by_key.output
    assert "FURADEIRA" in by_key.output and "PETR4.SA" not in by_key.output
    assert "1 collected, 0 unchanged, 0 failed" in by_tag.output
    assert "PETR4.SA" in by_tag.output and "FURADEIRA" not in by_tag.output


def test_a_failure_is_shown_and_exits_1(cli: Invoke, platform: Backend) -> None:
    add(platform, "PETR4.SA", "yahoo:PETR4.SA")
    add(platform, "DELISTED", "yahoo:NOPE3.SA")

    result = cli("collect")

    assert result.exit_code == 1
    assert "No data found, symbol may be delisted" in result.output
    assert "1 collected, 0 unchanged, 1 failed" in result.output


def test_nothing_to_collect_says_so(cli: Invoke) -> None:
    result = cli("collect")

    assert result.exit_code == 0
    assert "no series to collect" in result.output
