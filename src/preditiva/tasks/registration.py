"""One thin Celery task per job kind, named after the kind."""

from typing import Any

from celery import Celery

from preditiva.services.catalogue import KINDS
from preditiva.tasks.runner import run_job


def register_job_tasks(app: Celery) -> None:
    """Register a task for every job kind; each takes a job id and a dispatch number."""
    for name in KINDS:

        def execute(self: Any, job_id: str, seq: int) -> Any:
            return run_job(job_id, seq, worker=self.request.hostname or "unknown")

        app.task(name=name, bind=True, acks_late=True)(execute)
