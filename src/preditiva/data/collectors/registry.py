"""Choosing a collector by the scheme of a source string, Celery-backend style.

A source is ``<scheme>:<target>``; :data:`ALIASES` maps each scheme to the
``"module:Class"`` that collects it, imported only when first used. A target wrapped in
double quotes (``mercadolivre:"furadeira bosch"``) is taken without them.
"""

import importlib
import threading
import time
from collections.abc import Callable
from datetime import datetime
from functools import cache
from types import TracebackType

from preditiva.core.clock import utcnow
from preditiva.core.errors import SourceInvalidError
from preditiva.data.collectors.base import Collector, CollectorConfig, Point, SourceRef
from preditiva.data.collectors.http import HttpFetcher, RateLimiter

ALIASES: dict[str, str] = {
    "yahoo": "preditiva.data.collectors.yahoo:YahooCollector",
    "mercadolivre": "preditiva.data.collectors.mercadolivre:MercadoLivreCollector",
    "http+json": "preditiva.data.collectors.http_json:HttpJsonCollector",
    "csv": "preditiva.data.collectors.http_csv:HttpCsvCollector",
}


def parse_source(source: str) -> SourceRef:
    """Split ``scheme:target``; raise SourceInvalidError if the scheme is unknown or it is empty."""
    scheme, sep, target = source.strip().partition(":")
    scheme = scheme.strip().lower()
    known = ", ".join(sorted(ALIASES))
    if not sep or not scheme:
        raise SourceInvalidError(
            f"source {source!r} has no scheme: write <scheme>:<target> with a scheme among {known}"
        )
    if scheme not in ALIASES:
        raise SourceInvalidError(
            f"source {source!r}: unknown collector scheme {scheme!r}; known schemes: {known}"
        )
    target = target.strip()
    if len(target) >= 2 and target[0] == target[-1] == '"':
        target = target[1:-1].strip()
    if not target:
        raise SourceInvalidError(f"source {source!r}: nothing to collect after {scheme + ':'!r}")
    return SourceRef(scheme=scheme, target=target, raw=source.strip())


@cache
def collector_class(scheme: str) -> type[Collector]:
    """The collector class registered for ``scheme``, imported on first use."""
    try:
        module_name, _, class_name = ALIASES[scheme].partition(":")
    except KeyError:
        raise SourceInvalidError(f"unknown collector scheme {scheme!r}") from None
    found: type[Collector] = getattr(importlib.import_module(module_name), class_name)
    return found


def validate_source(source: str) -> SourceRef:
    """Parse a source and check its target without fetching; raise SourceInvalidError if bad."""
    ref = parse_source(source)
    collector_class(ref.scheme).check_target(ref)
    return ref


class Collectors:
    """The collectors of one run, sharing one HTTP client and the per-host rate limit."""

    def __init__(
        self,
        config: CollectorConfig,
        *,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Make one HTTP fetcher for every collector of the run."""
        self.config = config
        self.http = HttpFetcher(config.http, limiter=limiter, sleep=sleep)
        self._instances: dict[str, Collector] = {}
        self._lock = threading.Lock()

    def get(self, scheme: str) -> Collector:
        """The collector for ``scheme``, made once per run."""
        with self._lock:
            if scheme not in self._instances:
                self._instances[scheme] = collector_class(scheme)(self.config, self.http)
            return self._instances[scheme]

    def collect(
        self, source: str, *, since: datetime | None = None, now: datetime | None = None
    ) -> list[Point]:
        """Fetch a source's points; raise SourceInvalidError or CollectorError on failure."""
        ref = validate_source(source)
        return self.get(ref.scheme).collect(ref, since=since, now=now or utcnow())

    def close(self) -> None:
        """Release the HTTP connections."""
        self.http.close()

    def __enter__(self) -> "Collectors":
        """Use as a context manager that closes the connections at the end."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the connections."""
        self.close()
