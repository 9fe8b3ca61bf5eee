"""Collecting series from their sources: fetch, upsert, and keep each series' collector health.

A run never holds a database transaction while it waits on the network: it reads what to
collect in one short transaction, fetches (several series at once, each host rate-limited),
then writes each series' observations and health in a transaction of its own, so one
series' failure is recorded and never stops the others.
"""

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from preditiva.core.clock import utcnow
from preditiva.core.errors import (
    CollectorError,
    DataValidationError,
    InvalidInputError,
    JobCancelledError,
    PreditivaError,
    SourceInvalidError,
)
from preditiva.core.logging import get_logger
from preditiva.core.settings import Settings
from preditiva.data.collectors import (
    CollectorConfig,
    Collectors,
    HttpPolicy,
    Point,
    parse_source,
    validate_source,
)
from preditiva.services import observations
from preditiva.services import series as series_service
from preditiva.storage.db.models import Series
from preditiva.storage.db.repositories import series as series_repo

log = get_logger(__name__)

Status = Literal["collected", "unchanged", "failed"]
Transaction = Callable[[], AbstractContextManager[Session]]
OnOutcome = Callable[["SeriesOutcome", int, int], None]
PAGE = 500
MAX_ERROR_LENGTH = 2000


@dataclass(frozen=True)
class CollectTarget:
    """A series to collect: its key, its source and when it last succeeded."""

    key: str
    source: str
    since: datetime | None


