"""``preditiva up``: migrate, then run the API, a worker and the scheduler until Ctrl-C."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from types import FrameType
from typing import Annotated

import httpx
import typer
from rich.panel import Panel

from preditiva.cli.console import console, errors, handles_errors
from preditiva.cli.examples import demo as load_demo
from preditiva.cli.serve import install_default_schedules, prune_embedded_broker
from preditiva.core.errors import PreditivaError
from preditiva.core.settings import Settings, get_settings, redacted_url
from preditiva.storage.db.migrate import upgrade

STOP_GRACE_SECONDS = 10.0
MAX_RESTARTS = 5


class PortInUseError(PreditivaError):
    """The API port is taken by another program."""

    status_code = 409
    code = "port_in_use"


@dataclass
class Child:
    """One supervised process, started in its own session so Ctrl-C reaches only ``up``."""

    name: str
    args: list[str]
    process: subprocess.Popen[bytes] | None = None
    restarts: list[float] = field(default_factory=list)

    def start(self) -> None:
        """Start (or restart) the process."""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "preditiva", *self.args], start_new_session=True
        )

    def exited(self) -> int | None:
        """The exit code if the process has ended."""
        return None if self.process is None else self.process.poll()

    def terminate(self) -> None:
        """Ask the process (its main pid only) to shut down cleanly."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def kill_group(self) -> None:
        """Kill whatever is left of the process and its children."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def _check_port(settings: Settings) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((settings.host, settings.port))
        except OSError:
            raise PortInUseError(
                f"port {settings.port} on {settings.host} is in use; "
                "stop the other program or set PREDITIVA_PORT"
            ) from None


def _banner(settings: Settings) -> None:
    base = f"http://{settings.host}:{settings.port}"
    broker = (
        "embedded" if settings.broker_is_embedded else redacted_url(settings.effective_broker_url)
    )
    console.print(
        Panel.fit(
            f"API      {base}\nDocs     {base}/docs\nReady    {base}/ready\n"
            f"Home     {settings.home}\nDatabase {redacted_url(settings.effective_database_url)}\n"
            f"Broker   {broker}\n\nReal example data: preditiva demo (or make up ARGS=--demo)"
            "\nPress Ctrl-C to stop.",
            title="Preditiva is starting",
        )
    )


def _wait_ready(settings: Settings, announced: bool) -> bool:
    if announced:
        return True
    try:
        httpx.get(f"http://{settings.host}:{settings.port}/health", timeout=0.5).raise_for_status()
    except httpx.HTTPError:
        return False
    console.print(f"[green]API is up:[/] http://{settings.host}:{settings.port}/docs")
    return True


def _supervise(children: list[Child], settings: Settings, stopping: list[bool]) -> int:
    announced = False
    while not stopping:
        time.sleep(0.3)
        announced = _wait_ready(settings, announced)
        for child in children:
            code = child.exited()
            if code is None or stopping:
                continue
            now = time.monotonic()
            child.restarts = [t for t in child.restarts if now - t < 60] + [now]
            if len(child.restarts) > MAX_RESTARTS:
                errors.print(f"[red]{child.name} keeps exiting (code {code}); stopping[/]")
                return 1
            errors.print(f"[yellow]{child.name} exited with code {code}; restarting[/]")
            child.start()
    return 0


def _shutdown(children: list[Child]) -> None:
    console.print("stopping…")
    for child in children:
        child.terminate()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        while child.exited() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        if child.exited() is None:
            errors.print(f"[yellow]{child.name} did not stop in time; killing it[/]")
        child.kill_group()
    console.print("stopped.")


@handles_errors
def up(
    demo: Annotated[
        bool, typer.Option("--demo", help="Load the real demo data (72 series) first.")
    ] = False,
) -> None:
    """Migrate the database, then run the API, one worker and the scheduler until Ctrl-C."""
    settings = get_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    _check_port(settings)
    upgrade(settings.effective_database_url)
    install_default_schedules(settings)
    if demo:
        load_demo()
    prune_embedded_broker(settings)
    children = [Child("api", ["api"]), Child("worker", ["worker"]), Child("scheduler", ["beat"])]
    stopping: list[bool] = []

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        stopping.append(True)

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    _banner(settings)
    for child in children:
        child.start()
    code = 1
    try:
        code = _supervise(children, settings, stopping)
    finally:
        _shutdown(children)
    if code:
        raise SystemExit(code)
