"""Request ids: taken from ``X-Request-ID`` or made up, bound to every log line."""

import time
import uuid
from contextvars import ContextVar

import structlog
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from preditiva.core.logging import get_logger

log = get_logger("preditiva.api.request")
#: Successful requests log at DEBUG (one line each costs a quarter of a cached forecast
#: read); errors and requests slower than this log at INFO.
SLOW_REQUEST_MS = 500.0
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being served, if any."""
    return _request_id.get()


def internal_error_response() -> JSONResponse:
    """The JSON 500 answer, carrying the request id a person can quote."""
    body: dict[str, object] = {
        "error": {
            "code": "internal_error",
            "message": "internal error; the logs carry this request id",
            "details": [],
            "request_id": current_request_id(),
        }
    }
    return JSONResponse(body, status_code=500)


class RequestContextMiddleware:
    """Give each request an id, echo it in ``X-Request-ID``, log a line per request, answer 500s."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode()[:64]
        request_id = incoming or uuid.uuid4().hex
        token = _request_id.set(request_id)
        status = 500
        response_started = False
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception:
                log.exception("unhandled error", path=scope["path"])
                if response_started:
                    raise
                response = internal_error_response()
                await response(scope, receive, send_with_id)
            finally:
                duration_ms = (time.perf_counter() - started) * 1000
                noteworthy = status is None or status >= 400 or duration_ms >= SLOW_REQUEST_MS
                (log.info if noteworthy else log.debug)(
                    "request",
                    method=scope["method"],
                    path=scope["path"],
                    status=status,
                    duration_ms=round(duration_ms, 2),
                )
                _request_id.reset(token)
