"""What a kind of job is: its parameters, its body, and the context a body runs in."""

import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from preditiva.core.errors import JobParamsInvalidError
from preditiva.core.queues import queue_for
from preditiva.core.settings import Settings


class JobContext(Protocol):
    """What a running job can do: report progress, wait, notice cancellation, use the database."""

    job_id: uuid.UUID
    attempt: int
    settings: Settings

    def transaction(self) -> AbstractContextManager[Session]:
        """A session whose work is committed when the block ends (rolled back on error)."""

    def progress(self, fraction: float, message: str | None = None) -> None:
        """Record progress (0 to 1); raises JobCancelledError if a cancel was requested."""

    def sleep(self, seconds: float) -> None:
        """Wait, waking early (and raising JobCancelledError) if the job is cancelled."""

    def check_cancelled(self) -> None:
        """Raise JobCancelledError if a cancel was requested."""


@dataclass(frozen=True)
class JobKind:
    """A named kind of background work; its name is also its Celery task name."""

    name: str
    description: str
    params: type[BaseModel]
    run: Callable[[JobContext, Any], Any]
    max_attempts: int | None = None
    #: For kinds that fan out: decides the parent's outcome once its children are done,
    #: called as ``finish(session, settings, parent_job, child_counts_by_state)``.
    finish: Callable[[Session, Settings, Any, dict[str, int]], Any] | None = None

    @property
    def queue(self) -> str:
        """The queue this kind's messages go to."""
        return queue_for(self.name)

    def validate(self, params: dict[str, Any]) -> BaseModel:
        """Check raw parameters, naming each bad field as ``params.<field>``."""
        try:
            return self.params.model_validate(params)
        except ValidationError as exc:
            details = [
                {
                    "field": ".".join(["params", *(str(part) for part in error["loc"])]),
                    "message": error["msg"],
                }
                for error in exc.errors()
            ]
            summary = "; ".join(f"{d['field']}: {d['message']}" for d in details)
            raise JobParamsInvalidError(
                f"invalid parameters for {self.name}: {summary}", details=details
            ) from exc


@dataclass(frozen=True)
class AwaitChildren:
    """What a job body returns after submitting its children: wait for them."""

    message: str


@dataclass(frozen=True)
class Outcome:
    """How a parent ends, decided by its kind's ``finish`` hook."""

    state: Literal["succeeded", "failed", "cancelled"]
    result: Any = None
    error: str | None = None
    message: str | None = None
