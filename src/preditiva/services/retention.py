"""The ``data.cleanup_observations`` job kind: delete observations older than a retention period.

Only real observations are deleted unless ``include_synthetic`` is set. Synthetic history
is generated on purpose to fill the past (it is old by construction) and ``preditiva synth``
would only write it again, so a nightly clean-up must not fight it. Each series is cleaned
in its own short transaction, so a large clean-up never holds the database for long, reports
progress per series and stops between series when cancelled.
"""

from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from preditiva.core.clock import utcnow
from preditiva.services.job_kind import JobContext, JobKind
from preditiva.storage.db.repositories import observation_retention as retention_repo


class CleanupParams(BaseModel):
    """Parameters of ``data.cleanup_observations``."""

    model_config = ConfigDict(extra="forbid")

    retention_days: int = Field(
        ..., ge=1, le=36_500, description="Delete observations older than this many days."
    )
    tag: str | None = Field(
        None, min_length=1, description="Only series with this tag; every series when null."
    )
    include_synthetic: bool = Field(
        False, description="Also delete synthetic observations (kept by default)."
    )


def cleanup_observations(ctx: JobContext, params: CleanupParams) -> dict[str, Any]:
    """Delete old observations series by series; report how many rows went."""
    cutoff = utcnow() - timedelta(days=params.retention_days)
    with ctx.transaction() as session:
        ids = list(retention_repo.series_ids(session, tag=params.tag))
    deleted = 0
    for index, series_id in enumerate(ids, start=1):
        with ctx.transaction() as session:
            deleted += retention_repo.delete_before(
                session, series_id, cutoff, include_synthetic=params.include_synthetic
            )
        ctx.progress(index / len(ids), f"{deleted} deleted from {index} of {len(ids)} series")
    if not ids:
        ctx.progress(1.0, "no series to clean")
    return {
        "deleted": deleted,
        "series": len(ids),
        "cutoff": cutoff.isoformat(),
        "tag": params.tag,
        "include_synthetic": params.include_synthetic,
    }


CLEANUP_OBSERVATIONS = JobKind(
    name="data.cleanup_observations",
    description="Delete observations older than retention_days (synthetic ones are kept).",
    params=CleanupParams,
    run=cleanup_observations,
)
