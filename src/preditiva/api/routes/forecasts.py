"""Forecasts: a stored series' (cached), an inline history's, a batch, and the forced reload.

Batch formats: JSON lines give one line per series, shaped like the single-series answer
(a series with no forecast gets ``{"series", "error"}`` instead), streamed as fits are read;
Parquet gives one row per (series, step), with model, version, cut-off and skill columns,
and leaves out series with no forecast (their count is in ``X-Forecast-Errors``).
"""

import io
from collections.abc import Iterator
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from preditiva.api.cached_reads import request_key
from preditiva.api.deps import SessionDep, SessionFactoryDep
from preditiva.api.forecast_serving import Encoded, ForecastServing, ServingDep, serving_lifespan
from preditiva.api.routes.series import MEDIA_TYPES
from preditiva.api.schemas.forecasts import (
    BatchErrorRead,
    ForecastRead,
    InlineForecastCreate,
    InlinePoint,
    ReloadRead,
)
from preditiva.core.errors import InvalidInputError
from preditiva.services import forecasts, inline_forecasts, registry
from preditiva.services.forecast_answers import ForecastAnswer, answer_frame, batch_frame
from preditiva.storage.db.engine import read_only

router = APIRouter(tags=["forecasts"], lifespan=serving_lifespan)

JSON = "application/json"
JSONL = "application/x-ndjson"
H_QUERY = Query(ge=1, le=forecasts.MAX_H, description="Steps; the stored horizon by default.")
LEVELS_HELP = "Interval levels in percent, comma-separated (e.g. 80,95); stored ones by default."
VERSION_HELP = "A version number or an alias; champion by default."


def parse_levels(text: str | None) -> tuple[int, ...] | None:
    """``"80,95"`` as ``(80, 95)``; a 422 naming the expected form otherwise."""
    if text is None or not text.strip():
        return None
    try:
        return tuple(sorted({int(part) for part in text.split(",")}))
    except ValueError:
        raise InvalidInputError(
            f"levels must be integers between 0 and 100 separated by commas (e.g. 80,95); "
            f"got {text!r}",
            details=[{"field": "levels", "message": "not a comma-separated list of integers"}],
        ) from None


def encode(answer: ForecastAnswer, format: str) -> Encoded:
    """The answer as JSON, CSV or Parquet bytes."""
    if format == "json":
        read = ForecastRead.model_validate(answer, from_attributes=True)
        return Encoded(read.model_dump_json().encode(), JSON)
    frame = answer_frame(answer)
    if format == "csv":
        return Encoded(frame.to_csv(index=False).encode(), MEDIA_TYPES["csv"])
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return Encoded(buffer.getvalue(), MEDIA_TYPES["parquet"])


def _answer(
    serving: ForecastServing,
    epoch: int,
    cache_key: tuple[object, ...],
    *,
    key: str,
    model: str | None,
    version: str | None,
    h: int | None,
    levels: tuple[int, ...] | None,
    format: str,
) -> Encoded:
    """Compute, encode and cache one series' answer (runs in the threadpool)."""
    with serving.factory() as session:
        read_only(session)
        answer = forecasts.series_forecast(
            session,
            serving.models,
            key=key,
            model=model,
            version=registry.version_ref(version),
            h=h,
            levels=levels,
        )
    encoded = encode(answer, format)
    serving.answers.put(cache_key, encoded, epoch=epoch)
    return encoded


@router.get(
    "/v1/series/{key}/forecast",
    response_model=ForecastRead,
    responses={200: {"content": {MEDIA_TYPES["csv"]: {}, MEDIA_TYPES["parquet"]: {}}}},
)
async def get_series_forecast(
    key: str,
    request: Request,
    serving: ServingDep,
    h: Annotated[int | None, H_QUERY] = None,
    levels: Annotated[str | None, Query(description=LEVELS_HELP)] = None,
    model: Annotated[str | None, Query(description="A model; the serving one by default.")] = None,
    version: Annotated[str | None, Query(description=VERSION_HELP)] = None,
    format: Literal["json", "csv", "parquet"] = "json",
) -> Response:
    """The series' forecast: points and intervals, model and version, cut-off, skill vs naive."""
    wanted = parse_levels(levels)
    await serving.ensure_fresh()
    epoch = serving.answers.epoch
    cache_key = (key, model, version, h, wanted, format)
    encoded = serving.answers.get(cache_key)
    if encoded is None:
        encoded = await run_in_threadpool(
            _answer,
            serving,
            epoch,
            cache_key,
            key=key,
            model=model,
            version=version,
            h=h,
            levels=wanted,
            format=format,
        )
    # the same request again is answered by ``CachedForecastReads``, before routing
    serving.answers.put(
        request_key(request.scope["path"], request.scope["query_string"]), encoded, epoch=epoch
    )
    return Response(encoded.body, media_type=encoded.media_type)


