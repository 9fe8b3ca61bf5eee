"""``preditiva synth`` and ``preditiva demo``: put example data in the catalogue."""

from typing import Annotated

import typer
from pydantic import ValidationError

from preditiva.cli import session as cli
from preditiva.cli.console import console, handles_errors, progress_bar
from preditiva.services import demo as demo_service
from preditiva.services import series as series_service
from preditiva.services import synthetic


@handles_errors
def synth(
    key: Annotated[str | None, typer.Argument(help="Series key (or use --tag)")] = None,
    tag: Annotated[str | None, typer.Option(help="Fill every series with this tag.")] = None,
    periods: Annotated[int, typer.Option(min=2, help="Points to generate.")] = 365,
    seed: Annotated[int, typer.Option(help="Same seed, same history.")] = 42,
) -> None:
    """Generate plausible history (trend, seasonality, promotions, noise), marked synthetic."""
    try:
        params = synthetic.SyntheticParams(key=key, tag=tag, periods=periods, seed=seed)
    except ValidationError:
        raise typer.BadParameter("give a series KEY or --tag, not both") from None
    with cli.session_scope() as session:
        keys = [series.key for series in synthetic.targets(session, params)]
    with progress_bar() as progress:
        task = progress.add_task("generating", total=len(keys))
        for key_ in keys:
            with cli.session_scope() as session:
                report = synthetic.fill(session, series_service.get(session, key_), params)
            progress.advance(task)
            console.print(
                f"{report.key}: {report.written} synthetic points "
                f"from {report.start:%Y-%m-%d} to {report.end:%Y-%m-%d}"
            )


@handles_errors
def demo() -> None:
    """Load the real demo excerpt: stocks, Texas house prices, Australian retail (72 series)."""
    with console.status("loading demo data…"), cli.session_scope() as session:
        report = demo_service.load(session)
    console.print(
        f"demo loaded: {report.series_created} new series of {report.series_total}, "
        f"{report.rows_written} of {report.rows_total} rows written (tag: demo)"
    )
