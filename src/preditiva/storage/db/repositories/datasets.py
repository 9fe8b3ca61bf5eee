"""Queries on datasets: versions of a name, the latest of each name."""

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from preditiva.storage.db.models import Dataset


def max_version(session: Session, name: str) -> int:
    """The highest version of dataset ``name``, 0 when it has none."""
    return session.scalar(select(func.max(Dataset.version)).where(Dataset.name == name)) or 0


def get(session: Session, name: str, version: int) -> Dataset | None:
    """Version ``version`` of dataset ``name``."""
    query = select(Dataset).where(Dataset.name == name, Dataset.version == version)
    return session.scalars(query).one_or_none()


def latest(session: Session, name: str) -> Dataset | None:
    """The newest version of dataset ``name``."""
    query = select(Dataset).where(Dataset.name == name).order_by(Dataset.version.desc())
    return session.scalars(query.limit(1)).first()


def versions(session: Session, name: str) -> Sequence[Dataset]:
    """Every version of dataset ``name``, oldest first."""
    query = select(Dataset).where(Dataset.name == name).order_by(Dataset.version)
    return session.scalars(query).all()


def latest_of_each(session: Session) -> Sequence[tuple[Dataset, int]]:
    """The newest version of every dataset and how many versions it has, by name."""
    newest = (
        select(
            Dataset.name,
            func.max(Dataset.version).label("version"),
            func.count().label("count"),
        )
        .group_by(Dataset.name)
        .subquery()
    )
    query = (
        select(Dataset, newest.c.count)
        .join(newest, (Dataset.name == newest.c.name) & (Dataset.version == newest.c.version))
        .order_by(Dataset.name)
    )
    return [(row, int(count)) for row, count in session.execute(query).all()]
