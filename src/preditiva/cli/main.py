"""The ``preditiva`` command: every command group in one Typer app."""

import typer

from preditiva.cli import collect, doctor, examples, imports, jobs, serve, up
from preditiva.cli import datasets as datasets_cli
from preditiva.cli import models as models_cli
from preditiva.cli import predict as predict_cli
from preditiva.cli import schedules as schedules_cli
from preditiva.cli import series as series_cli
from preditiva.cli import train as train_cli

app = typer.Typer(
    name="preditiva",
    help="Preditiva: price histories in, backtested models out, served over REST.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.command()(up.up)
app.command()(serve.migrate)
app.command()(serve.api)
app.command()(serve.worker)
app.command()(serve.beat)
app.command()(doctor.doctor)
app.add_typer(jobs.app, name="jobs")
app.add_typer(series_cli.app, name="series")
app.add_typer(schedules_cli.app, name="schedules")
app.command()(examples.synth)
app.command()(examples.demo)
app.command()(collect.collect)
app.command("import")(imports.import_)
app.add_typer(datasets_cli.app, name="datasets")
app.add_typer(models_cli.app, name="models")
app.command()(train_cli.train)
app.command()(predict_cli.predict)


def main() -> None:
    """Run the command line."""
    app()