def _inline(body: InlineForecastCreate) -> ForecastAnswer:
    """Build the history and fit it (CPU work: runs in the threadpool)."""
    if isinstance(body.history[0], InlinePoint):
        points = [(p.ts, p.value) for p in body.history if isinstance(p, InlinePoint)]
        y = inline_forecasts.history_from_points(points)
    else:
        values = [float(v) for v in body.history if not isinstance(v, InlinePoint)]
        assert body.freq is not None
        y = inline_forecasts.history_from_values(values, freq=body.freq, start=body.start)
    return inline_forecasts.inline_forecast(
        y, h=body.h, levels=body.levels, engine=body.engine, freq=body.freq
    )


@router.post("/v1/forecast", response_model=ForecastRead)
async def post_inline_forecast(body: InlineForecastCreate) -> ForecastRead:
    """Fit a history sent in the request and forecast it (with the backtest when it allows)."""
    answer = await run_in_threadpool(_inline, body)
    return ForecastRead.model_validate(answer, from_attributes=True)


@router.get(
    "/v1/forecasts",
    responses={
        200: {
            "description": "JSON lines (one series a line) or Parquet (one row per series step)",
            "content": {JSONL: {}, MEDIA_TYPES["parquet"]: {}},
        }
    },
)
def list_forecasts(
    session: SessionDep,
    factory: SessionFactoryDep,
    tag: Annotated[str | None, Query(description="Series carrying this tag.")] = None,
    model: Annotated[str | None, Query(description="Only this model's series.")] = None,
    version: Annotated[str | None, Query(description=VERSION_HELP)] = None,
    h: Annotated[int | None, H_QUERY] = None,
    levels: Annotated[str | None, Query(description=LEVELS_HELP)] = None,
    format: Literal["jsonl", "parquet"] = "jsonl",
) -> Response:
    """Stored forecasts of many series at once (no model is loaded); see the module docstring."""
    wanted = parse_levels(levels)
    forecasts.check_request(h, wanted)
    plan = forecasts.plan_batch(
        session, tag=tag, model=model, version=registry.version_ref(version)
    )
    if format == "parquet":
        items = list(forecasts.batch_forecasts(session, plan, h=h, levels=wanted))
        answers = [item.answer for item in items if item.answer is not None]
        buffer = io.BytesIO()
        batch_frame(answers).to_parquet(buffer, index=False)
        errors = str(len(items) - len(answers))
        return Response(
            buffer.getvalue(),
            media_type=MEDIA_TYPES["parquet"],
            headers={"X-Forecast-Errors": errors},
        )

    def lines() -> Iterator[bytes]:
        with factory() as reader:
            read_only(reader)
            for item in forecasts.batch_forecasts(reader, plan, h=h, levels=wanted):
                if item.answer is not None:
                    read = ForecastRead.model_validate(item.answer, from_attributes=True)
                    yield read.model_dump_json().encode() + b"\n"
                else:
                    error = BatchErrorRead(series=item.series, error=item.error or {})
                    yield error.model_dump_json().encode() + b"\n"

    return StreamingResponse(lines(), media_type=JSONL)


@router.post("/v1/models/reload", response_model=ReloadRead)
async def reload_models(serving: ServingDep) -> ReloadRead:
    """Drop this process's cached forecasts and models now (others follow within seconds)."""
    generation = await run_in_threadpool(serving.reload)
    return ReloadRead(reloaded=True, generation=generation)
