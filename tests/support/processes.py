"""Real worker processes for tests: started in their own session, always cleaned up."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.clock import utcnow
from preditiva.storage.db.models import Worker


def wait_until(
    predicate: Callable[[], bool], *, timeout: float, what: str, log: Path | None = None
) -> None:
    """Poll ``predicate`` until it holds; fail with ``what`` (and a log tail) after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    tail = ""
    if log is not None and log.exists():
        tail = "\n--- log tail ---\n" + "\n".join(
            log.read_text(errors="replace").splitlines()[-40:]
        )
    raise AssertionError(f"timed out after {timeout}s waiting for {what}{tail}")


class PreditivaProcess:
    """A ``python -m preditiva <args>`` child with its own log file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args = args
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "PreditivaProcess":
        """Start the child in a new session (signals to the test runner do not reach it)."""
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "preditiva", *self.args],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        """The child's pid."""
        assert self.process is not None
        return self.process.pid

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM the main process, wait, then kill the whole group whatever happened."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout)
        self.kill()
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL the child and everything in its session."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


class WorkerProcess(PreditivaProcess):
    """A real Celery worker started through ``preditiva worker``."""

    def __init__(self, env: dict[str, str], log: Path, *, name: str, concurrency: int = 2) -> None:
        super().__init__(["worker", "--concurrency", str(concurrency), "--name", name], env, log)
        self.name = name

    def wait_ready(self, factory: sessionmaker[Session], timeout: float = 40.0) -> None:
        """Wait for this worker's first heartbeat."""

        def beating() -> bool:
            with factory() as session:
                row = session.get(Worker, self.name)
                return (
                    row is not None
                    and row.stopped_at is None
                    and ((utcnow() - row.heartbeat_at).total_seconds() < 5)
                )

        wait_until(beating, timeout=timeout, what=f"worker {self.name} to heartbeat", log=self.log)
