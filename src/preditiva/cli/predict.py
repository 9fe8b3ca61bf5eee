"""``preditiva predict MODEL FILE``: predict every row of a file with a worker, save the result."""

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from preditiva.cli import session as cli
from preditiva.cli.console import console, errors, handles_errors
from preditiva.cli.jobs import WAIT_TIMEOUT_EXIT
from preditiva.cli.jobs import _follow as follow
from preditiva.services import batch_predictions, dispatch, registry
from preditiva.services.batch_results import RESULT_FORMATS, ResultFormat, copy_result
from preditiva.storage.artifacts import get_store
from preditiva.storage.db.models.job import FINISHED_STATES

SHOWN_PROBLEMS = 5


def default_output(file: Path, fmt: ResultFormat) -> Path:
    """``prices.csv`` → ``prices.predictions.parquet`` beside it."""
    return file.with_name(f"{file.stem}.predictions.{fmt}")


def _print_result(result: dict[str, Any], output: Path) -> None:
    """Counts, speed, the first problems and where the file went."""
    console.print(
        f"[green]{result['rows']:,} rows[/] predicted by {escape(result['model'])} "
        f"v{result['version']} in {result['seconds']:.1f}s "
        f"({result['rows_per_second'] or 0:,.0f} rows/s) → [bold]{escape(str(output))}[/]"
    )
    if result["failed_rows"] or result["skipped_lines"]:
        console.print(f"[yellow]{escape(result['note'])}[/]")
    for problem in result["problems"][:SHOWN_PROBLEMS]:
        where = f"line {problem['line']}" if problem.get("line") else f"row {problem['row']}"
        console.print(f"  {where}: {escape(str(problem['error']))}")


def result_format(given: str | None, output: Path | None) -> ResultFormat:
    """``--format``, else the format ``--output``'s extension names, else Parquet."""
    if given is None and output is not None and output.suffix.lower() == ".csv":
        given = "csv"
    if given not in (None, *RESULT_FORMATS):
        raise typer.BadParameter("--format must be parquet or csv")
    return "csv" if given == "csv" else "parquet"


@handles_errors
def predict(
    model: Annotated[str, typer.Argument(metavar="MODEL", help="A tabular model's name.")],
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            metavar="FILE",
            help="A .csv or .parquet file with the model's feature columns.",
        ),
    ],
    version: Annotated[
        str | None, typer.Option(help="A version number or alias; champion by default.")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", dir_okay=False, help="Where to write the result file."),
    ] = None,
    format: Annotated[
        str | None,
        typer.Option(
            "--format", help="Result format, parquet or csv (default: --output's, else parquet)."
        ),
    ] = None,
    id_column: Annotated[
        str | None, typer.Option(help="Column copied into the result to name each row.")
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Follow the job and save its result.")
    ] = True,
    timeout: Annotated[
        float | None, typer.Option(help="Stop following after this many seconds.")
    ] = None,
) -> None:
    """Predict every row of FILE on a worker with a progress bar, then save the result file."""
    fmt = result_format(format, output)
    settings = cli.settings()
    store = get_store(settings)
    ref = registry.version_ref(version)
    with cli.session_scope() as session:
        chosen = batch_predictions.resolve_model(session, store, model, ref)
    target = batch_predictions.stage_copy(settings, file)
    try:
        with cli.session_scope() as session:
            job = batch_predictions.accept(
                session,
                target,
                settings=settings,
                model=chosen,
                filename=file.name,
                output=fmt,
                id_column=id_column,
            )
            job_id = job.id
    except BaseException:
        target.discard()
        raise
    sent = dispatch.publish_jobs(cli.factory(), cli.celery(), [job_id])
    console.print(
        f"predicting [bold]{escape(file.name)}[/] with {escape(model)} v{chosen.version} as "
        f"job {job_id}" + ("" if sent else " — broker down, stays queued")
    )
    if not wait:
        console.print(f"result: GET /v1/jobs/{job_id}/result once it succeeds")
        return
    final = follow(job_id, timeout)
    if final.state not in FINISHED_STATES:
        errors.print(f"still {final.state} after {timeout:g}s; follow it with jobs show {job_id}")
        raise typer.Exit(WAIT_TIMEOUT_EXIT)
    if final.state != "succeeded":
        errors.print(f"[bold red]prediction {final.state}:[/] {escape(final.error or '')}")
        raise typer.Exit(1)
    destination = output or default_output(file, fmt)
    with cli.session_scope() as session:
        found = batch_predictions.result_of(session, job_id)
    copy_result(found.uri, destination)
    result: dict[str, Any] = final.result if isinstance(final.result, dict) else {}
    _print_result(result, destination)
