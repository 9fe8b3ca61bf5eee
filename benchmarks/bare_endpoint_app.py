"""A bare FastAPI app answering recorded responses: the reference of the endpoint load benchmark.

It knows nothing of Preditiva. ``BARE_RECORDING`` names a JSON file of routes, each a method,
a path template (``/v1/series/{key}/forecast``) and the exact answers recorded from the real
API for some concrete paths; the app registers one route per template whose async handler
reads the request body (for POST) and returns the recorded bytes with their media type.
Run it as ``python benchmarks/bare_endpoint_app.py`` with ``BARE_HOST``, ``BARE_PORT`` and
``BARE_LOG_LEVEL``: it calls ``uvicorn.run`` the way ``preditiva api`` does (one process,
default loop and HTTP parser, no access log, logging configured by the app).
"""

import base64
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response


def replay(answers: dict[str, tuple[int, bytes, str]]) -> Callable[[Request], Awaitable[Response]]:
    """A handler returning the answer recorded for the request's path (404 if none)."""

    async def endpoint(request: Request) -> Response:
        if request.method in {"POST", "PUT", "PATCH"}:
            await request.body()
        found = answers.get(request.url.path)
        if found is None:
            return Response(b'{"error": "not recorded"}', 404, media_type="application/json")
        status, body, media_type = found
        return Response(body, status, media_type=media_type)

    return endpoint


def create_app(recording: list[dict[str, Any]] | None = None) -> FastAPI:
    """The app for ``recording`` (read from the ``BARE_RECORDING`` file when not given)."""
    if recording is None:
        recording = json.loads(Path(os.environ["BARE_RECORDING"]).read_text())
    app = FastAPI(title="bare endpoint")
    for route in recording:
        answers = {
            path: (answer["status"], base64.b64decode(answer["body"]), answer["media_type"])
            for path, answer in route["answers"].items()
        }
        app.add_api_route(route["template"], replay(answers), methods=[route["method"]])
    return app


def main() -> None:
    """Serve the replaying app (see ``serve``)."""
    serve("bare_endpoint_app:create_app")


def serve(factory: str) -> None:
    """Serve like ``preditiva api``: uvicorn, one process, log_config=None, no access log."""
    import uvicorn

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(os.environ.get("BARE_LOG_LEVEL", "INFO").upper())
    logging.getLogger("uvicorn.access").disabled = True
    uvicorn.run(
        factory,
        factory=True,
        host=os.environ.get("BARE_HOST", "127.0.0.1"),
        port=int(os.environ["BARE_PORT"]),
        log_config=None,
        access_log=False,
    )


if __name__ == "__main__":
    main()
