"""Diagnostic job kinds, for smoke tests and for checking a deployment end to end."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from preditiva.core.errors import PreditivaError, TransientJobError
from preditiva.services.job_kind import JobContext, JobKind


class DiagnosticFailureError(PreditivaError):
    """The failure a diagnostic job was asked to produce."""

    code = "diagnostic_failure"


class SleepParams(BaseModel):
    """Parameters of ``diagnostics.sleep``."""

    model_config = ConfigDict(extra="forbid")

    seconds: float = Field(1.0, ge=0, le=86_400, description="Total time to sleep.")
    steps: int = Field(10, ge=1, le=10_000, description="Progress steps over that time.")
    fail: bool | Literal["transient"] = Field(
        False, description="true: fail for good; 'transient': fail every attempt, retried."
    )
    fail_attempts: int = Field(
        0, ge=0, le=100, description="Fail transiently on this many first attempts, then succeed."
    )


def sleep(ctx: JobContext, params: SleepParams) -> dict[str, Any]:
    """Sleep in steps, reporting progress, then succeed or fail as asked."""
    step = params.seconds / params.steps
    for index in range(params.steps):
        ctx.sleep(step)
        ctx.progress((index + 1) / params.steps, f"step {index + 1} of {params.steps}")
    if ctx.attempt <= params.fail_attempts or params.fail == "transient":
        raise TransientJobError(f"asked to fail transiently (attempt {ctx.attempt})")
    if params.fail is True:
        raise DiagnosticFailureError("asked to fail")
    return {"slept": params.seconds, "steps": params.steps, "attempt": ctx.attempt}


SLEEP = JobKind(
    name="diagnostics.sleep",
    description="Sleep in steps with progress; can fail on purpose. For smoke tests.",
    params=SleepParams,
    run=sleep,
)
