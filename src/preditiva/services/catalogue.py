"""Every kind of job the platform knows, by name."""

from preditiva.core.errors import JobKindUnknownError
from preditiva.services import (
    batch_prediction_job,
    collection_jobs,
    diagnostics,
    import_job,
    predict_job,
    retention,
    synthetic,
    training,
)
from preditiva.services.job_kind import JobKind

KINDS: dict[str, JobKind] = {
    kind.name: kind
    for kind in (
        diagnostics.SLEEP,
        synthetic.GENERATE_SYNTHETIC,
        collection_jobs.COLLECT_ALL,
        collection_jobs.COLLECT_SERIES,
        retention.CLEANUP_OBSERVATIONS,
        import_job.IMPORT_FILE,
        training.TRAIN,
        training.TRAIN_CHUNK,
        predict_job.PREDICT_ROWS,
        batch_prediction_job.PREDICT_BATCH,
    )
}


def get_kind(name: str) -> JobKind:
    """Return the kind called ``name``, or raise a 422 naming the known ones."""
    try:
        return KINDS[name]
    except KeyError:
        known = ", ".join(sorted(KINDS))
        raise JobKindUnknownError(
            f"unknown job kind {name!r}; known kinds: {known}",
            details=[{"field": "kind", "message": f"must be one of: {known}"}],
        ) from None
