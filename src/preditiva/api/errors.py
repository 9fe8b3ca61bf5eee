"""Every error answers JSON: ``{"error": {"code", "message", "details", "request_id"}}``."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from preditiva.api.request_context import current_request_id
from preditiva.core.errors import PreditivaError
from preditiva.core.logging import get_logger

log = get_logger(__name__)


def error_response(
    status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
) -> JSONResponse:
    """A JSON error body with the request id a person can quote."""
    body = {
        "error": {
            "code": code,
            "message": message,
            "details": details or [],
            "request_id": current_request_id(),
        }
    }
    return JSONResponse(body, status_code=status)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts) or "body"


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PreditivaError)
    return error_response(exc.status_code, exc.code, exc.message, exc.details)


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [{"field": _field(tuple(e["loc"])), "message": e["msg"]} for e in exc.errors()]
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in details)
    return error_response(422, "validation_error", f"invalid request: {summary}", details)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    messages = {404: "no such endpoint", 405: "method not allowed on this endpoint"}
    message = exc.detail if isinstance(exc.detail, str) else messages.get(exc.status_code, "error")
    if exc.status_code in messages and exc.detail in ("Not Found", "Method Not Allowed"):
        message = f"{messages[exc.status_code]}: {request.method} {request.url.path}"
    return error_response(exc.status_code, f"http_{exc.status_code}", message)


def install_error_handlers(app: FastAPI) -> None:
    """Map domain, validation and HTTP errors to JSON answers (500s: the request middleware)."""
    app.add_exception_handler(PreditivaError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
