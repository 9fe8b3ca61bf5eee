"""Tabular datasets: each upload of a name is a new immutable version with its Parquet artifact."""

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from preditiva.core.clock import utcnow
from preditiva.storage.db.models.base import Base
from preditiva.storage.db.types import JSONType, UTCDateTime


class Dataset(Base):
    """One version of a named dataset: its schema, row counts, problems and stored rows."""

    __tablename__ = "dataset"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    target: Mapped[str] = mapped_column(String(500))
    task: Mapped[str] = mapped_column(String(32))
    #: ``DatasetSchema.to_dict()``: every column's role, dtype, missing share, cardinality
    schema: Mapped[dict[str, Any]] = mapped_column(JSONType)
    filename: Mapped[str] = mapped_column(String(300), default="")
    file_format: Mapped[str] = mapped_column(String(16))
    n_rows: Mapped[int] = mapped_column(Integer)
    n_rejected: Mapped[int] = mapped_column(Integer, default=0)
    #: ``{"total": n, "items": [first 100 problems]}``
    problems: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    fingerprint: Mapped[str] = mapped_column(String(64))
    artifact_uri: Mapped[str] = mapped_column(String(2000))
    artifact_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
