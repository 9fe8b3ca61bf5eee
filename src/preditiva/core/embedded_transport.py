"""The embedded broker's transport: kombu's filesystem transport with atomic message files.

kombu writes a message by creating ``<name>.msg`` and then filling it, so a consumer polling
the folder can take the file while it is still empty, fail to decode it and stop consuming.
Here a message is written under a name no consumer reads and renamed into place, which is
atomic; a file that still cannot be decoded is logged and skipped, never fatal (the job
sweeper republishes its job).
"""

import os
import uuid
from time import monotonic
from typing import Any

import structlog
from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.json import dumps

SCHEME = "embedded"
PARTIAL_SUFFIX = ".part"

log = structlog.get_logger(__name__)


class Channel(filesystem.Channel):
    """A filesystem channel whose messages appear in the queue folder whole or not at all."""

    def _put(self, queue: Any, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + PARTIAL_SUFFIX
        try:
            with open(partial, "wb") as stream:
                stream.write(str(dumps(payload)).encode())
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc

    def _get(self, queue: Any, timeout: Any = None) -> Any:
        while True:
            try:
                return super()._get(queue)
            except ValueError as exc:
                log.warning("broker.message_unreadable", queue=queue, error=str(exc))


class Transport(filesystem.Transport):
    """The transport behind ``embedded://`` broker URLs."""

    Channel = Channel
