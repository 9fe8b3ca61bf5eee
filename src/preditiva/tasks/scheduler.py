"""Celery beat's scheduler for Preditiva: the schedules are rows of the ``schedule`` table.

``preditiva beat`` runs ``celery beat --scheduler preditiva.tasks.scheduler:DatabaseScheduler``.
Each tick claims the due ticks and submits their jobs in one transaction
(:func:`preditiva.services.schedules.run_due`), publishes the jobs after the commit, then
sleeps until the next schedule is due, but never more than :data:`MAX_SLEEP`, so schedules
created, edited or disabled through the API or CLI take effect within about a second without
a restart. Celery's own ``beat_schedule`` and schedule file are not used; the jobs are
published with ``ignore_result``, so Celery's result clean-up entry is not needed either.
Two schedulers started by mistake share the table safely: each tick is claimed by one.
"""

from typing import Any

from celery import Celery
from celery.beat import Scheduler

from preditiva.core.clock import utcnow
from preditiva.core.logging import get_logger
from preditiva.core.settings import get_settings, redacted_url
from preditiva.services import dispatch, schedules
from preditiva.storage.db.engine import get_session_factory, read_only

log = get_logger(__name__)

#: Longest sleep between two looks at the schedule table, in seconds.
MAX_SLEEP = 1.0
#: Shortest sleep, so a schedule that cannot be claimed never makes the loop spin.
MIN_SLEEP = 0.01


class DatabaseScheduler(Scheduler):  # type: ignore[misc]
    """A beat scheduler reading the schedule table on every tick."""

    def __init__(self, app: Celery, *args: Any, **kwargs: Any) -> None:
        """Celery's scheduler with this process's settings and a sleep of at most 1 s."""
        self._settings = get_settings()
        super().__init__(app, *args, **kwargs)
        self.max_interval = MAX_SLEEP

    def setup_schedule(self) -> None:
        """Nothing to load: the table is read on every tick (``beat_schedule`` is ignored)."""

    def tick(self, *args: Any, **kwargs: Any) -> float:
        """Run the due schedules; return the seconds to sleep before the next tick."""
        try:
            return self._run_due()
        except Exception as exc:
            log.warning("scheduler tick failed; trying again", error=str(exc))
            return MAX_SLEEP

    def _run_due(self) -> float:
        """Submit due jobs (a read first, so idle ticks never take SQLite's write lock)."""
        factory = get_session_factory(self._settings)
        now = utcnow()
        with factory() as session:
            due_at = schedules.next_due_at(read_only(session))
        if due_at is not None and due_at <= now:
            with factory.begin() as session:
                ran = schedules.run_due(
                    session, now, default_max_attempts=self._settings.max_attempts
                )
                job_ids = [job.id for _, job in ran]
            dispatch.publish_jobs(factory, self.app, job_ids)
            with factory() as session:
                due_at = schedules.next_due_at(read_only(session))
        if due_at is None:
            return MAX_SLEEP
        wait = (due_at - utcnow()).total_seconds()
        return min(max(wait, MIN_SLEEP), MAX_SLEEP)

    @property
    def info(self) -> str:
        """The line ``celery beat`` prints about where the schedules come from."""
        url = redacted_url(self._settings.effective_database_url)
        return f"    . schedules -> table 'schedule' in {url}"
