"""How routes answer with a job: its API view, and publishing one that was just committed."""

import uuid

from celery import Celery
from sqlalchemy.orm import Session, sessionmaker

from preditiva.api.schemas.jobs import JobRead
from preditiva.services import dispatch
from preditiva.storage.db.models import Job


def to_read(job: Job) -> JobRead:
    """The API view of a job row."""
    return JobRead.model_validate(
        {
            **{c: getattr(job, c) for c in JobRead.model_fields if hasattr(job, c)},
            "published": job.published_at is not None,
        }
    )


def publish_and_read(
    session: Session, factory: sessionmaker[Session], celery: Celery, job_id: uuid.UUID
) -> JobRead:
    """Publish a committed job (it stays queued if the broker is down) and show it as stored."""
    dispatch.publish_jobs(factory, celery, [job_id])
    job = session.get(Job, job_id, populate_existing=True)
    assert job is not None
    return to_read(job)
