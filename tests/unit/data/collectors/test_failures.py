"""Every collector under HTTP trouble: 5xx and 429 retried, other 4xx not, timeouts, bad bodies."""

import time
from datetime import UTC, datetime

import pytest

from preditiva.core.errors import CollectorError
from preditiva.data.collectors import Collectors
from tests.support.fake_services import FakeServices, Reply, error, hang, malformed

NOW = datetime(2024, 3, 7, tzinfo=UTC)
#: (source with {base} for the server, path it requests, a body it cannot read)
CASES = {
    "yahoo": ("yahoo:PETR4.SA", "/v8/finance/chart/PETR4.SA", b'{"chart": {"result": ['),
    "mercadolivre": ('mercadolivre:"furadeira bosch"', "/sites/MLB/search", b"<html>captcha"),
    "http+json": (
        "http+json:{base}/files/prices.json#data[*].{{ts=date,value=close}}",
        "/files/prices.json",
        b"not json",
    ),
    "csv": ("csv:{base}/files/prices.csv#ts=date,value=close", "/files/prices.csv", b"a,b\n1\n"),
}
ATTEMPTS = 3


@pytest.fixture(params=sorted(CASES))
def case(request: pytest.FixtureRequest, services: FakeServices) -> tuple[str, str, bytes]:
    """One collector's source, the path it requests, and a body it cannot read."""
    source, path, bad_body = CASES[request.param]
    return source.format(base=services.base_url), path, bad_body


def test_it_succeeds_against_the_real_format(
    collectors: Collectors, case: tuple[str, str, bytes]
) -> None:
    source, _path, _bad = case

    assert collectors.collect(source, now=NOW)


def test_a_5xx_is_retried_then_fails_naming_status_and_attempts(
    collectors: Collectors, services: FakeServices, case: tuple[str, str, bytes]
) -> None:
    source, path, _bad = case
    services.script(path, *[error(503)] * ATTEMPTS)

    with pytest.raises(CollectorError) as caught:
        collectors.collect(source, now=NOW)

    assert "HTTP 503 Service Unavailable from 127.0.0.1:" in caught.value.message
    assert caught.value.message.endswith(f"(after {ATTEMPTS} attempts)")
    assert caught.value.source == source
    assert caught.value.transient
    assert caught.value.http_status == 503
    assert len(services.requests_to(path)) == ATTEMPTS


def test_a_passing_5xx_is_retried_into_a_success(
    collectors: Collectors, services: FakeServices, case: tuple[str, str, bytes]
) -> None:
    source, path, _bad = case
    services.script(path, error(502), Reply(status=429, headers={"Retry-After": "0"}))

    assert collectors.collect(source, now=NOW)
    assert len(services.requests_to(path)) == 3


@pytest.mark.parametrize("status", [400, 403, 404])
def test_a_4xx_is_not_retried(
    collectors: Collectors, services: FakeServices, case: tuple[str, str, bytes], status: int
) -> None:
    source, path, _bad = case
    services.script(path, error(status, '{"message": "forbidden", "status": 403}'))

    with pytest.raises(CollectorError) as caught:
        collectors.collect(source, now=NOW)

    assert not caught.value.transient
    assert len(services.requests_to(path)) == 1


def test_a_hanging_service_times_out_on_every_attempt(
    collectors: Collectors, services: FakeServices, case: tuple[str, str, bytes]
) -> None:
    source, path, _bad = case
    services.script(path, *[hang(5.0)] * ATTEMPTS)
    started = time.monotonic()

    with pytest.raises(CollectorError, match=r"timed out after 0.3s \(ReadTimeout\)") as caught:
        collectors.collect(source, now=NOW)

    assert time.monotonic() - started < 3.0
    assert caught.value.transient
    assert len(services.requests_to(path)) == ATTEMPTS


def test_a_malformed_body_fails_at_once_saying_so(
    collectors: Collectors, services: FakeServices, case: tuple[str, str, bytes]
) -> None:
    source, path, bad_body = case
    services.script(path, malformed(bad_body))

    with pytest.raises(CollectorError, match="malformed") as caught:
        collectors.collect(source, now=NOW)

    assert not caught.value.transient
    assert len(services.requests_to(path)) == 1


def test_a_refused_connection_is_retried_then_fails(collectors: Collectors) -> None:
    with pytest.raises(
        CollectorError, match=r"could not reach 127.0.0.1:9: ConnectError.*\(after 3 attempts\)"
    ):
        collectors.collect("http+json:http://127.0.0.1:9/p.json#a", now=NOW)
