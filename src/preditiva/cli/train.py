"""``preditiva train NAME``: train a model into a new version and follow it to the end."""

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from preditiva.cli import session as cli
from preditiva.cli.console import console, errors, handles_errors
from preditiva.cli.jobs import WAIT_TIMEOUT_EXIT
from preditiva.cli.jobs import _follow as follow
from preditiva.cli.models import skill_text
from preditiva.services import dispatch, model_jobs, model_views
from preditiva.services.training import DEFAULT_CHUNK
from preditiva.storage.db.models import Job
from preditiva.storage.db.models.job import FINISHED_STATES

SHOWN_PROBLEMS = 5


def _problems(result: dict[str, Any]) -> list[tuple[str, str]]:
    """``(series, why)`` of every skipped, then failed, series the summary lists."""
    skipped = [(p["series"], p.get("reason") or "") for p in result.get("skipped_series", [])]
    failed = [(p["series"], p.get("error") or "") for p in result.get("failed_series", [])]
    return skipped + failed


def print_summary(name: str, job: Job) -> None:
    """Counts, skill against naive and the first skipped or failed series of a training job."""
    result: dict[str, Any] = job.result if isinstance(job.result, dict) else {}
    if job.state == "succeeded" and "version" in result:
        promoted = " and promoted to champion" if result.get("promoted") else ", not promoted"
        console.print(f"[green]{escape(name)} v{result['version']} is ready[/]{promoted}")
    elif job.state != "succeeded":
        errors.print(f"[bold red]training {job.state}:[/] {escape(job.error or job.message or '')}")
    if "series" in result:
        counts = Table(show_header=False, box=None)
        for label, key in (
            ("series", "series"),
            ("trained", "trained"),
            ("unchanged", "carried_over"),
            ("skipped", "skipped"),
            ("failed", "failed"),
        ):
            counts.add_row(label, f"{result.get(key, 0):,}")
        console.print(counts)
        console.print(f"skill vs naive: {skill_text(model_views.skill_of(result))}")
    elif "skill_vs_baseline" in result:
        console.print(f"skill: {skill_text(model_views.skill_of(result))}")
    problems = _problems(result)
    for series, why in problems[:SHOWN_PROBLEMS]:
        console.print(f"  [yellow]{escape(series)}[/]: {escape(why)}")
    hidden = result.get("skipped", 0) + result.get("failed", 0) - min(len(problems), SHOWN_PROBLEMS)
    if hidden > 0 and "version" in result:
        console.print(f"  … and {hidden:,} more: preditiva models fits {name} {result['version']}")


@handles_errors
def train(
    name: Annotated[str, typer.Argument(help="Model name")],
    force: Annotated[
        bool, typer.Option("--force", help="Retrain series whose data did not change.")
    ] = False,
    promote: Annotated[
        bool, typer.Option("--promote/--no-promote", help="Make the new version champion.")
    ] = True,
    chunk_size: Annotated[
        int, typer.Option(min=1, max=10_000, help="Series per child job.")
    ] = DEFAULT_CHUNK,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Follow the job until it ends.")
    ] = True,
    timeout: Annotated[
        float | None, typer.Option(help="Stop following after this many seconds.")
    ] = None,
) -> None:
    """Train a model into a new version with a progress bar; exits 1 if training failed."""
    settings = cli.settings()
    with cli.session_scope() as session:
        job = model_jobs.submit_training(
            session,
            name,
            force=force,
            promote=promote,
            chunk_size=chunk_size,
            default_max_attempts=settings.max_attempts,
        )
    sent = dispatch.publish_jobs(cli.factory(), cli.celery(), [job.id])
    console.print(
        f"training [bold]{escape(name)}[/] as job {job.id}"
        + ("" if sent else " — broker down, stays queued")
    )
    if not wait:
        return
    final = follow(job.id, timeout)
    if final.state not in FINISHED_STATES:
        errors.print(f"still {final.state} after {timeout:g}s; follow it with jobs show {job.id}")
        raise typer.Exit(WAIT_TIMEOUT_EXIT)
    print_summary(name, final)
    if final.state != "succeeded":
        raise typer.Exit(1)
