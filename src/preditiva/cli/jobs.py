"""``preditiva jobs``: list, show, submit, cancel, retry and discard background jobs."""

import json
import time
import uuid
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from preditiva.cli import session as cli
from preditiva.cli.console import console, errors, handles_errors, progress_bar
from preditiva.services import dispatch, jobs
from preditiva.storage.db.models import Job
from preditiva.storage.db.models.job import FINISHED_STATES
from preditiva.storage.db.repositories.jobs import JobFilter

app = typer.Typer(help="Background jobs: submit, follow, cancel, retry.", no_args_is_help=True)

#: Exit code of ``submit --wait`` when the job has not ended by ``--timeout`` (as timeout(1)).
WAIT_TIMEOUT_EXIT = 124

STATE_STYLE = {
    "queued": "yellow",
    "running": "cyan",
    "succeeded": "green",
    "failed": "red",
    "cancelled": "magenta",
}


def _job_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a job id (a UUID)") from None


def _parse_params(pairs: list[str], raw_json: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if raw_json:
        try:
            parsed = json.loads(raw_json)
        except json.JSONDecodeError as exc:
            raise typer.BadParameter(f"--json is not valid JSON: {exc}") from None
        if not isinstance(parsed, dict):
            raise typer.BadParameter("--json must be a JSON object, like '{\"seconds\": 2}'")
        params.update(parsed)
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise typer.BadParameter(f"--param {pair!r} must look like name=value")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return params


def _state(job: Job) -> str:
    return f"[{STATE_STYLE.get(job.state, 'white')}]{job.state}[/]"


def _show(job: Job) -> None:
    table = Table(show_header=False, box=None)
    for name in (
        "id",
        "kind",
        "state",
        "progress",
        "message",
        "queue",
        "attempts",
        "max_attempts",
        "worker",
        "dead_letter",
        "parent_id",
        "retry_of",
        "created_at",
        "started_at",
        "finished_at",
        "params",
        "result",
        "error",
    ):
        value: Any = getattr(job, name)
        if name == "state":
            value = _state(job)
        elif name == "progress":
            value = f"{job.progress:.0%}"
        elif name in ("params", "result") and value is not None:
            value = json.dumps(value)
        text = "" if value is None else str(value)
        table.add_row(f"[bold]{name}[/]", text if name == "state" else escape(text))
    console.print(table)


def _follow(job_id: uuid.UUID, timeout: float | None) -> Job:
    deadline = None if timeout is None else time.monotonic() + timeout
    with progress_bar() as progress:
        task = progress.add_task("queued", total=1.0)
        while True:
            with cli.session_scope() as session:
                job = jobs.get(session, job_id)
            progress.update(
                task,
                completed=job.progress,
                description=escape(f"{job.state}: {job.message or ''}"),
            )
            if job.state in FINISHED_STATES:
                return job
            if deadline is not None and time.monotonic() > deadline:
                return job
            time.sleep(0.25)


@app.command("list")
@handles_errors
def list_(
    state: Annotated[
        str | None, typer.Option(help="queued, running, succeeded, failed, cancelled")
    ] = None,
    kind: Annotated[str | None, typer.Option(help="Job kind, e.g. diagnostics.sleep")] = None,
    queue: Annotated[str | None, typer.Option(help="Queue name")] = None,
    dead_letter: Annotated[bool, typer.Option("--dead-letter", help="Only dead letters")] = False,
    limit: Annotated[int, typer.Option(min=1, max=jobs.MAX_PAGE)] = 20,
    cursor: Annotated[str | None, typer.Option(help="next_cursor of a previous page")] = None,
) -> None:
    """List jobs, newest first."""
    where = JobFilter(
        state=state, kind=kind, queue=queue, dead_letter=True if dead_letter else None
    )
    with cli.session_scope() as session:
        page = jobs.list_jobs(session, where=where, limit=limit, cursor=cursor)
    table = Table()
    table.add_column("id", no_wrap=True, min_width=36)
    for column in ("kind", "state", "progress", "queue", "attempts", "created", "message"):
        table.add_column(column)
    for job in page.items:
        table.add_row(
            str(job.id),
            escape(job.kind),
            _state(job),
            f"{job.progress:.0%}",
            job.queue,
            str(job.attempts),
            job.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            escape(job.message or ""),
        )
    console.print(table)
    if page.next_cursor:
        console.print(f"more: --cursor {page.next_cursor}")


@app.command()
@handles_errors
def show(job_id: Annotated[str, typer.Argument(help="Job id")]) -> None:
    """Show one job in full."""
    with cli.session_scope() as session:
        job = jobs.get(session, _job_id(job_id))
    _show(job)


@app.command()
@handles_errors
def submit(
    kind: Annotated[str, typer.Argument(help="Job kind, e.g. diagnostics.sleep")],
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="name=value (JSON value)")
    ] = None,
    json_params: Annotated[
        str | None, typer.Option("--json", help="All params as a JSON object")
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait", "-w", help="Follow progress until it ends")
    ] = False,
    timeout: Annotated[
        float | None, typer.Option(help="Stop waiting after this many seconds")
    ] = None,
) -> None:
    """Submit a job; with --wait, follow its progress bar until it ends."""
    settings = cli.settings()
    params = _parse_params(param or [], json_params)
    with cli.session_scope() as session:
        job = jobs.submit(
            session, kind=kind, params=params, default_max_attempts=settings.max_attempts
        )
    sent = dispatch.publish_jobs(cli.factory(), cli.celery(), [job.id])
    console.print(
        f"submitted [bold]{job.id}[/] ({kind})" + ("" if sent else " — broker down, stays queued")
    )
    if wait:
        final = _follow(job.id, timeout)
        _show(final)
        if final.state not in FINISHED_STATES:
            errors.print(f"still {final.state} after {timeout:g}s; follow it with jobs show")
            raise typer.Exit(WAIT_TIMEOUT_EXIT)
        if final.state != "succeeded":
            raise typer.Exit(1)


@app.command()
@handles_errors
def cancel(job_id: Annotated[str, typer.Argument(help="Job id")]) -> None:
    """Cancel a queued job, or ask a running one to stop."""
    with cli.session_scope() as session:
        job = jobs.cancel(session, _job_id(job_id))
    verb = "cancelled" if job.state == "cancelled" else "cancel requested for"
    console.print(f"{verb} {job.id}")


@app.command()
@handles_errors
def retry(
    job_id: Annotated[str, typer.Argument(help="Job id of a failed or cancelled job")],
) -> None:
    """Run a failed or cancelled job again, as a new job."""
    settings = cli.settings()
    with cli.session_scope() as session:
        job = jobs.retry(session, _job_id(job_id), default_max_attempts=settings.max_attempts)
    dispatch.publish_jobs(cli.factory(), cli.celery(), [job.id])
    console.print(f"retrying as [bold]{job.id}[/]")


@app.command()
@handles_errors
def discard(job_id: Annotated[str, typer.Argument(help="Job id of a dead letter")]) -> None:
    """Take a dead letter off the dead-letter list."""
    with cli.session_scope() as session:
        job = jobs.discard(session, _job_id(job_id))
    console.print(f"discarded dead letter {job.id}")
