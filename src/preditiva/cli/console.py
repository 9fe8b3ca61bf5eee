"""Shared CLI plumbing: the Rich console and turning domain errors into exit codes."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from preditiva.core.errors import PreditivaError

console = Console()
errors = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")

EXIT_CODES = {404: 3, 409: 4, 422: 2, 503: 5}


@contextmanager
def domain_errors() -> Iterator[None]:
    """Print a domain error as one readable line and exit with its code."""
    try:
        yield
    except PreditivaError as exc:
        errors.print(f"[bold red]error:[/] {escape(exc.message)}")
        for detail in exc.details:
            line = f"{detail.get('field', '')}: {detail.get('message', '')}"
            if line not in exc.message:
                errors.print(f"  {escape(line)}")
        raise typer.Exit(EXIT_CODES.get(exc.status_code, 1)) from None


def handles_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a command so domain errors end it with a message, not a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with domain_errors():
            return func(*args, **kwargs)

    return wrapper


def progress_bar() -> Progress:
    """The progress bar every long command shows: what is happening, bar, %, time."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
