"""Job bodies."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class JobCreate(BaseModel):
    """A job to submit."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(..., min_length=1, max_length=100, examples=["diagnostics.sleep"])
    params: dict[str, Any] = Field(default_factory=dict, examples=[{"seconds": 2, "steps": 4}])


class JobRead(BaseModel):
    """A job as stored: its state, progress, result or error."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    state: str
    progress: float
    message: str | None
    params: dict[str, Any]
    result: Any | None
    error: str | None
    attempts: int
    max_attempts: int
    queue: str
    worker: str | None
    published: bool
    cancel_requested: bool
    dead_letter: bool
    parent_id: uuid.UUID | None
    retry_of: uuid.UUID | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    run_after: datetime | None


class JobPage(BaseModel):
    """A page of jobs, newest first; pass ``next_cursor`` as ``cursor`` for the next."""

    items: list[JobRead]
    next_cursor: str | None


class JobKindRead(BaseModel):
    """A kind of job that can be submitted, with the JSON schema of its params."""

    name: str
    description: str
    queue: str
    params_schema: dict[str, Any]


class QueueRead(BaseModel):
    """Work held by one queue."""

    name: str
    queued: int
    running: int
    failed_last_hour: int


class WorkerRead(BaseModel):
    """A worker from its own heartbeats."""

    name: str
    hostname: str
    pid: int
    queues: list[str]
    concurrency: int
    started_at: datetime
    heartbeat_at: datetime
    alive: bool
    running_jobs: list[str]
