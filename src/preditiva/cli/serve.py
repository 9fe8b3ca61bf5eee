"""Long-running processes: ``api``, ``worker``, ``beat``, and ``migrate``."""

import os
import socket
import sys
from typing import Annotated

import typer

from preditiva.cli.console import console, handles_errors
from preditiva.core import embedded_broker
from preditiva.core.logging import configure_logging
from preditiva.core.queues import QUEUES
from preditiva.core.settings import Settings, get_settings, redacted_url
from preditiva.services.schedules import ensure_defaults
from preditiva.services.workers import list_workers
from preditiva.storage.db.engine import get_session_factory
from preditiva.storage.db.migrate import upgrade

TASKS_APP = "preditiva.tasks"
SCHEDULER = "preditiva.tasks.scheduler:DatabaseScheduler"


@handles_errors
def migrate() -> None:
    """Apply database migrations (safe to run any number of times)."""
    settings = get_settings()
    configure_logging(settings, process="migrate")
    upgrade(settings.effective_database_url)
    created = install_default_schedules(settings)
    console.print(
        f"[green]database is up to date[/] ({redacted_url(settings.effective_database_url)})"
    )
    if created:
        console.print(f"default schedules added, disabled: {', '.join(created)}")


def install_default_schedules(settings: Settings) -> list[str]:
    """Create the missing default schedules (disabled); return the names created."""
    with get_session_factory(settings).begin() as session:
        return [schedule.name for schedule in ensure_defaults(session)]


def api(
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            "-w",
            min=1,
            envvar="PREDITIVA_API_WORKERS",
            help="API processes sharing the port, each with its own caches (one per core).",
        ),
    ] = 1,
) -> None:
    """Serve the REST API with uvicorn on PREDITIVA_HOST:PREDITIVA_PORT."""
    import uvicorn

    settings = get_settings()
    configure_logging(settings, process="api")
    uvicorn.run(
        "preditiva.api.app:create_served_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_config=None,
        access_log=False,
    )


def worker(
    queues: Annotated[
        str, typer.Option("--queues", "-Q", help="Comma-separated queues to consume.")
    ] = ",".join(QUEUES),
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", "-c", help="Worker processes.")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", "-n", help="Worker name (default: queues@host).")
    ] = None,
    pool: Annotated[str, typer.Option(help="Celery pool: prefork, threads or solo.")] = "prefork",
) -> None:
    """Run a Celery worker consuming the given queues."""
    settings = get_settings()
    unknown = sorted(set(queues.split(",")) - set(QUEUES))
    if unknown:
        raise typer.BadParameter(f"unknown queues {unknown}; known: {', '.join(QUEUES)}")
    prune_embedded_broker(settings)
    processes = concurrency or settings.worker_concurrency or os.cpu_count() or 1
    node = name or f"worker-{os.getpid()}@{socket.gethostname()}"
    run_celery(
        "worker",
        "--queues",
        queues,
        "--concurrency",
        str(processes),
        "--hostname",
        node,
        "--pool",
        pool,
        "--loglevel",
        settings.log_level,
        "--without-gossip",
        "--without-mingle",
    )


def run_celery(*args: str) -> None:
    """Run Celery's own command line on the ``preditiva.tasks`` app (loaded by name)."""
    from celery.bin.celery import main as celery_main

    sys.argv = ["celery", "--app", TASKS_APP, *args]
    celery_main()


def prune_embedded_broker(settings: Settings) -> None:
    """Forget embedded-broker queues of processes that are gone (keeps live workers')."""
    if not settings.broker_is_embedded:
        return
    with get_session_factory(settings)() as session:
        alive = {w.name for w in list_workers(session, timeout=settings.worker_timeout)}
    embedded_broker.prune(settings, keep_nodes=alive)


def beat() -> None:
    """Run the scheduler (Celery beat) and the dispatch sweeper."""
    settings = get_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    run_celery(
        "beat",
        "--scheduler",
        SCHEDULER,
        "--schedule",
        str(settings.home / "beat-schedule"),
        "--loglevel",
        settings.log_level,
    )
