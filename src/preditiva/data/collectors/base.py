"""What every collector shares: its configuration and its interface (it returns Points)."""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from preditiva.data.collectors.http import HttpFetcher, HttpPolicy
from preditiva.data.points import Point

__all__ = ["Collector", "CollectorConfig", "Point", "SourceRef"]

YAHOO_BASE_URL = "https://query1.finance.yahoo.com"
MERCADOLIVRE_BASE_URL = "https://api.mercadolibre.com"


@dataclass(frozen=True)
class SourceRef:
    """A parsed source string: the collector's scheme and what it should fetch."""

    scheme: str
    target: str
    raw: str

    def __str__(self) -> str:
        """The source as the series stores it."""
        return self.raw


@dataclass(frozen=True)
class CollectorConfig:
    """Everything collectors can be told: the HTTP policy and each service's settings."""

    http: HttpPolicy = field(default_factory=HttpPolicy)
    yahoo_base_url: str = YAHOO_BASE_URL
    mercadolivre_base_url: str = MERCADOLIVRE_BASE_URL
    mercadolivre_site: str = "MLB"
    mercadolivre_proxy_url: str | None = None


class Collector(ABC):
    """Fetches the points of one kind of source; chosen by the scheme of the source string."""

    scheme: ClassVar[str]

    def __init__(self, config: CollectorConfig, http: HttpFetcher) -> None:
        """Keep the configuration and the shared HTTP fetcher."""
        self.config = config
        self.http = http

    @classmethod
    def check_target(cls, source: SourceRef) -> None:
        """Raise SourceInvalidError if the target cannot be collected (without fetching)."""
        return None

    @abstractmethod
    def collect(
        self, source: SourceRef, *, since: datetime | None = None, now: datetime
    ) -> list[Point]:
        """Fetch the source's points; ``since`` is the last success, ``now`` the run's time."""
