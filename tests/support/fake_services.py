"""A local HTTP server answering like Yahoo Finance, Mercado Livre, a scraping proxy and file hosts.

Normal answers come from the recorded-format documents in ``tests/fixtures``:

* ``GET /v8/finance/chart/<symbol>`` — ``yahoo_chart_<symbol>.json``, else Yahoo's 404 body;
* ``GET /sites/<site>/search?q=…`` — ``mercadolivre_search_MLB.json``;
* ``GET /files/<name>`` — the fixture file ``<name>`` (JSON or CSV);
* ``GET /proxy?url=<encoded URL>`` — answers what this server answers for that URL.

On demand (:meth:`FakeServices.script`) a path answers an HTTP error, hangs (to trigger a
client timeout) or sends a malformed body, a given number of times, then answers normally.
Every request is recorded with its arrival time.
"""

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qs, unquote, urlsplit

from preditiva.data.collectors import CollectorConfig, HttpPolicy

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CONTENT_TYPES = {".json": "application/json", ".csv": "text/csv; charset=utf-8"}
#: Short timeouts, three attempts, tiny back-off and no spacing: failures show up fast.
FAST_HTTP = HttpPolicy(timeout=0.3, retries=2, backoff=0.01, backoff_max=0.05, min_interval=0.0)


@dataclass(frozen=True)
class Reply:
    """One scripted answer: a status and body, optionally after a delay (a hang)."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordedRequest:
    """A request the server received: path, decoded query and monotonic arrival time."""

    path: str
    query: dict[str, list[str]]
    at: float


def error(status: int, body: str = '{"error": "scripted failure"}') -> Reply:
    """An HTTP error answer."""
    return Reply(status=status, body=body.encode())


def hang(seconds: float) -> Reply:
    """An answer that takes ``seconds`` to start (longer than the client's timeout)."""
    return Reply(status=200, body=b"{}", delay=seconds)


def malformed(
    body: bytes = b'{"chart": {"result": [', content_type: str = "application/json"
) -> Reply:
    """A 200 answer whose body is not what the client expects."""
    return Reply(status=200, body=body, content_type=content_type)


class FakeServices:
    """The fake services on a free local port; start with ``with`` or :meth:`start`."""

    def __init__(self) -> None:
        """Bind a free local port (serving starts with :meth:`start`)."""
        self._lock = threading.Lock()
        self._scripts: dict[str, list[Reply]] = {}
        self.requests: list[RecordedRequest] = []
        self.stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this server."""
        return self.base_url + path

    def start(self) -> "FakeServices":
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; hanging answers end at once."""
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FakeServices":
        """Start serving."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop serving."""
        self.stop()

    def script(self, path: str, *replies: Reply) -> None:
        """Answer the next requests to ``path`` with ``replies`` in order, then normally."""
        with self._lock:
            self._scripts.setdefault(path, []).extend(replies)

    def reset(self) -> None:
        """Forget scripts and recorded requests."""
        with self._lock:
            self._scripts.clear()
            self.requests.clear()

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """The recorded requests whose path is ``path``."""
        with self._lock:
            return [request for request in self.requests if request.path == path]

    def answer(self, path: str, query: dict[str, list[str]]) -> Reply:
        """Record a request and choose its answer: a scripted one first, else the normal one."""
        with self._lock:
            self.requests.append(RecordedRequest(path, query, time.monotonic()))
            scripted = self._scripts.get(path)
            if scripted:
                return scripted.pop(0)
        return self._normal(path, query)

    def _normal(self, path: str, query: dict[str, list[str]]) -> Reply:
        """The answer a real service would give for this path and query."""
        parts = [unquote(part) for part in path.strip("/").split("/")]
        if parts[:3] == ["v8", "finance", "chart"] and len(parts) == 4:
            fixture = FIXTURES / f"yahoo_chart_{parts[3]}.json"
            if fixture.exists() and query.get("interval") == ["1d"]:
                return Reply(body=fixture.read_bytes())
            return Reply(status=404, body=(FIXTURES / "yahoo_chart_not_found.json").read_bytes())
        if parts[0] == "sites" and parts[2:] == ["search"] and query.get("q"):
            return Reply(body=(FIXTURES / "mercadolivre_search_MLB.json").read_bytes())
        if parts[0] == "files" and len(parts) == 2 and (FIXTURES / parts[1]).is_file():
            fixture = FIXTURES / parts[1]
            return Reply(body=fixture.read_bytes(), content_type=CONTENT_TYPES[fixture.suffix])
        if parts == ["proxy"] and query.get("url"):
            target = urlsplit(query["url"][0])
            return self.answer(target.path, parse_qs(target.query))
        body = json.dumps({"message": f"no route for {path}", "status": 404}).encode()
        return Reply(status=404, body=body)


def _handler_for(services: FakeServices) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to ``services``."""

    class Handler(BaseHTTPRequestHandler):
        """Answers GET requests from the services' routes and scripts."""

        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            """Answer one GET."""
            parts = urlsplit(self.path)
            reply = services.answer(parts.path, parse_qs(parts.query))
            if reply.delay and services.stopping.wait(reply.delay):
                return
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format: str, *args: object) -> None:
            """Keep test output quiet."""

    return Handler


@contextmanager
def running_fake_services() -> Iterator[FakeServices]:
    """Fake services for the length of a block."""
    with FakeServices() as services:
        yield services


def collector_config(services: FakeServices, **overrides: object) -> CollectorConfig:
    """Collector settings with every base URL on ``services`` and fast retries."""
    values: dict[str, object] = {
        "http": FAST_HTTP,
        "yahoo_base_url": services.base_url,
        "mercadolivre_base_url": services.base_url,
    }
    values.update(overrides)
    return CollectorConfig(**values)  # type: ignore[arg-type]


def settings_overrides(services: FakeServices) -> dict[str, object]:
    """Platform settings that point every collector at ``services``, with fast retries."""
    return {
        "yahoo_base_url": services.base_url,
        "mercadolivre_base_url": services.base_url,
        "collector_timeout": FAST_HTTP.timeout,
        "collector_retries": FAST_HTTP.retries,
        "collector_backoff": FAST_HTTP.backoff,
        "collector_min_interval": 0.0,
    }
