"""``preditiva datasets``: upload a tabular file with a target column, list and show datasets."""

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from preditiva.cli import session as cli
from preditiva.cli.console import EXIT_CODES, console, errors, handles_errors
from preditiva.core.errors import DataValidationError
from preditiva.services import datasets
from preditiva.storage.db.models import Dataset

app = typer.Typer(
    help="Tabular datasets (CSV or Parquet with a target column) for regression and "
    "classification models.",
    no_args_is_help=True,
)

ROLE_ORDER = ("target", "numeric", "categorical", "date", "ignored")
ROLE_STYLE = {"target": "bold", "ignored": "dim"}


def _when(row: Dataset) -> str:
    """When a version was uploaded, as the CLI prints it."""
    return row.created_at.strftime("%Y-%m-%d %H:%M:%S")


def _print_version(row: Dataset, shown: int) -> None:
    """Counts, columns by role and the first problems of one version."""
    console.print(
        f"[bold]{escape(row.name)}[/] v{row.version}: {row.task} on "
        f"[bold]{escape(row.target)}[/], from {escape(row.filename)} ({row.file_format})"
    )
    counts = Table(show_header=False, box=None)
    for label, value in (
        ("rows stored", f"{row.n_rows:,}"),
        ("rows rejected", f"{row.n_rejected:,}"),
        ("problems", f"{int(row.problems.get('total', 0)):,}"),
        ("fingerprint", row.fingerprint[:16]),
        ("uploaded", _when(row)),
    ):
        counts.add_row(label, value)
    console.print(counts)
    columns = Table("column", "role", "dtype", "missing", "distinct", "why ignored")
    ordered = sorted(row.schema["columns"], key=lambda c: ROLE_ORDER.index(c["role"]))
    for column in ordered:
        style = ROLE_STYLE.get(column["role"], "")
        role = f"[{style}]{column['role']}[/]" if style else column["role"]
        columns.add_row(
            escape(column["name"]),
            role,
            column["dtype"],
            f"{column['missing_share']:.1%}",
            f"{column['cardinality']:,}",
            escape(column["reason"] or ""),
        )
    console.print(columns)
    _print_problems(row.problems, shown)


def _print_problems(problems: dict[str, Any], shown: int) -> None:
    """The first ``shown`` problems and how many more there were."""
    items = problems.get("items", [])
    if not items or not shown:
        return
    table = Table("row", "column", "problem", title="problems (rows left out)")
    for problem in items[:shown]:
        row = "" if problem["row"] is None else str(problem["row"])
        table.add_row(row, escape(problem["field"] or ""), escape(problem["message"]))
    console.print(table)
    hidden = int(problems.get("total", 0)) - min(shown, len(items))
    if hidden > 0:
        console.print(f"… and {hidden:,} more problems")


@app.command()
@handles_errors
def upload(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, readable=True, metavar="FILE", help="A .csv or .parquet."
        ),
    ],
    name: Annotated[str, typer.Option(help="Dataset name (uploading it again: next version).")],
    target: Annotated[str, typer.Option(help="The column to predict.")],
    task: Annotated[
        str | None, typer.Option(help="regression or classification (inferred if not given).")
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Reject the whole file if any row has a problem.")
    ] = False,
    show_problems: Annotated[
        int, typer.Option(min=0, max=100, help="How many problems to list.")
    ] = 20,
) -> None:
    """Check a file and store its good rows as the next version of a dataset."""
    settings = cli.settings()
    try:
        with cli.session_scope() as session:
            row = datasets.create_dataset(
                session,
                settings,
                name=name,
                upload_path=file,
                filename=file.name,
                target=target,
                task=task,
                strict=strict,
            )
    except DataValidationError as exc:
        if not any("row" in detail for detail in exc.details):
            raise
        errors.print(f"[bold red]error:[/] {escape(exc.message)}")
        _print_problems({"items": exc.details, "total": len(exc.details)}, show_problems)
        raise typer.Exit(EXIT_CODES[exc.status_code]) from None
    _print_version(row, show_problems)


@app.command("list")
@handles_errors
def list_() -> None:
    """List datasets by name, each with its latest version."""
    with cli.session_scope() as session:
        table = Table(
            "name", "latest", "versions", "target", "task", "rows", "rejected", "uploaded"
        )
        for row, count in datasets.list_datasets(session):
            table.add_row(
                escape(row.name),
                f"v{row.version}",
                str(count),
                escape(row.target),
                row.task,
                f"{row.n_rows:,}",
                f"{row.n_rejected:,}",
                _when(row),
            )
    console.print(table)


@app.command()
@handles_errors
def show(
    name: Annotated[str, typer.Argument(help="Dataset name")],
    version: Annotated[int | None, typer.Option(min=1, help="Version (default: latest).")] = None,
    show_problems: Annotated[
        int, typer.Option(min=0, max=100, help="How many problems to list.")
    ] = 20,
) -> None:
    """Show a dataset version: counts, every column's role, the first problems."""
    with cli.session_scope() as session:
        row = datasets.get_dataset(session, name, version)
    _print_version(row, show_problems)
