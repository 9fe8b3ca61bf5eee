"""Schedule bodies."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

CRON_HELP = "Five-field cron (minute hour day-of-month month day-of-week) read in `timezone`."
INTERVAL_HELP = "Seconds between runs (at least 1); give this or `cron`, not both."


class ScheduleCreate(BaseModel):
    """A periodic job to add: exactly one of ``cron`` or ``interval_seconds``."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=200, examples=["nightly-cleanup"])
    kind: str = Field(..., min_length=1, max_length=100, examples=["data.cleanup_observations"])
    params: dict[str, Any] = Field(default_factory=dict, examples=[{"retention_days": 365}])
    cron: str | None = Field(None, max_length=200, description=CRON_HELP, examples=["0 3 * * *"])
    interval_seconds: float | None = Field(None, ge=1, description=INTERVAL_HELP)
    timezone: str = Field("UTC", max_length=64, examples=["America/Sao_Paulo"])
    enabled: bool = True
    description: str = Field("", max_length=2000)


class ScheduleUpdate(BaseModel):
    """Fields to change; omitted fields stay. Setting ``cron`` clears the interval and back."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)
    kind: str | None = Field(None, min_length=1, max_length=100)
    params: dict[str, Any] | None = None
    cron: str | None = Field(None, max_length=200, description=CRON_HELP)
    interval_seconds: float | None = Field(None, ge=1, description=INTERVAL_HELP)
    timezone: str | None = Field(None, max_length=64)
    enabled: bool | None = None
    description: str | None = Field(None, max_length=2000)


class ScheduleRead(BaseModel):
    """A schedule with when it last ran, which job that made, and when it runs next."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str
    kind: str
    params: dict[str, Any]
    cron: str | None
    interval_seconds: float | None
    timezone: str
    enabled: bool
    next_run_at: datetime | None
    last_run_at: datetime | None
    last_job_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class ScheduleList(BaseModel):
    """Every schedule, by name."""

    items: list[ScheduleRead]
