"""``preditiva doctor``: the configuration in use and whether each back end answers."""

import typer
from rich.markup import escape
from rich.table import Table

from preditiva import __version__
from preditiva.cli import session as cli
from preditiva.cli.console import EXIT_CODES, console
from preditiva.core.settings import redacted_url
from preditiva.services import health


def doctor() -> None:
    """Print the configuration and check the database, broker and workers (exit 5 if not ready)."""
    settings = cli.settings()
    config = Table("setting", title=f"Preditiva {__version__}")
    config.add_column("value", overflow="fold")
    config.add_row("home", str(settings.home))
    config.add_row("api", f"http://{settings.host}:{settings.port}")
    config.add_row("database", redacted_url(settings.effective_database_url))
    broker = (
        "embedded (files in home)" if settings.broker_is_embedded else settings.effective_broker_url
    )
    config.add_row("broker", redacted_url(broker))
    config.add_row("results", redacted_url(settings.effective_result_backend))
    config.add_row("log format", settings.log_format)
    console.print(config)
    result = health.readiness(cli.factory(), cli.celery(), settings)
    checks = Table("back end")
    checks.add_column("status", overflow="fold")
    for name, status in result.checks.items():
        checks.add_row(name, "[green]ok[/]" if status == "ok" else f"[red]{escape(status)}[/]")
    console.print(checks)
    if not result.ready:
        raise typer.Exit(EXIT_CODES[503])
