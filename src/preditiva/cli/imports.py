"""``preditiva import FILE``: load a CSV or Parquet price file into the configured database."""

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from preditiva.cli import session as cli
from preditiva.cli.console import console, handles_errors, progress_bar
from preditiva.services.imports import DEFAULT_SOURCE, ImportOptions, ImportReport, run_import

OUTCOME_STYLE = {
    "loaded": "green",
    "partial": "yellow",
    "rejected": "red",
    "nothing_loaded": "red",
}
FAILED_OUTCOMES = ("rejected", "nothing_loaded")
EXIT_NOT_LOADED = 2


def _print_report(report: ImportReport, shown: int) -> None:
    """Print the counts and the first problems of an import."""
    style = OUTCOME_STYLE[report.outcome]
    console.print(
        f"[bold]{report.file}[/] ({report.format}, {report.shape} format): "
        f"[{style}]{report.outcome.replace('_', ' ')}[/] in {report.seconds:.1f}s"
    )
    counts = Table(show_header=False, box=None)
    for label, value in (
        ("rows in file", report.file_rows),
        ("observations read", report.rows_read),
        ("written (new or changed)", report.rows_written),
        ("unchanged", report.rows_unchanged),
        ("rejected", report.rows_rejected),
        ("series created", report.series_created),
        ("problems", report.problem_count),
    ):
        counts.add_row(label, f"{value:,}")
    console.print(counts)
    if report.ignored_columns:
        console.print(f"ignored columns: {', '.join(report.ignored_columns)}")
    if report.outcome == "rejected":
        console.print("[red]strict mode: the file had problems, so nothing was written[/]")
    if not report.problems or not shown:
        return
    problems = Table("row", "column", "problem", title="problems")
    for problem in report.problems[:shown]:
        row = "" if problem["row"] is None else str(problem["row"])
        problems.add_row(row, problem["column"] or "", problem["message"])
    console.print(problems)
    hidden = report.problem_count - min(shown, len(report.problems))
    if hidden > 0:
        console.print(f"… and {hidden:,} more problems")


@handles_errors
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            metavar="FILE",
            help="A .csv or .parquet price file.",
        ),
    ],
    strict: Annotated[
        bool, typer.Option("--strict", help="Reject the whole file if any row has a problem.")
    ] = False,
    create_series: Annotated[
        bool, typer.Option("--create-series", help="Create series the file names but lacks.")
    ] = False,
    source: Annotated[
        str, typer.Option("--source", help="Source recorded on the observations.")
    ] = DEFAULT_SOURCE,
    chunk_rows: Annotated[
        int | None, typer.Option(min=1, help="Rows checked at a time (default from settings).")
    ] = None,
    show_problems: Annotated[
        int, typer.Option(min=0, max=100, help="How many problems to list.")
    ] = 20,
) -> None:
    """Import prices from a CSV or Parquet file, long or wide; exits 2 if nothing loaded."""
    if not 1 <= len(source) <= 100:
        raise typer.BadParameter("--source must be 1 to 100 characters")
    settings = cli.settings()
    options = ImportOptions(
        strict=strict,
        create_series=create_series,
        source=source,
        chunk_rows=chunk_rows or settings.import_chunk_rows,
    )
    with progress_bar() as bar:
        task = bar.add_task(f"checking {file.name}", total=1.0)

        def progress(fraction: float, message: str | None) -> None:
            """Move the bar."""
            bar.update(task, completed=fraction, description=message or file.name)

        report = run_import(
            file,
            transaction=cli.factory().begin,
            options=options,
            staging_dir=settings.uploads_dir,
            filename=file.name,
            progress=progress,
        )
        bar.update(task, completed=1.0)
    _print_report(report, show_problems)
    if report.outcome in FAILED_OUTCOMES:
        raise typer.Exit(EXIT_NOT_LOADED)