@dataclass(frozen=True)
class SeriesOutcome:
    """What collecting one series did: collected (rows new or changed), unchanged or failed."""

    key: str
    status: Status
    received: int = 0
    written: int = 0
    error: str | None = None
    transient: bool = False
    exception: BaseException | None = field(default=None, compare=False, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """The outcome as JSON-ready data."""
        return {
            "key": self.key,
            "status": self.status,
            "received": self.received,
            "written": self.written,
            "error": self.error,
        }


@dataclass(frozen=True)
class CollectionReport:
    """The outcome of every series of a run, ordered by key."""

    outcomes: list[SeriesOutcome]

    def count(self, status: Status) -> int:
        """How many series ended with ``status``."""
        return sum(outcome.status == status for outcome in self.outcomes)

    def as_dict(self) -> dict[str, Any]:
        """Totals and the per-series outcomes, as JSON-ready data (a job's result)."""
        return {
            "total": len(self.outcomes),
            "collected": self.count("collected"),
            "unchanged": self.count("unchanged"),
            "failed": self.count("failed"),
            "series": [outcome.as_dict() for outcome in self.outcomes],
        }


@dataclass(frozen=True)
class FetchResult:
    """What one fetch brought back: points, or the error that stopped it."""

    target: CollectTarget
    attempted_at: datetime
    points: list[Point] | None = None
    error: BaseException | None = None


def collector_config(settings: Settings) -> CollectorConfig:
    """The collectors' configuration from the platform settings."""
    return CollectorConfig(
        http=HttpPolicy(
            timeout=settings.collector_timeout,
            retries=settings.collector_retries,
            backoff=settings.collector_backoff,
            min_interval=settings.collector_min_interval,
        ),
        yahoo_base_url=settings.yahoo_base_url,
        mercadolivre_base_url=settings.mercadolivre_base_url,
        mercadolivre_site=settings.mercadolivre_site,
        mercadolivre_proxy_url=settings.mercadolivre_proxy_url,
    )


def open_collectors(
    settings: Settings, *, sleep: Callable[[float], None] = time.sleep
) -> Collectors:
    """Collectors for one run (close them, or use them in a ``with`` block)."""
    return Collectors(collector_config(settings), sleep=sleep)


def target_for(session: Session, key: str, *, check_source: bool = True) -> CollectTarget:
    """One series' target: 404 if unknown, 422 without a source or (if checked) with a bad one."""
    series = series_service.get(session, key)
    if not series.source:
        raise InvalidInputError(
            f"series {key!r} has no source to collect from; set one such as yahoo:PETR4.SA",
            details=[{"field": "source", "message": "no source"}],
        )
    if check_source:
        validate_source(series.source)
    return _target(series)


def targets(
    session: Session, *, tag: str | None = None, keys: Sequence[str] | None = None
) -> tuple[list[CollectTarget], list[SeriesOutcome]]:
    """The series to collect (with a source; of a tag and/or among keys), and asked-for failures.

    With ``keys``, each unknown key or series without a source is a failed outcome; with
    ``tag`` too, only the keys whose series has the tag are collected.
    """
    if keys is None:
        found: list[Series] = []
        while True:
            rows, total = series_repo.search(
                session, tag=tag, with_source=True, limit=PAGE, offset=len(found)
            )
            found += rows
            if not rows or len(found) >= total:
                break
        return [_target(series) for series in found], []
    by_key = series_repo.by_keys(session, list(dict.fromkeys(keys)))
    chosen: list[CollectTarget] = []
    failed: list[SeriesOutcome] = []
    for key in dict.fromkeys(keys):
        series = by_key.get(key)
        if series is None:
            failed.append(SeriesOutcome(key, "failed", error=f"no series with key {key!r}"))
        elif tag is not None and tag not in series.tags:
            continue
        elif not series.source:
            failed.append(SeriesOutcome(key, "failed", error="the series has no source"))
        else:
            chosen.append(_target(series))
    return chosen, failed


def _target(series: Series) -> CollectTarget:
    """The target of a series known to have a source."""
    assert series.source is not None
    return CollectTarget(series.key, series.source, series.last_success_at)


def fetch(collectors: Collectors, target: CollectTarget) -> FetchResult:
    """Fetch one target's points without touching the database; failures are kept, not raised."""
    attempted_at = utcnow()
    try:
        points = collectors.collect(target.source, since=target.since, now=attempted_at)
    except JobCancelledError:
        raise
    except PreditivaError as exc:
        return FetchResult(target, attempted_at, error=exc)
    except Exception as exc:
        log.exception("collector crashed", key=target.key, source=target.source)
        return FetchResult(target, attempted_at, error=exc)
    return FetchResult(target, attempted_at, points=points)


def record(session: Session, fetched: FetchResult) -> SeriesOutcome:
    """Write a fetch's observations (source = the scheme) and the series' health."""
    key = fetched.target.key
    series = series_repo.get_by_key(session, key)
    if series is None:
        return SeriesOutcome(key, "failed", error="the series was deleted during the run")
    series.last_attempt_at = fetched.attempted_at
    error = fetched.error
    if error is None:
        assert fetched.points is not None
        try:
            report = observations.write(
                session,
                series,
                fetched.points,
                source=parse_source(fetched.target.source).scheme,
            )
        except DataValidationError as exc:
            error = exc
        else:
            series.last_success_at = fetched.attempted_at
            series.consecutive_failures = 0
            status: Status = "collected" if report.written else "unchanged"
            return SeriesOutcome(key, status, received=report.received, written=report.written)
    message = _describe(error)
    series.last_error = message[:MAX_ERROR_LENGTH]
    series.last_error_at = fetched.attempted_at
    series.consecutive_failures = (series.consecutive_failures or 0) + 1
    log.warning("collection failed", key=key, source=fetched.target.source, error=message)
    transient = isinstance(error, CollectorError) and error.transient
    return SeriesOutcome(key, "failed", error=message, transient=transient, exception=error)


def _describe(error: BaseException) -> str:
    """The error as the one line kept in the series' health."""
    if isinstance(error, DataValidationError):
        problems = "; ".join(f"row {d.get('row')}: {d.get('message')}" for d in error.details[:5])
        return f"{error.message}: {problems}" if problems else error.message
    if isinstance(error, CollectorError | SourceInvalidError):
        return error.message
    return f"unexpected {error.__class__.__name__}: {error}"


def collect_one(transaction: Transaction, collectors: Collectors, key: str) -> SeriesOutcome:
    """Collect one series (404 if unknown, 422 without a source); its failure is the outcome."""
    with transaction() as session:
        target = target_for(session, key, check_source=False)
    fetched = fetch(collectors, target)
    with transaction() as session:
        return record(session, fetched)


def collect_batch(
    transaction: Transaction,
    collectors: Collectors,
    *,
    tag: str | None = None,
    keys: Sequence[str] | None = None,
    concurrency: int = 1,
    on_outcome: OnOutcome | None = None,
) -> CollectionReport:
    """Collect every chosen series, ``concurrency`` fetches at a time; failures never stop it.

    ``on_outcome(outcome, done, total)`` is called after each series is recorded (a job
    reports progress there; an exception it raises, such as a cancel, ends the run).
    """
    with transaction() as session:
        chosen, outcomes = targets(session, tag=tag, keys=keys)
    total = len(chosen) + len(outcomes)
    for done, outcome in enumerate(outcomes, start=1):
        if on_outcome is not None:
            on_outcome(outcome, done, total)
    pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="collect")
    try:
        futures: list[Future[FetchResult]] = [
            pool.submit(fetch, collectors, target) for target in chosen
        ]
        for future in as_completed(futures):
            fetched = future.result()
            with transaction() as session:
                outcome = record(session, fetched)
            outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome, len(outcomes), total)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return CollectionReport(sorted(outcomes, key=lambda outcome: outcome.key))
