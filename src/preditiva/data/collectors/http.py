"""HTTP for collectors: timeouts, retries with exponential back-off and a per-host rate limit.

Retried: connection errors, timeouts, 429 and 5xx answers (a ``Retry-After`` header is
honoured up to the longest back-off). Not retried: other 4xx answers, which say the request
itself is wrong. Every failure ends as a :class:`~preditiva.core.errors.CollectorError`
naming the source, the host and what went wrong.
"""

import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from preditiva.core.errors import CollectorError

BODY_EXCERPT = 200


@dataclass(frozen=True)
class HttpPolicy:
    """How collectors talk to a service: timeout, retries, back-off and request spacing."""

    timeout: float = 10.0
    retries: int = 2
    backoff: float = 1.0
    backoff_max: float = 30.0
    min_interval: float = 1.0
    user_agent: str = "Mozilla/5.0 (compatible; preditiva/0.1)"


class RateLimiter:
    """Keeps at least a minimum interval between requests to the same host, across threads."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        """Start with no host booked."""
        self._clock = clock
        self._lock = threading.Lock()
        self._next_slot: dict[str, float] = {}

    def reserve(self, host: str, interval: float) -> float:
        """Book the next free slot for ``host``; return how many seconds to wait for it."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot.get(host, now))
            self._next_slot[host] = slot + interval
            return slot - now


#: The limiter every fetcher of a process shares unless given its own.
SHARED_LIMITER = RateLimiter()


def retryable(status: int) -> bool:
    """Whether an HTTP status is worth asking again: 429 (too many requests) and 5xx."""
    return status == 429 or status >= 500


class HttpFetcher:
    """A thread-safe HTTP client that retries, spaces requests per host and names failures."""

    def __init__(
        self,
        policy: HttpPolicy,
        *,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """Open a connection pool with the policy's timeout and headers."""
        self.policy = policy
        self._limiter = limiter or SHARED_LIMITER
        self._sleep = sleep
        self._client = httpx.Client(
            timeout=policy.timeout,
            follow_redirects=True,
            headers={"User-Agent": policy.user_agent, "Accept": "*/*"},
            transport=transport,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def get(
        self,
        url: str,
        *,
        source: str,
        params: Mapping[str, str] | None = None,
        allow_statuses: Collection[int] = (),
    ) -> httpx.Response:
        """GET ``url``, retrying what is worth retrying; statuses in ``allow_statuses`` return."""
        try:
            host = httpx.URL(url).netloc.decode("ascii")
        except httpx.InvalidURL as exc:
            raise CollectorError(source, f"invalid URL {url!r}: {exc}") from None
        attempts = self.policy.retries + 1
        for attempt in range(1, attempts + 1):
            self._sleep(self._limiter.reserve(host, self.policy.min_interval))
            wait: float | None = None
            status: int | None = None
            try:
                response = self._client.get(url, params=params)
            except httpx.TimeoutException as exc:
                problem = f"timed out after {self.policy.timeout:g}s ({_name(exc)}) at {host}"
            except httpx.UnsupportedProtocol as exc:
                raise CollectorError(source, f"unsupported URL {url!r}: {exc}") from None
            except httpx.TransportError as exc:
                problem = f"could not reach {host}: {_name(exc)}: {exc}"
            else:
                status = response.status_code
                if status < 400 or status in allow_statuses:
                    return response
                problem = f"HTTP {status} {response.reason_phrase} from {host}{_excerpt(response)}"
                if not retryable(status):
                    raise CollectorError(source, problem, http_status=status)
                wait = _retry_after(response)
            if attempt == attempts:
                break
            delay = min(self.policy.backoff * 2 ** (attempt - 1), self.policy.backoff_max)
            self._sleep(min(wait, self.policy.backoff_max) if wait is not None else delay)
        raise CollectorError(
            source, f"{problem} (after {attempts} attempts)", transient=True, http_status=status
        )

    def get_json(
        self,
        url: str,
        *,
        source: str,
        params: Mapping[str, str] | None = None,
        allow_statuses: Collection[int] = (),
    ) -> tuple[int, Any]:
        """GET ``url`` and decode its JSON body; return the status and the document."""
        response = self.get(url, source=source, params=params, allow_statuses=allow_statuses)
        try:
            return response.status_code, response.json()
        except ValueError as exc:
            host = response.url.netloc.decode("ascii")
            raise CollectorError(
                source, f"malformed JSON from {host}: {exc}{_excerpt(response)}"
            ) from None


def _name(exc: Exception) -> str:
    """The exception's class name, for messages."""
    return exc.__class__.__name__


def _excerpt(response: httpx.Response) -> str:
    """The start of a response body on one line, for error messages."""
    text = " ".join(response.text[: BODY_EXCERPT * 2].split())
    if not text:
        return ""
    return f": {text[:BODY_EXCERPT]}" + ("…" if len(text) > BODY_EXCERPT else "")


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait, if it gives a number."""
    raw = response.headers.get("Retry-After")
    if raw is None:
        return None
    try:
        return max(float(raw), 0.0)
    except ValueError:
        return None
