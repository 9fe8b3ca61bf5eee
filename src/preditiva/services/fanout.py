"""Jobs that fan out into child jobs and end when the last child has, like a Celery chord.

A job body that split its work returns ``AwaitChildren``: the job stays ``running`` while any
child is queued or running (the reaper leaves it alone), its progress follows the children
as they finish, and once none is left its kind's ``finish`` hook decides the outcome from
what the children wrote. ``settle`` does that under a lock on the parent row, so however
many workers finish children at once (and the sweeper as a safety net), a parent is
finished exactly once. Cancelling the parent cancels its children.
"""

import uuid
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy.orm import Session

from preditiva.core.clock import utcnow
from preditiva.core.settings import Settings
from preditiva.services.catalogue import get_kind
from preditiva.services.job_kind import Outcome
from preditiva.storage.db.models import Job, JobState
from preditiva.storage.db.repositories import jobs as jobs_repo

MESSAGE_MAX = 500


def settle(session: Session, settings: Settings, parent_id: uuid.UUID) -> bool:
    """Update a waiting parent's progress; finish it if no child is left; return if finished."""
    parent = jobs_repo.lock(session, parent_id)
    if parent is None or parent.state != JobState.RUNNING:
        return False
    counts = jobs_repo.children_counts(session, parent_id)
    total = sum(counts.values())
    unfinished = sum(counts.get(state, 0) for state in jobs_repo.UNFINISHED)
    if total == 0:
        return False
    if unfinished:
        parent.progress = (total - unfinished) / total
        parent.message = f"{total - unfinished} of {total} parts done"
        parent.heartbeat_at = utcnow()
        return False
    outcome = _finish(session, settings, parent, counts)
    parent.state = outcome.state
    parent.finished_at = utcnow()
    parent.progress = 1.0 if outcome.state == "succeeded" else parent.progress
    parent.result = to_jsonable_python(outcome.result, fallback=str)
    parent.error = outcome.error
    parent.message = (outcome.message or f"all {total} parts done")[:MESSAGE_MAX]
    session.flush()
    return True


def _finish(session: Session, settings: Settings, parent: Job, counts: dict[str, int]) -> Outcome:
    """The kind's verdict, or a default: cancelled if asked, failed if any child failed."""
    kind = get_kind(parent.kind)
    if kind.finish is not None:
        outcome: Outcome = kind.finish(session, settings, parent, counts)
        return outcome
    if parent.cancel_requested:
        return Outcome("cancelled", result=counts, message="cancelled with its parts")
    failed = counts.get(JobState.FAILED, 0)
    if failed:
        return Outcome("failed", result=counts, error=f"{failed} of {sum(counts.values())} failed")
    return Outcome("succeeded", result=counts)


def cancel_children(session: Session, parent_id: uuid.UUID) -> int:
    """Cancel the queued children now and ask the running ones to stop; count them."""
    now = utcnow()
    touched = 0
    for child in jobs_repo.unfinished_children(session, parent_id):
        if child.state == JobState.QUEUED:
            touched += jobs_repo.cancel_queued(session, child.id, now)
        else:
            touched += jobs_repo.request_cancel(session, child.id)
    return touched


def settle_all(factory: Any, settings: Settings) -> int:
    """Finish every parent whose children are all done (the sweeper's safety net)."""
    with factory() as session:
        ready = list(jobs_repo.settled_parents(session))
    finished = 0
    for parent_id in ready:
        with factory.begin() as session:
            finished += settle(session, settings, parent_id)
    return finished
