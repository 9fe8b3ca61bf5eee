"""``/v1/series``: the catalogue, and each series' observations in and out."""

import io
from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from preditiva.api.deps import SessionDep, SettingsDep
from preditiva.api.schemas.series import (
    ObservationBatch,
    ObservationOut,
    ObservationsRead,
    SeriesCreate,
    SeriesPage,
    SeriesRead,
    SeriesUpdate,
    WriteResult,
)
from preditiva.services import observations
from preditiva.services import series as series_service
from preditiva.services.observations import Point
from preditiva.storage.db.models import Series

router = APIRouter(prefix="/v1/series", tags=["series"])

MEDIA_TYPES = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}


def to_read(series: Series) -> SeriesRead:
    """The API view of a series."""
    return SeriesRead(
        key=series.key,
        name=series.name,
        kind=series.kind,
        currency=series.currency,
        unit=series.unit,
        frequency=series.frequency,
        tags=series.tags,
        metadata=series.meta,
        source=series.source,
        created_at=series.created_at,
        updated_at=series.updated_at,
        last_attempt_at=series.last_attempt_at,
        last_success_at=series.last_success_at,
        last_error=series.last_error,
        last_error_at=series.last_error_at,
        consecutive_failures=series.consecutive_failures,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SeriesRead)
def create_series(body: SeriesCreate, session: SessionDep) -> SeriesRead:
    """Add a series to the catalogue (409 if the key exists)."""
    fields = body.model_dump(exclude={"key", "tags", "metadata"})
    series = series_service.create(
        session, key=body.key, tags=body.tags, meta=body.metadata, **fields
    )
    session.commit()
    return to_read(series)


@router.get("", response_model=SeriesPage)
def list_series(
    session: SessionDep,
    settings: SettingsDep,
    tag: str | None = None,
    kind: str | None = None,
    q: Annotated[str | None, Query(description="Text in the key or name")] = None,
    stale: Annotated[
        bool, Query(description="Only collected series with no recent success")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=series_service.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> SeriesPage:
    """The catalogue, ordered by key, filtered by tag, kind, text or staleness."""
    page = series_service.search(
        session,
        tag=tag,
        kind=kind,
        text=q,
        stale=stale,
        stale_after=timedelta(hours=settings.stale_after_hours),
        limit=limit,
        offset=offset,
    )
    return SeriesPage(
        items=[to_read(s) for s in page.items], total=page.total, limit=limit, offset=offset
    )


@router.get("/{key}", response_model=SeriesRead)
def get_series(key: str, session: SessionDep) -> SeriesRead:
    """One series."""
    return to_read(series_service.get(session, key))


@router.patch("/{key}", response_model=SeriesRead)
def update_series(key: str, body: SeriesUpdate, session: SessionDep) -> SeriesRead:
    """Change some fields of a series."""
    fields = body.model_dump(exclude_unset=True, exclude={"tags", "metadata"})
    if "metadata" in body.model_fields_set:
        fields["meta"] = body.metadata or {}
    series = series_service.update(session, key, tags=body.tags, **fields)
    session.commit()
    return to_read(series)


@router.delete("/{key}", status_code=status.HTTP_204_NO_CONTENT)
def delete_series(key: str, session: SessionDep) -> Response:
    """Remove a series and all its observations."""
    series_service.delete(session, key)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{key}/observations", response_model=WriteResult)
def push_observations(key: str, body: ObservationBatch, session: SessionDep) -> WriteResult:
    """Upsert a batch on (ts, source): sending the same batch twice changes nothing."""
    series = series_service.get(session, key)
    points = [Point(**o.model_dump()) for o in body.observations]
    report = observations.write(
        session, series, points, source=body.source, is_synthetic=body.is_synthetic
    )
    session.commit()
    return WriteResult(received=report.received, written=report.written, unchanged=report.unchanged)


@router.get(
    "/{key}/observations",
    response_model=ObservationsRead,
    responses={200: {"content": {MEDIA_TYPES["csv"]: {}, MEDIA_TYPES["parquet"]: {}}}},
)
def read_observations(
    key: str,
    session: SessionDep,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    resample: Literal["day", "week", "month"] | None = None,
    how: Literal["last", "mean", "ohlc"] = "last",
    include_synthetic: bool = True,
    format: Literal["json", "csv", "parquet"] = "json",
) -> ObservationsRead | Response:
    """Observations in [from, to], optionally resampled, as JSON, CSV or Parquet."""
    series = series_service.get(session, key)
    frame = observations.read_frame(
        session,
        series,
        start=start,
        end=end,
        include_synthetic=include_synthetic,
        period=resample,
        how=how,
    )
    if format == "csv":
        return Response(frame.to_csv(index=False), media_type=MEDIA_TYPES["csv"])
    if format == "parquet":
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        return Response(buffer.getvalue(), media_type=MEDIA_TYPES["parquet"])
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    points = [ObservationOut.model_validate(record) for record in records]
    return ObservationsRead(
        key=series.key,
        resample=resample,
        how=how,
        include_synthetic=include_synthetic,
        count=len(points),
        synthetic_count=sum(p.is_synthetic for p in points),
        observations=points,
    )
