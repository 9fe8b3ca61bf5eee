"""Repeated forecast reads answered before routing, straight from the answer cache.

A ``GET /v1/series/{key}/forecast`` is the hot path of the API: the answer was computed and
encoded once per registry generation, and what remains per request is HTTP. FastAPI's own
work for that route (matching, validating six parameters, resolving a dependency) costs
more than sending the bytes, so this middleware answers a request whose exact path and
query string the route has already answered in this generation, and lets every other
request through to the app. The route stores each answer it sends under that request key
(``request_key``), beside its own key of parsed parameters; a registry change empties both
with the rest of the cache. Without a running registry watcher (no lifespan) nothing is
served here: the route then checks the generation itself.
"""

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from preditiva.api.forecast_serving import ForecastServing

PREFIX, SUFFIX = "/v1/series/", "/forecast"


def request_key(path: str, query_string: bytes) -> tuple[str, str, bytes]:
    """The cache key of a forecast read as it arrived: its path and raw query string."""
    return ("request", path, query_string)


class CachedForecastReads:
    """Answer a forecast read the route has answered before; pass anything else on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path: str = scope["path"]
            if path.startswith(PREFIX) and path.endswith(SUFFIX):
                serving: ForecastServing | None = getattr(
                    scope["app"].state, "forecast_serving", None
                )
                if serving is not None and serving.watcher.alive:
                    found = serving.answers.get(request_key(path, scope["query_string"]))
                    if found is not None:
                        response = Response(found.body, media_type=found.media_type)
                        await response(scope, receive, send)
                        return
        await self.app(scope, receive, send)
