"""Uploaded price files: where they go, checking them at once, and queueing their import."""

import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from preditiva.core.settings import Settings
from preditiva.data.price_layout import FileFormat, format_of
from preditiva.services import jobs
from preditiva.services.import_job import IMPORT_FILE
from preditiva.services.imports import DEFAULT_SOURCE, check_file
from preditiva.storage.db.models import Job

PARTIAL_SUFFIX = ".part"


@dataclass(frozen=True)
class UploadTarget:
    """Where an incoming file is written while it streams in, and where it ends up."""

    path: Path
    format: FileFormat

    @property
    def partial(self) -> Path:
        """The file being written (renamed to ``path`` once complete)."""
        return self.path.with_name(self.path.name + PARTIAL_SUFFIX)

    def discard(self) -> None:
        """Delete the file, complete or not."""
        self.partial.unlink(missing_ok=True)
        self.path.unlink(missing_ok=True)


def target_for(settings: Settings, filename: str) -> UploadTarget:
    """A fresh place in the uploads folder for a file, or a 422 if its type is not supported."""
    fmt = format_of(filename)
    settings.uploads_dir.mkdir(parents=True, exist_ok=True)
    return UploadTarget(settings.uploads_dir / f"{uuid.uuid4().hex}.{fmt}", fmt)


def accept(
    session: Session,
    target: UploadTarget,
    *,
    settings: Settings,
    filename: str,
    strict: bool = False,
    create_series: bool = False,
    source: str = DEFAULT_SOURCE,
) -> Job:
    """Check the upload's header and first rows (a 422 if unusable), then queue its import."""
    check_file(target.path, target.format)
    return jobs.submit(
        session,
        kind=IMPORT_FILE.name,
        params={
            "path": target.path.name,
            "format": target.format,
            "strict": strict,
            "create_series": create_series,
            "source": source,
            "filename": filename[:300],
        },
        default_max_attempts=settings.max_attempts,
    )
