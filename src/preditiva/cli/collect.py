"""``preditiva collect``: collect series from their sources now, in this process."""

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from preditiva.cli import session as cli
from preditiva.cli.console import console, handles_errors
from preditiva.services import collection

STATUS_STYLE = {"collected": "green", "unchanged": "dim", "failed": "red"}


@handles_errors
def collect(
    keys: Annotated[
        list[str] | None,
        typer.Argument(metavar="KEY", help="Series keys (default: every series with a source)"),
    ] = None,
    tag: Annotated[str | None, typer.Option(help="Only the series with this tag.")] = None,
) -> None:
    """Collect series from their sources with a progress bar, then show what each did.

    Exits 1 when any series failed (its error is in the table and in its health fields).
    """
    settings = cli.settings()
    with (
        collection.open_collectors(settings) as collectors,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("collecting", total=None)

        def advance(outcome: collection.SeriesOutcome, done: int, total: int) -> None:
            """Move the bar on by one series."""
            progress.update(task, total=total, completed=done, description=outcome.key)

        report = collection.collect_batch(
            cli.factory().begin,
            collectors,
            tag=tag,
            keys=keys or None,
            concurrency=settings.collector_concurrency,
            on_outcome=advance,
        )
    if not report.outcomes:
        console.print("no series to collect (none has a source)")
        return
    table = Table("series", "status", "points", "written", "error")
    for outcome in report.outcomes:
        style = STATUS_STYLE[outcome.status]
        table.add_row(
            outcome.key,
            f"[{style}]{outcome.status}[/]",
            str(outcome.received),
            str(outcome.written),
            outcome.error or "",
        )
    console.print(table)
    console.print(
        f"{report.count('collected')} collected, {report.count('unchanged')} unchanged, "
        f"{report.count('failed')} failed"
    )
    if report.count("failed"):
        raise typer.Exit(1)
