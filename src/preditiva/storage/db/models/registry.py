"""The model registry: named recipes, their immutable versions, aliases and alias history."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from preditiva.core.clock import utcnow
from preditiva.storage.db.models.base import Base
from preditiva.storage.db.types import JSONType, UTCDateTime


class Model(Base):
    """A named recipe: engine, parameters, horizon and target (a series, a tag or a group)."""

    __tablename__ = "model"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    task: Mapped[str] = mapped_column(String(32), default="forecast")
    engine: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    horizon: Mapped[int] = mapped_column(Integer)
    target: Mapped[dict[str, Any]] = mapped_column(JSONType)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModelVersion(Base):
    """One trained, immutable version of a model and where its artifact lies."""

    __tablename__ = "model_version"
    __table_args__ = (UniqueConstraint("model_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("model.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="ready")
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    backtest: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    data_fingerprint: Mapped[str | None] = mapped_column(String(128), nullable=True)
    library_versions: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    trained_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    training_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    artifact_uri: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    artifact_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    job_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModelFit(Base):
    """One series' part of a version: its artifact, backtest and stored forecast, or why not."""

    __tablename__ = "model_fit"
    __table_args__ = (UniqueConstraint("version_id", "series_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("model_version.id", ondelete="CASCADE"), index=True
    )
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    series_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    carried_over: Mapped[bool] = mapped_column(Boolean, default=False)
    data_fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    n_obs: Mapped[int] = mapped_column(Integer, default=0)
    data_end: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    engine_detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    skill: Mapped[float | None] = mapped_column(Float, nullable=True)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    backtest: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    forecast: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    artifact_uri: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    artifact_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    training_seconds: Mapped[float] = mapped_column(Float, default=0.0)


class ModelAlias(Base):
    """The version an alias (``champion``, …) of a model points at now."""

    __tablename__ = "model_alias"

    model_id: Mapped[int] = mapped_column(
        ForeignKey("model.id", ondelete="CASCADE"), primary_key=True
    )
    alias: Mapped[str] = mapped_column(String(64), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("model_version.id", ondelete="CASCADE"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModelAliasEvent(Base):
    """Append-only log of promotions and roll-backs; replaying it gives each alias's stack."""

    __tablename__ = "model_alias_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("model.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    version_id: Mapped[int] = mapped_column(ForeignKey("model_version.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
