"""``predict.rows``: a prediction run by a worker, whose result is the synchronous answer.

``POST /v1/models/{name}/predict?mode=async`` checks what it can at once (the model, its
version, the fields and the row limit) and queues this job on the ``predict`` queue; the
worker loads the version's verified model (kept by SHA-256 per worker process) and stores
the same JSON the synchronous call answers as the job's result.
"""

import threading
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from preditiva.core.settings import Settings
from preditiva.services import predictions
from preditiva.services.forecast_cache import ModelCache
from preditiva.services.job_kind import JobContext, JobKind
from preditiva.services.prediction_inputs import PredictInput
from preditiva.services.registry import version_ref
from preditiva.storage.artifacts import get_store
from preditiva.storage.db.models import Job

_caches: dict[str, ModelCache] = {}
_caches_lock = threading.Lock()


class PredictParams(BaseModel):
    """Parameters of ``predict.rows``."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(description="Name of the model.")
    version: str | None = Field(None, description="A version number or alias; champion if unset.")
    input: PredictInput = Field(default_factory=PredictInput, description="The request body.")


def submit(
    session: Session,
    *,
    model: str,
    version: str | None,
    data: PredictInput,
    settings: Settings,
) -> Job:
    """Check the request against its version now (404/409/413/422), then queue the job."""
    from preditiva.services import jobs  # jobs → catalogue → this module: import when used

    resolved = predictions.resolve(session, model, version_ref(version))
    predictions.check_request(resolved, data, max_rows=settings.predict_max_rows)
    params = {"model": model, "version": version, "input": data.model_dump(exclude_none=True)}
    return jobs.submit(
        session,
        kind=PREDICT_ROWS.name,
        params=params,
        default_max_attempts=settings.max_attempts,
    )


def models_of(settings: Settings) -> ModelCache:
    """This process's cache of verified models for the settings' artifact store."""
    url = settings.effective_artifacts_url
    with _caches_lock:
        if url not in _caches:
            _caches[url] = ModelCache(get_store(settings), maxsize=8)
        return _caches[url]


def run_predict(ctx: JobContext, params: PredictParams) -> dict[str, Any]:
    """Answer the prediction as the synchronous call would."""
    with ctx.transaction() as session:
        resolved = predictions.resolve(session, params.model, version_ref(params.version))
        return predictions.predict(
            session,
            models_of(ctx.settings),
            resolved,
            params.input,
            max_rows=ctx.settings.predict_max_rows,
        )


PREDICT_ROWS = JobKind(
    name="predict.rows",
    description="Predict with a model version (the asynchronous POST /v1/models/{name}/predict).",
    params=PredictParams,
    run=run_predict,
)
