"""Housekeeping for the embedded (filesystem) broker: forget queues of exited processes.

Each worker binds a ``<name>.celery.pidbox`` queue and each ``inspect`` client a reply
queue; the filesystem transport keeps delivering broadcasts to them after they exit.
"""

import json
import os
import time
from pathlib import Path

from preditiva.core.queues import QUEUES
from preditiva.core.settings import Settings

PIDBOX_SUFFIX = ".celery.pidbox"
STALE_MESSAGE_SECONDS = 300.0


def _queue_of(message_file: Path) -> str:
    """``<ts>_<uuid>.<queue>.msg`` → ``<queue>``."""
    return message_file.name.split(".", 1)[1].removesuffix(".msg")


def _prune_table(table_file: Path, keep_nodes: set[str]) -> None:
    entries = json.loads(table_file.read_text() or "[]")
    kept = [
        entry
        for entry in entries
        if not entry[2].endswith(PIDBOX_SUFFIX)
        or (
            entry[2].removesuffix(PIDBOX_SUFFIX) in keep_nodes
            and not table_file.name.startswith("reply.")
        )
    ]
    if kept != entries:
        temporary = table_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(kept))
        os.replace(temporary, table_file)


def prune(settings: Settings, keep_nodes: set[str]) -> int:
    """Unbind pidbox queues of nodes not in ``keep_nodes``; delete their messages; count them."""
    control, queue_dir = settings.broker_dir / "control", settings.broker_dir / "queue"
    if not control.is_dir() or not queue_dir.is_dir():
        return 0
    for table_file in control.glob("*.exchange"):
        if table_file.stem not in QUEUES:
            _prune_table(table_file, keep_nodes)
    keep_queues = set(QUEUES) | {f"{node}{PIDBOX_SUFFIX}" for node in keep_nodes}
    removed = 0
    now = time.time()
    for message in queue_dir.glob("*.msg"):
        queue = _queue_of(message)
        stale = now - message.stat().st_mtime > STALE_MESSAGE_SECONDS
        if queue not in keep_queues or (queue not in QUEUES and stale):
            message.unlink(missing_ok=True)
            removed += 1
    return removed
