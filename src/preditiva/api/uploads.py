"""Receiving a multipart upload straight to disk, never whole in memory, within a size limit."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ValidationError
from python_multipart.multipart import MultipartParser, parse_options_header

from preditiva.core.errors import InvalidInputError, PayloadTooLargeError
from preditiva.services.uploads import UploadTarget

FLUSH_BYTES = 1 << 20
MAX_FIELD_BYTES = 10_000
#: Room for the multipart framing and small fields around the file itself.
ENVELOPE_BYTES = 64 * 1024

TargetFactory = Callable[[str], UploadTarget]
FormModel = TypeVar("FormModel", bound=BaseModel)


@dataclass
class ReceivedUpload:
    """A file that arrived whole, with the form's other fields."""

    target: UploadTarget
    filename: str
    size: int
    fields: dict[str, str] = field(default_factory=dict)


def too_large(limit_mb: float) -> PayloadTooLargeError:
    """The 413 for an upload over the limit."""
    megabytes = f"{limit_mb:g}"
    return PayloadTooLargeError(
        f"the upload is larger than the {megabytes} MB limit; split the file or raise "
        "PREDITIVA_MAX_UPLOAD_MB",
        details=[{"field": "file", "message": f"larger than {megabytes} MB"}],
    )


class _Receiver:
    """python-multipart callbacks that write the file part to disk and keep small fields."""

    def __init__(self, make_target: TargetFactory, limit_mb: float) -> None:
        """Nothing received yet."""
        self._make_target = make_target
        self._limit_mb = limit_mb
        self._limit = int(limit_mb * 2**20)
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[str, bytes] = {}
        self._name = ""
        self._in_file = False
        self._value = bytearray()
        self.pending = bytearray()
        self.handle: IO[bytes] | None = None
        self.upload: ReceivedUpload | None = None
        self.fields: dict[str, str] = {}
        self.finished = False

    def on_part_begin(self) -> None:
        """Start a new part."""
        self._headers, self._value, self._in_file = {}, bytearray(), False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        """Collect a part header's name."""
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        """Collect a part header's value."""
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        """Store one complete part header."""
        self._headers[self._header_field.decode("latin-1").lower()] = bytes(self._header_value)
        self._header_field, self._header_value = bytearray(), bytearray()

    def on_headers_finished(self) -> None:
        """Open the destination if this part is the file (a 422 if its type is unsupported)."""
        _, options = parse_options_header(self._headers.get("content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if filename is None:
            return
        if self.upload is not None:
            raise InvalidInputError(
                "send one file per upload",
                details=[{"field": self._name, "message": "a second file"}],
            )
        name = filename.decode("utf-8", "replace").replace("\\", "/").rsplit("/", 1)[-1]
        target = self._make_target(name)
        self.handle = target.partial.open("wb")
        self.upload = ReceivedUpload(target, name, 0)
        self._in_file = True

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        """Append file bytes (a 413 past the limit) or field bytes."""
        if self._in_file and self.upload is not None:
            self.upload.size += end - start
            if self.upload.size > self._limit:
                raise too_large(self._limit_mb)
            self.pending += data[start:end]
            return
        self._value += data[start:end]
        if len(self._value) > MAX_FIELD_BYTES:
            raise InvalidInputError(
                f"form field {self._name!r} is too long",
                details=[{"field": self._name, "message": "longer than 10,000 bytes"}],
            )

    def on_part_end(self) -> None:
        """Keep a finished form field."""
        if not self._in_file:
            self.fields[self._name] = self._value.decode("utf-8", "replace")
        self._in_file = False

    def on_end(self) -> None:
        """Note that the body ended properly."""
        self.finished = True


async def receive_upload(
    request: Request, make_target: TargetFactory, limit_mb: float
) -> ReceivedUpload:
    """Stream a ``multipart/form-data`` body's file part to disk; 413 past ``limit_mb``."""
    content_type = request.headers.get("content-type", "")
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise InvalidInputError(
            "send the file as multipart/form-data, in a field named 'file'",
            details=[{"field": "file", "message": "expected a multipart/form-data upload"}],
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit_mb * 2**20 + ENVELOPE_BYTES:
        raise too_large(limit_mb)
    receiver = _Receiver(make_target, limit_mb)
    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": receiver.on_part_begin,
            "on_part_data": receiver.on_part_data,
            "on_part_end": receiver.on_part_end,
            "on_header_field": receiver.on_header_field,
            "on_header_value": receiver.on_header_value,
            "on_header_end": receiver.on_header_end,
            "on_headers_finished": receiver.on_headers_finished,
            "on_end": receiver.on_end,
        },
    )
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            if len(receiver.pending) >= FLUSH_BYTES:
                await _flush(receiver)
        parser.finalize()
        await _flush(receiver)
    except BaseException:
        _close(receiver)
        if receiver.upload is not None:
            receiver.upload.target.discard()
        raise
    _close(receiver)
    return _finish(receiver)


async def _flush(receiver: _Receiver) -> None:
    """Write what has arrived of the file, off the event loop."""
    if receiver.pending and receiver.handle is not None:
        data = bytes(receiver.pending)
        receiver.pending.clear()
        await run_in_threadpool(receiver.handle.write, data)


def _close(receiver: _Receiver) -> None:
    """Close the file being written, if any."""
    if receiver.handle is not None:
        receiver.handle.close()
        receiver.handle = None


def _finish(receiver: _Receiver) -> ReceivedUpload:
    """Check the body was complete with a file in it; move the file into place."""
    upload = receiver.upload
    if upload is None:
        raise InvalidInputError(
            "no file in the upload: send it as the multipart field 'file'",
            details=[{"field": "file", "message": "missing"}],
        )
    if not receiver.finished:
        upload.target.discard()
        raise InvalidInputError(
            "the upload ended early (incomplete multipart body)",
            details=[{"field": "file", "message": "truncated"}],
        )
    upload.target.partial.rename(upload.target.path)
    upload.fields = receiver.fields
    return upload


def multipart_body(
    file_description: str,
    fields: dict[str, dict[str, Any]] | None = None,
    *,
    required: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The OpenAPI ``openapi_extra`` of a multipart upload: a ``file`` and these form fields."""
    properties: dict[str, Any] = {
        "file": {"type": "string", "format": "binary", "description": file_description},
        **(fields or {}),
    }
    schema = {"type": "object", "required": ["file", *required], "properties": properties}
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": schema}},
        }
    }


def form_options(
    model: type[FormModel], query: dict[str, Any], form: dict[str, str], *, what: str
) -> FormModel:
    """An upload's options: form fields win over query parameters; a 422 names a bad field."""
    given = {name: value for name, value in query.items() if value is not None}
    try:
        return model.model_validate(given | form)
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(part) for part in error["loc"]), "message": error["msg"]}
            for error in exc.errors()
        ]
        summary = "; ".join(f"{d['field']}: {d['message']}" for d in details)
        raise InvalidInputError(f"invalid {what}: {summary}", details=details) from exc
