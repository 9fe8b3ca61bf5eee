"""``preditiva schedules``: list, show, create, change, switch, delete and run schedules."""

import json
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from preditiva.cli import session as cli
from preditiva.cli.console import console, handles_errors
from preditiva.cli.jobs import _parse_params as parse_params
from preditiva.services import dispatch, schedules
from preditiva.storage.db.models import Schedule

app = typer.Typer(
    help="Periodic jobs kept in the database; the running scheduler sees edits within a second.",
    no_args_is_help=True,
)

NameArg = Annotated[str, typer.Argument(help="Schedule name")]
CronOpt = Annotated[str | None, typer.Option("--cron", help="Five-field cron, e.g. '0 */8 * * *'")]
EveryOpt = Annotated[
    float | None, typer.Option("--every", help="Interval in seconds (instead of --cron)")
]
ParamOpt = Annotated[
    list[str] | None, typer.Option("--param", "-p", help="name=value (JSON value)")
]
JsonOpt = Annotated[str | None, typer.Option("--json", help="All params as a JSON object")]


def _when(value: datetime | None) -> str:
    """A timestamp as the CLI prints it, or nothing."""
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M:%S UTC")


def _timing(schedule: Schedule) -> str:
    """When a schedule runs, in words."""
    if schedule.cron is not None:
        return f"cron {schedule.cron} ({schedule.timezone})"
    return f"every {schedule.interval_seconds:g} s"


def _show(schedule: Schedule) -> None:
    """Print one schedule in full."""
    table = Table(show_header=False, box=None)
    rows: list[tuple[str, Any]] = [
        ("name", schedule.name),
        ("description", schedule.description),
        ("kind", schedule.kind),
        ("params", json.dumps(schedule.params)),
        ("when", _timing(schedule)),
        ("enabled", "[green]yes[/]" if schedule.enabled else "[yellow]no[/]"),
        ("next_run_at", _when(schedule.next_run_at)),
        ("last_run_at", _when(schedule.last_run_at)),
        ("last_job_id", schedule.last_job_id or ""),
        ("created_at", _when(schedule.created_at)),
        ("updated_at", _when(schedule.updated_at)),
    ]
    for name, value in rows:
        table.add_row(f"[bold]{name}[/]", str(value))
    console.print(table)


@app.command("list")
@handles_errors
def list_(
    enabled: Annotated[
        bool | None, typer.Option("--enabled/--disabled", help="Only enabled or disabled ones")
    ] = None,
    kind: Annotated[str | None, typer.Option(help="Only this job kind")] = None,
) -> None:
    """List schedules by name, with their next and last runs."""
    with cli.session_scope() as session:
        rows = schedules.list_schedules(session, enabled=enabled, kind=kind)
    table = Table("name", "kind", "when", "enabled", "next run", "last run", "last job")
    for row in rows:
        table.add_row(
            row.name,
            row.kind,
            _timing(row),
            "yes" if row.enabled else "no",
            _when(row.next_run_at),
            _when(row.last_run_at),
            str(row.last_job_id or ""),
        )
    console.print(table)


@app.command()
@handles_errors
def show(name: NameArg) -> None:
    """Show one schedule in full."""
    with cli.session_scope() as session:
        schedule = schedules.get(session, name)
    _show(schedule)


@app.command()
@handles_errors
def create(
    name: NameArg,
    kind: Annotated[str, typer.Argument(help="Job kind, e.g. data.cleanup_observations")],
    cron: CronOpt = None,
    every: EveryOpt = None,
    timezone: Annotated[str, typer.Option(help="IANA time zone the cron is read in")] = "UTC",
    param: ParamOpt = None,
    json_params: JsonOpt = None,
    description: Annotated[str, typer.Option(help="What the schedule is for")] = "",
    disabled: Annotated[bool, typer.Option("--disabled", help="Create it switched off")] = False,
) -> None:
    """Create a schedule: a job kind with params, on --cron (in --timezone) or --every N s."""
    with cli.session_scope() as session:
        schedule = schedules.create(
            session,
            name=name,
            kind=kind,
            params=parse_params(param or [], json_params),
            cron=cron,
            interval_seconds=every,
            timezone=timezone,
            enabled=not disabled,
            description=description,
        )
    _show(schedule)


@app.command()
@handles_errors
def update(
    name: NameArg,
    kind: Annotated[str | None, typer.Option(help="New job kind")] = None,
    cron: CronOpt = None,
    every: EveryOpt = None,
    timezone: Annotated[str | None, typer.Option(help="New IANA time zone")] = None,
    param: ParamOpt = None,
    json_params: JsonOpt = None,
    description: Annotated[str | None, typer.Option(help="New description")] = None,
    rename: Annotated[str | None, typer.Option("--rename", help="New name")] = None,
) -> None:
    """Change a schedule; --param/--json replace all its params, --cron/--every its timing."""
    changes: dict[str, Any] = {
        field: value
        for field, value in (
            ("kind", kind),
            ("cron", cron),
            ("interval_seconds", every),
            ("timezone", timezone),
            ("description", description),
            ("name", rename),
        )
        if value is not None
    }
    if param or json_params:
        changes["params"] = parse_params(param or [], json_params)
    if not changes:
        raise typer.BadParameter("nothing to change; give at least one option")
    with cli.session_scope() as session:
        schedule = schedules.update(session, name, changes)
    _show(schedule)


@app.command()
@handles_errors
def enable(name: NameArg) -> None:
    """Switch a schedule on (its kind and params are checked first)."""
    with cli.session_scope() as session:
        schedule = schedules.enable(session, name)
    console.print(f"enabled {schedule.name}; next run {_when(schedule.next_run_at)}")


@app.command()
@handles_errors
def disable(name: NameArg) -> None:
    """Switch a schedule off."""
    with cli.session_scope() as session:
        schedule = schedules.disable(session, name)
    console.print(f"disabled {schedule.name}")


@app.command()
@handles_errors
def delete(name: NameArg) -> None:
    """Delete a schedule (the jobs it made stay)."""
    with cli.session_scope() as session:
        schedules.delete(session, name)
    console.print(f"deleted {name}")


@app.command()
@handles_errors
def run(name: NameArg) -> None:
    """Submit the schedule's job now, enabled or not."""
    settings = cli.settings()
    with cli.session_scope() as session:
        job = schedules.run_now(session, name, default_max_attempts=settings.max_attempts)
    sent = dispatch.publish_jobs(cli.factory(), cli.celery(), [job.id])
    console.print(
        f"submitted [bold]{job.id}[/] ({job.kind})"
        + ("" if sent else " — broker down, stays queued")
    )
