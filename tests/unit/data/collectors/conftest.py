"""Fake services, and collectors pointing at them."""

from collections.abc import Iterator

import pytest

from preditiva.data.collectors import Collectors, RateLimiter
from tests.support.fake_services import FakeServices, collector_config, running_fake_services


@pytest.fixture(scope="module")
def services() -> Iterator[FakeServices]:
    """One fake-services server per test module."""
    with running_fake_services() as services:
        yield services


@pytest.fixture(autouse=True)
def fresh_services(services: FakeServices) -> None:
    """Each test starts with no scripts and no recorded requests."""
    services.reset()


@pytest.fixture
def collectors(services: FakeServices) -> Iterator[Collectors]:
    """Collectors on the fake services, with their own rate limiter."""
    with Collectors(collector_config(services), limiter=RateLimiter()) as collectors:
        yield collectors
