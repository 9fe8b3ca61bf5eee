"""``preditiva series``: the catalogue from the command line."""

from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.table import Table

from preditiva.cli import session as cli
from preditiva.cli.console import console, handles_errors
from preditiva.services import observations
from preditiva.services import series as series_service
from preditiva.storage.db.models import Series

app = typer.Typer(
    help="The series catalogue: create, list, show, change, delete.", no_args_is_help=True
)

TagOption = Annotated[list[str] | None, typer.Option("--tag", "-t", help="A tag (repeatable).")]


def _describe(series: Series) -> Table:
    table = Table(show_header=False, box=None)
    for name in (
        "key",
        "name",
        "kind",
        "currency",
        "unit",
        "frequency",
        "source",
        "last_success_at",
        "last_error",
        "consecutive_failures",
        "created_at",
    ):
        value = getattr(series, name)
        table.add_row(f"[bold]{name}[/]", "" if value is None else str(value))
    table.add_row("[bold]tags[/]", ", ".join(series.tags))
    table.add_row("[bold]metadata[/]", str(series.meta))
    return table


@app.command("list")
@handles_errors
def list_(
    tag: Annotated[str | None, typer.Option(help="Only series with this tag.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only series of this kind.")] = None,
    text: Annotated[str | None, typer.Option("--q", help="Text in the key or name.")] = None,
    stale: Annotated[
        bool, typer.Option(help="Only collected series with no recent success.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=series_service.MAX_PAGE)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
) -> None:
    """List series, ordered by key."""
    settings = cli.settings()
    with cli.session_scope() as session:
        page = series_service.search(
            session,
            tag=tag,
            kind=kind,
            text=text,
            stale=stale,
            limit=limit,
            offset=offset,
            stale_after=timedelta(hours=settings.stale_after_hours),
        )
        table = Table("key", "name", "kind", "frequency", "tags", "source", "last success")
        for s in page.items:
            table.add_row(
                s.key,
                s.name,
                s.kind,
                s.frequency or "",
                ", ".join(s.tags),
                s.source or "",
                str(s.last_success_at or ""),
            )
    console.print(table)
    console.print(f"{len(page.items)} of {page.total} series")


@app.command()
@handles_errors
def show(key: Annotated[str, typer.Argument(help="Series key")]) -> None:
    """Show one series."""
    with cli.session_scope() as session:
        console.print(_describe(series_service.get(session, key)))


@app.command()
@handles_errors
def create(
    key: Annotated[str, typer.Argument(help="Series key, e.g. PETR4.SA")],
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    kind: Annotated[str, typer.Option(help="price, demand, …")] = "price",
    currency: Annotated[str | None, typer.Option()] = None,
    unit: Annotated[str | None, typer.Option()] = None,
    frequency: Annotated[
        str | None, typer.Option(help="D, B, W, MS, …; detected if omitted")
    ] = None,
    source: Annotated[str | None, typer.Option(help="Collector, e.g. yahoo:PETR4.SA")] = None,
    tag: TagOption = None,
) -> None:
    """Add a series to the catalogue."""
    with cli.session_scope() as session:
        series = series_service.create(
            session,
            key=key,
            name=name,
            kind=kind,
            currency=currency,
            unit=unit,
            frequency=frequency,
            source=source,
            tags=tag or [],
        )
        console.print(f"created series [bold]{series.key}[/]")


@app.command()
@handles_errors
def update(
    key: Annotated[str, typer.Argument(help="Series key")],
    name: Annotated[str | None, typer.Option()] = None,
    kind: Annotated[str | None, typer.Option()] = None,
    currency: Annotated[str | None, typer.Option()] = None,
    unit: Annotated[str | None, typer.Option()] = None,
    frequency: Annotated[str | None, typer.Option()] = None,
    source: Annotated[str | None, typer.Option()] = None,
    tag: TagOption = None,
) -> None:
    """Change fields of a series (tags, when given, replace the old ones)."""
    given = {
        "name": name,
        "kind": kind,
        "currency": currency,
        "unit": unit,
        "frequency": frequency,
        "source": source,
    }
    with cli.session_scope() as session:
        series_service.update(
            session, key, tags=tag, **{k: v for k, v in given.items() if v is not None}
        )
    console.print(f"updated series [bold]{key}[/]")


@app.command()
@handles_errors
def delete(
    key: Annotated[str, typer.Argument(help="Series key")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Delete a series and all its observations."""
    if not yes:
        typer.confirm(f"Delete {key} and all its observations?", abort=True)
    with cli.session_scope() as session:
        series_service.delete(session, key)
    console.print(f"deleted series [bold]{key}[/]")


@app.command("observations")
@handles_errors
def observations_(
    key: Annotated[str, typer.Argument(help="Series key")],
    start: Annotated[datetime | None, typer.Option("--from", help="First timestamp.")] = None,
    end: Annotated[datetime | None, typer.Option("--to", help="Last timestamp.")] = None,
    resample: Annotated[str | None, typer.Option(help="day, week or month")] = None,
    how: Annotated[str, typer.Option(help="last, mean or ohlc")] = "last",
    real_only: Annotated[
        bool, typer.Option("--real-only", help="Leave out synthetic points.")
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write .csv or .parquet.")
    ] = None,
) -> None:
    """Show (or save) a series' observations."""
    if resample not in (None, "day", "week", "month"):
        raise typer.BadParameter("--resample must be day, week or month")
    if how not in ("last", "mean", "ohlc"):
        raise typer.BadParameter("--how must be last, mean or ohlc")
    period: Literal["day", "week", "month"] | None = resample  # type: ignore[assignment]
    aggregation: Literal["last", "mean", "ohlc"] = how  # type: ignore[assignment]
    with cli.session_scope() as session:
        frame = observations.read_frame(
            session,
            series_service.get(session, key),
            start=start,
            end=end,
            include_synthetic=not real_only,
            period=period,
            how=aggregation,
        )
    if output is not None:
        if output.suffix == ".parquet":
            frame.to_parquet(output, index=False)
        else:
            frame.to_csv(output, index=False)
        console.print(f"wrote {len(frame)} rows to {output}")
        return
    if not frame.empty and (frame["ts"].dt.normalize() == frame["ts"]).all():
        frame["ts"] = frame["ts"].dt.strftime("%Y-%m-%d")
    table = Table(*[str(c) for c in frame.columns])
    for row in frame.tail(50).itertuples(index=False):
        table.add_row(*["" if v is None or v != v else str(v) for v in row])
    console.print(table)
    console.print(f"{len(frame)} observations (last 50 shown)")
