"""Running ``preditiva`` in-process through Typer's runner, on a test's settings."""

import os
from collections.abc import Callable

import pytest
from typer.testing import CliRunner, Result

from preditiva.cli.main import app
from preditiva.core.settings import Settings, get_settings
from tests.support.backends import env_for

Invoke = Callable[..., Result]

# Off a terminal Rich lays tables out in 80 columns; wide output keeps cells whole.
WIDE = {"COLUMNS": "200"}


def point_cli_at(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Invoke:
    """Give the CLI these settings through ``PREDITIVA_*`` variables; return an invoker."""
    env = env_for(settings)
    for name in list(os.environ):
        if name.startswith("PREDITIVA_") and name not in env:
            monkeypatch.delenv(name)
    for name, value in env.items():
        if name.startswith("PREDITIVA_"):
            monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    runner = CliRunner(env=WIDE)

    def invoke(*args: str) -> Result:
        return runner.invoke(app, list(args))

    return invoke
