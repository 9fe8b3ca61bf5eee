"""``preditiva models``: define, list and show models; promote, roll back and archive versions."""

import json
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from preditiva.cli import session as cli
from preditiva.cli.console import console, handles_errors
from preditiva.cli.jobs import _parse_params as parse_params
from preditiva.services import dispatch, model_jobs, model_views, registry
from preditiva.services.model_views import ModelView, Skill, VersionView

app = typer.Typer(
    help="Model registry: recipes, versions, champions, and each one's skill against naive.",
    no_args_is_help=True,
)

NameArg = Annotated[str, typer.Argument(help="Model name")]
VersionArg = Annotated[int, typer.Argument(help="Version number")]
AliasOpt = Annotated[str, typer.Option("--alias", help="Alias to move")]
SKILL_STYLE = {True: "green", False: "red"}


def skill_text(skill: Skill) -> str:
    """The verdict, green when the model beats naive, red when it loses, dim when unknown."""
    style = "dim" if skill.beats_naive is None else SKILL_STYLE[skill.beats_naive]
    share = skill.beats_naive_share
    extra = f"; beats naive on {share:.0%} of backtested series" if share is not None else ""
    return f"[{style}]{escape(skill.verdict + extra)}[/]"


def when(value: datetime | None) -> str:
    """A timestamp as the CLI prints it, or nothing."""
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def target_text(target: dict[str, Any]) -> str:
    """``tag phones``, ``series PETR4.SA`` or ``group stocks``."""
    return " ".join(f"{kind} {value}" for kind, value in target.items())


def _counts(metrics: dict[str, Any]) -> str:
    """``5 trained, 0 unchanged, 1 skipped, 0 failed`` when the version has those figures."""
    if "series" not in metrics:
        return ""
    return (
        f"{metrics.get('trained', 0)} trained, {metrics.get('carried_over', 0)} unchanged, "
        f"{metrics.get('skipped', 0)} skipped, {metrics.get('failed', 0)} failed"
    )


def _version_line(view: VersionView | None) -> str:
    """``v3 ready, trained 2026-01-02 10:00:00`` or ``none``."""
    if view is None:
        return "none"
    row = view.version
    trained = f", trained {when(row.trained_at)}" if row.trained_at else ""
    return f"v{row.version} {row.status}{trained}"


def _show(view: ModelView) -> None:
    """Print one model in full."""
    model = view.model
    shown = f" (v{view.skill_version})" if view.skill_version is not None else ""
    rows: list[tuple[str, str]] = [
        ("name", escape(model.name)),
        ("description", escape(model.description)),
        ("task", model.task),
        ("engine", model.engine),
        ("horizon", str(model.horizon)),
        ("target", escape(target_text(model.target))),
        ("params", escape(json.dumps(model.params))),
        ("aliases", ", ".join(f"{a} → v{n}" for a, n in view.aliases.items()) or "none"),
        ("champion", _version_line(view.champion)),
        ("latest", _version_line(view.latest)),
        ("skill vs naive", skill_text(view.skill) + shown),
    ]
    shown_version = view.champion or view.latest
    if shown_version is not None and _counts(shown_version.version.metrics):
        rows.append(("series", _counts(shown_version.version.metrics)))
    rows.append(("created_at", when(model.created_at)))
    table = Table(show_header=False, box=None)
    for name, value in rows:
        table.add_row(f"[bold]{name}[/]", value)
    console.print(table)


@app.command("list")
@handles_errors
def list_() -> None:
    """List models by name, each with its champion and its skill against naive."""
    with cli.session_scope() as session:
        views = model_views.list_models(session)
    table = Table("name", "engine", "horizon", "target", "champion", "skill vs naive", "trained")
    for view in views:
        champion = view.champion or view.latest
        label = "-" if view.champion is None else f"v{view.champion.version.version}"
        if view.champion is None and view.latest is not None:
            label = f"- (latest v{view.latest.version.version} {view.latest.version.status})"
        table.add_row(
            escape(view.model.name),
            view.model.engine,
            str(view.model.horizon),
            escape(target_text(view.model.target)),
            label,
            skill_text(view.skill),
            when(champion.version.trained_at) if champion else "",
        )
    console.print(table)


@app.command()
@handles_errors
def show(name: NameArg) -> None:
    """Show a model: recipe, aliases, champion, latest version and skill against naive."""
    with cli.session_scope() as session:
        view = model_views.model_view(session, name)
    _show(view)


@app.command()
@handles_errors
def versions(name: NameArg) -> None:
    """List a model's versions, oldest first, with their series, MASE and skill against naive."""
    with cli.session_scope() as session:
        views = model_views.version_views(session, name)
    table = Table(
        "version", "status", "aliases", "trained", "series", "MASE", "naive MASE", "skill vs naive"
    )
    for view in views:
        row = view.version
        mase, naive = row.metrics.get("mase"), row.metrics.get("naive_mase")
        table.add_row(
            f"v{row.version}",
            row.status,
            ", ".join(view.aliases),
            when(row.trained_at),
            _counts(row.metrics),
            "" if mase is None else f"{mase:.3f}",
            "" if naive is None else f"{naive:.3f}",
            skill_text(view.skill),
        )
    console.print(table)


