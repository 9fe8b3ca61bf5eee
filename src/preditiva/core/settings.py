"""Configuration from ``PREDITIVA_*`` environment variables, with embedded defaults."""

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

EMBEDDED_BROKER_URL = "embedded://localhost/"


class Settings(BaseSettings):
    """Everything Preditiva can be told; every field is ``PREDITIVA_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="PREDITIVA_", env_file=".env", extra="ignore")

    home: Path = Field(Path(".preditiva"), description="Data directory for all embedded state.")
    host: str = Field("127.0.0.1", description="Address the API listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port the API listens on.")
    database_url: str | None = Field(None, description="SQLAlchemy URL; SQLite in home if unset.")
    broker_url: str | None = Field(None, description="Celery broker; embedded if unset.")
    result_backend: str | None = Field(None, description="Celery results; derived if unset.")
    artifacts_url: str | None = Field(
        None, description="Model artifact store (file://, s3://); file://<home>/artifacts if unset."
    )
    log_format: Literal["console", "json"] = Field("console", description="Log line format.")
    log_level: str = Field("INFO", description="Minimum level of log lines.")
    worker_concurrency: int | None = Field(None, ge=1, description="Processes per worker.")
    worker_prefetch_multiplier: int = Field(
        1,
        ge=1,
        le=128,
        description="Messages each worker process reserves ahead (raise for many short jobs).",
    )
    heartbeat_interval: float = Field(2.0, gt=0, description="Seconds between heartbeats.")
    job_timeout: float = Field(
        30.0, gt=0, description="A running job silent this many seconds is re-run."
    )
    worker_timeout: float = Field(
        30.0, gt=0, description="A worker silent this many seconds is gone."
    )
    sweep_interval: float = Field(1.0, gt=0, description="Seconds between dispatch sweeps.")
    republish_after: float = Field(
        1800.0, gt=0, description="A queued job unclaimed this long is published again."
    )
    max_attempts: int = Field(3, ge=1, le=100, description="Default attempts per job.")
    retry_backoff: float = Field(2.0, ge=0, description="First retry delay in seconds.")
    retry_backoff_max: float = Field(300.0, ge=0, description="Longest retry delay in seconds.")
    broker_polling_interval: float = Field(
        0.1, gt=0, description="Embedded broker polling interval in seconds."
    )
    publish_timeout: float = Field(
        2.0, gt=0, description="Seconds a submit waits for the broker before leaving it queued."
    )
    stale_after_hours: float = Field(
        24.0, gt=0, description="A collected series with no success for this long is stale."
    )
    max_upload_mb: float = Field(
        2048.0, gt=0, description="Largest file POST /v1/imports accepts, in megabytes."
    )
    max_dataset_mb: float = Field(
        512.0, gt=0, description="Largest dataset POST /v1/datasets accepts, in megabytes."
    )
    import_chunk_rows: int = Field(
        100_000, ge=1, description="Rows an import reads and checks at a time."
    )
    predict_chunk_rows: int = Field(
        100_000, ge=1, description="Rows a batch prediction reads and predicts at a time."
    )
    yahoo_base_url: str = Field(
        "https://query1.finance.yahoo.com", description="Yahoo Finance chart API base URL."
    )
    mercadolivre_base_url: str = Field(
        "https://api.mercadolibre.com", description="Mercado Livre API base URL."
    )
    mercadolivre_site: str = Field("MLB", description="Mercado Livre site id (MLB is Brazil).")
    mercadolivre_proxy_url: str | None = Field(
        None, description="Scraping proxy for Mercado Livre: {url} or ?url= gets the target."
    )
    collector_timeout: float = Field(
        10.0, gt=0, description="Seconds a collector request may take."
    )
    collector_retries: int = Field(
        2, ge=0, le=10, description="Retries of a collector request on timeouts, 429 and 5xx."
    )
    collector_backoff: float = Field(
        1.0, ge=0, description="First collector retry delay in seconds (doubles each retry)."
    )
    collector_min_interval: float = Field(
        1.0, ge=0, description="Minimum seconds between collector requests to the same host."
    )
    collector_concurrency: int = Field(
        4, ge=1, le=64, description="Series fetched at once by a collection run."
    )
    reload_interval: float = Field(
        1.0, gt=0, description="Seconds between an API process's checks for registry changes."
    )
    predict_max_rows: int = Field(
        1000, ge=1, le=1_000_000, description="Rows POST /v1/models/{name}/predict accepts."
    )

    @field_validator("home")
    @classmethod
    def _absolute_home(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def effective_database_url(self) -> str:
        """The database URL in use, with the psycopg 3 driver named for PostgreSQL."""
        url = self.database_url or f"sqlite:///{self.home / 'preditiva.db'}"
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @property
    def effective_broker_url(self) -> str:
        """The broker URL in use."""
        return self.broker_url or EMBEDDED_BROKER_URL

    @property
    def broker_is_embedded(self) -> bool:
        """Whether the broker is the embedded, serverless one."""
        return self.effective_broker_url.startswith(("embedded:", "filesystem:"))

    @property
    def broker_dir(self) -> Path:
        """Folder of the embedded broker's messages."""
        return self.home / "broker"

    @property
    def uploads_dir(self) -> Path:
        """Folder of uploaded files waiting to be imported."""
        return self.home / "uploads"

    @property
    def effective_artifacts_url(self) -> str:
        """The artifact store URL in use: ``artifacts_url``, else a folder in home."""
        return self.artifacts_url or f"file://{self.home / 'artifacts'}"

    @property
    def effective_result_backend(self) -> str:
        """The Celery result backend in use: the broker's Redis, else files in home."""
        if self.result_backend:
            return self.result_backend
        if self.effective_broker_url.startswith(("redis://", "rediss://")):
            return self.effective_broker_url
        return f"file://{self.home / 'results'}"


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment."""
    return Settings()


def redacted_url(url: str) -> str:
    """The URL with any password replaced by ``***``, safe to print or log."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
