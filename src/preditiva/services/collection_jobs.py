"""The collection job kinds: ``data.collect_all`` and ``data.collect_series``."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from preditiva.core.errors import TransientJobError
from preditiva.services import collection
from preditiva.services.job_kind import JobContext, JobKind


class CollectAllParams(BaseModel):
    """Parameters of ``data.collect_all``: every series with a source, or a tag's, or some keys."""

    model_config = ConfigDict(extra="forbid")

    tag: str | None = Field(None, description="Only the series with this tag.")
    keys: list[str] | None = Field(
        None, description="Only these series (with a tag too: those of them that have it)."
    )


class CollectSeriesParams(BaseModel):
    """Parameters of ``data.collect_series``."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(..., min_length=1, description="The series to collect.")


def collect_all(ctx: JobContext, params: CollectAllParams) -> dict[str, Any]:
    """Collect the chosen series, with progress per series; returns the per-series report."""

    def progress(outcome: collection.SeriesOutcome, done: int, total: int) -> None:
        """Report one more series done."""
        ctx.progress(done / total, f"{done}/{total} {outcome.key}: {outcome.status}")

    with collection.open_collectors(ctx.settings, sleep=ctx.sleep) as collectors:
        report = collection.collect_batch(
            ctx.transaction,
            collectors,
            tag=params.tag,
            keys=params.keys,
            concurrency=ctx.settings.collector_concurrency,
            on_outcome=progress,
        )
    if not report.outcomes:
        ctx.progress(1.0, "no series to collect")
    return report.as_dict()


def collect_series(ctx: JobContext, params: CollectSeriesParams) -> dict[str, Any]:
    """Collect one series; a failure fails the job (network trouble is retried later)."""
    with collection.open_collectors(ctx.settings, sleep=ctx.sleep) as collectors:
        outcome = collection.collect_one(ctx.transaction, collectors, params.key)
    ctx.progress(1.0, f"{outcome.key}: {outcome.status}")
    if outcome.status != "failed":
        return outcome.as_dict()
    if outcome.transient:
        raise TransientJobError(outcome.error or "collection failed") from outcome.exception
    if outcome.exception is not None:
        raise outcome.exception
    raise RuntimeError(outcome.error)


COLLECT_ALL = JobKind(
    name="data.collect_all",
    description="Collect every series with a source (or a tag's, or some keys) and report each.",
    params=CollectAllParams,
    run=collect_all,
)
COLLECT_SERIES = JobKind(
    name="data.collect_series",
    description="Collect one series from its source and record its collector health.",
    params=CollectSeriesParams,
    run=collect_series,
)
