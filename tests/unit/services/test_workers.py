"""Worker heartbeats, listing, and forgetting workers long gone."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.clock import utcnow
from preditiva.services import workers
from preditiva.storage.db.models import Worker


def beat(factory: sessionmaker[Session], name: str) -> None:
    """Record one heartbeat of a worker called ``name``."""
    with factory.begin() as session:
        workers.heartbeat(
            session, name=name, hostname="host", pid=1, queues=["default"], concurrency=1,
            reserved=[],
        )  # fmt: skip


def test_workers_silent_for_a_week_are_forgotten_and_recent_ones_kept(
    factory: sessionmaker[Session],
) -> None:
    beat(factory, "old@host")
    beat(factory, "recent@host")
    with factory.begin() as session:
        old = session.get(Worker, "old@host")
        assert old is not None
        old.heartbeat_at = utcnow() - workers.FORGET_AFTER - timedelta(minutes=1)
        recent = session.get(Worker, "recent@host")
        assert recent is not None
        recent.heartbeat_at = utcnow() - timedelta(days=6)

    with factory.begin() as session:
        forgotten = workers.forget_gone(session)

    with factory() as session:
        names = session.scalars(select(Worker.name)).all()
    assert forgotten == 1
    assert names == ["recent@host"]


def test_a_stopped_worker_is_hidden_unless_gone_ones_are_asked_for(
    factory: sessionmaker[Session],
) -> None:
    beat(factory, "w@host")
    with factory.begin() as session:
        workers.stopped(session, "w@host")

    with factory() as session:
        shown = workers.list_workers(session, timeout=30)
        everyone = workers.list_workers(session, timeout=30, include_gone=True)
    assert shown == []
    assert [(w.name, w.alive) for w in everyone] == [("w@host", False)]
