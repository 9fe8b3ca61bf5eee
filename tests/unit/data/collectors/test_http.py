"""The collectors' HTTP layer: the per-host rate limit, shared across threads."""

import threading
from itertools import pairwise

import pytest

from preditiva.data.collectors import HttpFetcher, HttpPolicy, RateLimiter
from tests.support.fake_services import FakeServices

INTERVAL = 0.15


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_limiter_books_one_slot_per_interval_per_host() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock)

    assert [limiter.reserve("a", 1.0) for _ in range(3)] == [0.0, 1.0, 2.0]
    assert limiter.reserve("b", 1.0) == 0.0
    clock.now += 10
    assert limiter.reserve("a", 1.0) == 0.0


def test_requests_to_one_host_are_spaced_even_from_several_threads(
    services: FakeServices,
) -> None:
    fetcher = HttpFetcher(HttpPolicy(timeout=2.0, min_interval=INTERVAL), limiter=RateLimiter())
    threads = [
        threading.Thread(
            target=fetcher.get, args=(services.url("/files/prices.csv"),), kwargs={"source": "t"}
        )
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fetcher.close()

    arrivals = sorted(request.at for request in services.requests_to("/files/prices.csv"))
    assert len(arrivals) == 4
    assert all(later - earlier >= INTERVAL * 0.9 for earlier, later in pairwise(arrivals))


def test_retries_wait_their_turn_too(services: FakeServices) -> None:
    waits: list[float] = []
    fetcher = HttpFetcher(
        HttpPolicy(timeout=2.0, retries=1, backoff=0.0, min_interval=INTERVAL),
        limiter=RateLimiter(),
        sleep=waits.append,
    )
    fetcher.get(services.url("/files/prices.csv"), source="t")
    fetcher.get(services.url("/files/prices.csv"), source="t")
    fetcher.close()

    assert waits[0] == 0.0
    assert waits[1] == pytest.approx(INTERVAL, abs=0.05)
