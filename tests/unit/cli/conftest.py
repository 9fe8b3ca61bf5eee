"""The CLI's fixtures: an embedded platform and ``preditiva`` pointed at it."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from preditiva.core.settings import get_settings
from tests.support.backends import Backend, make_backend
from tests.support.cli import Invoke, point_cli_at


@pytest.fixture(autouse=True)
def settings_cache() -> Iterator[None]:
    """Leave no settings read from a test's environment behind in the cache."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Backend]:
    """A migrated embedded platform with no worker: commands run in-process, jobs stay queued."""
    with make_backend("embedded", tmp_path / "home") as backend:
        yield backend


@pytest.fixture
def cli(platform: Backend, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Run ``preditiva`` commands on ``platform``."""
    return point_cli_at(monkeypatch, platform.settings)
