"""Predictions: one model version's (cached, or as a job), and every model's of a series.

A repeated identical request is answered from the process's cache, keyed by the model, the
id of the version that answers and the digest of the canonical input; any registry change
(a promotion, a new version) empties it, like the cached forecasts. ``X-Cache`` says
``hit`` or ``miss``. A series-feature prediction of the stored series is never cached: it
reads observations, which change without a new version. A few rows to a loaded LightGBM
model (``predictions.answers_quickly``) are answered in the event loop, the rest in a thread.
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Request, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from preditiva.api.deps import SessionDep
from preditiva.api.forecast_serving import ServingDep
from preditiva.api.job_answers import publish_and_read
from preditiva.api.prediction_serving import JSON, PredictionServing, PredictionServingDep
from preditiva.api.schemas.jobs import JobRead
from preditiva.api.schemas.predictions import (
    PredictCreate,
    PredictionRead,
    SeriesPredictionsRead,
)
from preditiva.services import predict_job, predictions, series_predictions
from preditiva.services.prediction_inputs import INLINE_DIGEST_ITEMS, PredictInput
from preditiva.services.predictions import ResolvedVersion
from preditiva.services.registry import version_ref

router = APIRouter(tags=["predictions"])

VERSION_HELP = "A version number or an alias; champion by default."
MODE_HELP = "sync: answer now; async: 202 with a predict.rows job whose result is the answer."


def _submit(request: Request, name: str, version: str | None, data: PredictInput) -> JobRead:
    """Check and queue a ``predict.rows`` job, commit, publish (runs in the threadpool)."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    with factory() as session:
        job = predict_job.submit(
            session, model=name, version=version, data=data, settings=request.app.state.settings
        )
        session.commit()
        return publish_and_read(session, factory, request.app.state.celery, job.id)


async def _resolved(serving: PredictionServing, name: str, ref: int | str) -> ResolvedVersion:
    """The version that answers, from the cache or the database."""
    found = serving.versions.get((name, ref))
    if found is None:
        epoch = serving.versions.epoch
        found = await run_in_threadpool(serving.resolve, name, ref, epoch)
    return found


@router.post(
    "/v1/models/{name}/predict",
    response_model=PredictionRead,
    responses={
        202: {"model": JobRead, "description": "mode=async: the queued predict.rows job."},
        404: {"description": "No such model, version or series."},
        409: {"description": "No champion, or the version is not ready."},
        413: {"description": "More rows than PREDITIVA_PREDICT_MAX_ROWS."},
        422: {"description": "Bad rows or history: every problem listed in details."},
    },
)
async def predict(
    name: str,
    request: Request,
    serving: PredictionServingDep,
    body: Annotated[PredictCreate | None, Body()] = None,
    version: Annotated[str | None, Query(description=VERSION_HELP)] = None,
    mode: Annotated[Literal["sync", "async"], Query(description=MODE_HELP)] = "sync",
) -> Response:
    """Predict with the champion (or ``version``): rows, a history, or the stored series."""
    data: PredictInput = body or PredictInput()
    if mode == "async":
        job = await run_in_threadpool(_submit, request, name, version, data)
        return JSONResponse(job.model_dump(mode="json"), status_code=status.HTTP_202_ACCEPTED)
    await serving.ensure_fresh()
    answers_epoch = serving.answers.epoch
    resolved = await _resolved(serving, name, version_ref(version))
    predictions.check_request(resolved, data, max_rows=serving.settings.predict_max_rows)
    key: tuple[object, ...] | None = None
    if predictions.cacheable(resolved, data):
        digest = (
            data.digest()
            if data.size() <= INLINE_DIGEST_ITEMS
            else await run_in_threadpool(data.digest)
        )
        key = (resolved.model, resolved.version_id, digest)
        cached = serving.answers.get(key)
        if cached is not None:
            return Response(cached.body, media_type=JSON, headers={"X-Cache": "hit"})
    if predictions.answers_quickly(serving.models, resolved, data):
        encoded = serving.compute(resolved, data, key, answers_epoch)
    else:
        encoded = await run_in_threadpool(serving.compute, resolved, data, key, answers_epoch)
    return Response(encoded.body, media_type=JSON, headers={"X-Cache": "miss"})


@router.get("/v1/series/{key}/predictions", response_model=SeriesPredictionsRead)
def get_series_predictions(
    key: str, session: SessionDep, serving: ServingDep
) -> SeriesPredictionsRead:
    """Every series-feature model's prediction of the series, and its forecast, in one call."""
    answer = series_predictions.series_predictions(session, serving.models, key=key)
    return SeriesPredictionsRead.model_validate(answer)