@app.command()
@handles_errors
def define(
    name: NameArg,
    engine: Annotated[
        str | None,
        typer.Option(
            help="auto, naive, ets, theta, arima, … (forecast; default auto); "
            "linear, logistic, random_forest, lightgbm, … (other tasks; default lightgbm)"
        ),
    ] = None,
    horizon: Annotated[
        int | None, typer.Option(min=1, help="Steps ahead (default 30 for a forecast, else 1).")
    ] = None,
    task: Annotated[str, typer.Option(help="forecast, regression or classification.")] = "forecast",
    series: Annotated[str | None, typer.Option(help="Train on this one series.")] = None,
    tag: Annotated[str | None, typer.Option(help="Train on every series with this tag.")] = None,
    group: Annotated[
        str | None, typer.Option(help="Train on the group of series with this tag.")
    ] = None,
    dataset: Annotated[
        str | None, typer.Option(help="Train on this dataset (regression, classification).")
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="name=value (JSON value)")
    ] = None,
    description: Annotated[str, typer.Option(help="What the model is for.")] = "",
    train: Annotated[bool, typer.Option("--train", help="Submit its first training now.")] = False,
) -> None:
    """Define a model on one series (--series), a tag (--tag), a group or a dataset."""
    targets = (("series", series), ("tag", tag), ("group", group), ("dataset", dataset))
    given = {k: v for k, v in targets if v}
    if len(given) != 1:
        raise typer.BadParameter(
            "give exactly one of --series, --tag or --group, or --dataset for a regression "
            "or classification model"
        )
    settings = cli.settings()
    with cli.session_scope() as session:
        defined = model_jobs.define_model(
            session,
            name=name,
            engine=engine,
            horizon=horizon,
            target=given,
            params=parse_params(param or [], None),
            description=description,
            train=train,
            task=task,
            default_max_attempts=settings.max_attempts,
        )
        recipe = f"{defined.model.task}, {defined.model.engine}"
        if defined.model.task == "forecast" or "series" in given:
            recipe += f", horizon {defined.model.horizon}"
    console.print(f"defined model [bold]{escape(name)}[/] ({recipe}, {escape(target_text(given))})")
    if defined.job is not None:
        sent = dispatch.publish_jobs(cli.factory(), cli.celery(), [defined.job.id])
        console.print(
            f"training submitted as job [bold]{defined.job.id}[/]"
            + ("" if sent else " — broker down, stays queued")
            + f"; follow it with: preditiva jobs show {defined.job.id}"
        )


@app.command()
@handles_errors
def promote(name: NameArg, version: VersionArg, alias: AliasOpt = registry.CHAMPION) -> None:
    """Point an alias (champion by default) at a ready version."""
    with cli.session_scope() as session:
        row = registry.promote(session, name, version, alias=alias)
        view = model_views.version_view(session, row)
    console.print(f"{escape(name)} v{version} is now {escape(alias)}: {skill_text(view.skill)}")


@app.command()
@handles_errors
def rollback(name: NameArg, alias: AliasOpt = registry.CHAMPION) -> None:
    """Point an alias back at the version it pointed at before."""
    with cli.session_scope() as session:
        view = model_views.version_view(session, registry.rollback(session, name, alias=alias))
    console.print(
        f"{escape(alias)} of {escape(name)} rolled back to v{view.version.version}: "
        f"{skill_text(view.skill)}"
    )


@app.command()
@handles_errors
def archive(name: NameArg, version: VersionArg) -> None:
    """Archive a version no alias points at."""
    with cli.session_scope() as session:
        registry.archive(session, name, version)
    console.print(f"archived {escape(name)} v{version}")


@app.command()
@handles_errors
def fits(
    name: NameArg,
    ref: Annotated[str, typer.Argument(help="Version number or alias")] = registry.CHAMPION,
    status: Annotated[str | None, typer.Option(help="trained, skipped or failed")] = None,
    limit: Annotated[int, typer.Option(min=1, max=model_views.MAX_PAGE)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
) -> None:
    """List a version's series: how each ended, why it was skipped, its skill against naive."""
    if status not in (None, "trained", "skipped", "failed"):
        raise typer.BadParameter("--status must be trained, skipped or failed")
    with cli.session_scope() as session:
        page = model_views.fit_page(
            session, name, registry.version_ref(ref), status=status, limit=limit, offset=offset
        )
        table = Table("series", "status", "observations", "data end", "skill vs naive", "reason")
        for fit in page.items:
            table.add_row(
                escape(fit.series_key),
                fit.status + (" (unchanged)" if fit.carried_over else ""),
                str(fit.n_obs),
                when(fit.data_end),
                skill_text(model_views.fit_skill(fit)),
                escape(fit.reason or ""),
            )
    console.print(table)
    console.print(f"{len(page.items)} of {page.total} series")
