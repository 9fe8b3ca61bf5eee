"""Series and observation bodies."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

FREQUENCY_HELP = "pandas alias: h, D, B, W, MS, QS, YS; detected from the data when omitted"


class SeriesCreate(BaseModel):
    """A series to add to the catalogue."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(..., min_length=1, max_length=200, examples=["PETR4.SA"])
    name: str | None = Field(None, max_length=300, examples=["Petrobras PN"])
    kind: str = Field("price", max_length=32, examples=["price", "demand"])
    currency: str | None = Field(None, max_length=16, examples=["BRL"])
    unit: str | None = Field(None, max_length=32)
    frequency: str | None = Field(None, max_length=16, description=FREQUENCY_HELP)
    tags: list[str] = Field(default_factory=list, examples=[["stocks", "market"]])
    metadata: dict[str, Any] = Field(default_factory=dict)
    source: str | None = Field(None, max_length=1000, examples=["yahoo:PETR4.SA"])


class SeriesUpdate(BaseModel):
    """Fields to change; omitted fields stay as they are (name and kind cannot be null)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=300)
    kind: str | None = Field(None, max_length=32)
    currency: str | None = Field(None, max_length=16)
    unit: str | None = Field(None, max_length=32)
    frequency: str | None = Field(None, max_length=16, description=FREQUENCY_HELP)
    tags: list[str] | None = None
    metadata: dict[str, Any] | None = None
    source: str | None = Field(None, max_length=1000)


class SeriesRead(BaseModel):
    """A series with its collector's health."""

    key: str
    name: str
    kind: str
    currency: str | None
    unit: str | None
    frequency: str | None
    tags: list[str]
    metadata: dict[str, Any]
    source: str | None
    created_at: datetime
    updated_at: datetime
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int


class SeriesPage(BaseModel):
    """A page of series, ordered by key."""

    items: list[SeriesRead]
    total: int
    limit: int
    offset: int


class ObservationIn(BaseModel):
    """One observation pushed by a client."""

    model_config = ConfigDict(extra="forbid")

    ts: datetime = Field(..., examples=["2026-11-20T00:00:00Z"])
    value: float = Field(..., allow_inf_nan=False, examples=[37.2])
    open: float | None = Field(None, allow_inf_nan=False)
    high: float | None = Field(None, allow_inf_nan=False)
    low: float | None = Field(None, allow_inf_nan=False)
    volume: float | None = Field(None, allow_inf_nan=False)


class ObservationBatch(BaseModel):
    """A batch of observations for one series, upserted on (ts, source)."""

    model_config = ConfigDict(extra="forbid")

    observations: list[ObservationIn] = Field(..., min_length=1, max_length=100_000)
    source: str = Field("api", min_length=1, max_length=100)
    is_synthetic: bool = False


class WriteResult(BaseModel):
    """What a batch write did."""

    received: int
    written: int
    unchanged: int


class ObservationOut(BaseModel):
    """One stored (or resampled) observation."""

    ts: datetime
    value: float
    open: float | None
    high: float | None
    low: float | None
    volume: float | None
    is_synthetic: bool
    source: str | None = None


class ObservationsRead(BaseModel):
    """A series' observations in a range."""

    key: str
    resample: Literal["day", "week", "month"] | None
    how: Literal["last", "mean", "ohlc"]
    include_synthetic: bool
    count: int
    synthetic_count: int
    observations: list[ObservationOut]
