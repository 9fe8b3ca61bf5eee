"""Series use cases: create, read, update, delete and search the catalogue."""

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from preditiva.core.clock import utcnow
from preditiva.core.errors import InvalidInputError, SeriesExistsError, SeriesNotFoundError
from preditiva.data.collectors import validate_source
from preditiva.storage.db.models import Series
from preditiva.storage.db.repositories import series as series_repo

KEY_PATTERN = re.compile(r"^[A-Za-z0-9^_][A-Za-z0-9._:=^@\-]{0,199}$")
EDITABLE = ("name", "kind", "currency", "unit", "frequency", "source", "meta")
REQUIRED = ("name", "kind")
MAX_PAGE = 500


@dataclass(frozen=True)
class SeriesPage:
    """One page of series and how many match in all."""

    items: list[Series]
    total: int


def validate_key(key: str) -> str:
    """Return ``key`` if it can name a series, else raise a 422 that says why."""
    if not KEY_PATTERN.match(key):
        raise InvalidInputError(
            f"invalid series key {key!r}: use 1-200 letters, digits and . _ - : = ^ @, "
            "starting with a letter, digit, ^ or _",
            details=[{"field": "key", "message": "not a valid series key"}],
        )
    return key


def create(session: Session, *, key: str, tags: list[str] | None = None, **fields: Any) -> Series:
    """Add a series; 409 if the key is taken."""
    validate_key(key)
    if series_repo.get_by_key(session, key) is not None:
        raise SeriesExistsError(f"series {key!r} already exists")
    now = utcnow()
    series = Series(key=key, created_at=now, updated_at=now, consecutive_failures=0)
    series.name = fields.pop("name", None) or key
    series.kind = fields.pop("kind", None) or "price"
    series.meta = fields.pop("meta", None) or {}
    _set_fields(series, fields)
    series_repo.set_tags(series, tags or [])
    session.add(series)
    session.flush()
    return series


def get(session: Session, key: str) -> Series:
    """The series with this key, or a 404."""
    series = series_repo.get_by_key(session, key)
    if series is None:
        raise SeriesNotFoundError(f"no series with key {key!r}")
    return series


def update(session: Session, key: str, *, tags: list[str] | None = None, **fields: Any) -> Series:
    """Change the given fields (and tags, when given) of a series."""
    series = get(session, key)
    nulls = [name for name in REQUIRED if name in fields and fields[name] is None]
    if nulls:
        raise InvalidInputError(
            f"{' and '.join(nulls)} cannot be null; leave a field out to keep it",
            details=[{"field": name, "message": "cannot be null"} for name in nulls],
        )
    _set_fields(series, fields)
    if tags is not None:
        series_repo.set_tags(series, tags)
    series.updated_at = utcnow()
    session.flush()
    return series


def _set_fields(series: Series, fields: dict[str, Any]) -> None:
    """Set editable fields; a source must name a known collector and a valid target."""
    for name, value in fields.items():
        if name not in EDITABLE:
            raise InvalidInputError(f"unknown series field {name!r}")
        if name == "source" and value is not None:
            validate_source(value)
        setattr(series, name, value)


def delete(session: Session, key: str) -> None:
    """Remove a series with all its observations."""
    session.delete(get(session, key))
    session.flush()


def search(
    session: Session,
    *,
    tag: str | None = None,
    kind: str | None = None,
    text: str | None = None,
    stale: bool = False,
    stale_after: timedelta = timedelta(hours=24),
    limit: int = 50,
    offset: int = 0,
) -> SeriesPage:
    """Series matching the filters; ``stale`` keeps collected ones with no recent success."""
    rows, total = series_repo.search(
        session,
        tag=tag,
        kind=kind,
        text=text,
        stale_before=utcnow() - stale_after if stale else None,
        limit=max(1, min(limit, MAX_PAGE)),
        offset=max(0, offset),
    )
    return SeriesPage(items=list(rows), total=total)


def ensure(session: Session, keys: list[str], *, create_missing: bool) -> dict[str, Series]:
    """The series for ``keys``; missing ones are created when asked, else a 422 lists them."""
    found = series_repo.by_keys(session, keys)
    missing = [key for key in keys if key not in found]
    if missing and not create_missing:
        shown = ", ".join(missing[:20]) + (" …" if len(missing) > 20 else "")
        raise InvalidInputError(
            f"{len(missing)} unknown series: {shown}; create them first or pass create_series",
            details=[
                {"field": "key", "message": f"unknown series {key!r}"} for key in missing[:100]
            ],
        )
    for key in missing:
        found[key] = create(session, key=key)
    return found
