"""The Yahoo Finance collector against a local server answering in the chart API's format."""

from datetime import UTC, datetime, timedelta

import pytest

from preditiva.core.errors import CollectorError, SourceInvalidError
from preditiva.data.collectors import Collectors, Point, validate_source
from preditiva.data.collectors.yahoo import range_since
from tests.support.fake_services import FakeServices, Reply, malformed

NOW = datetime(2024, 1, 12, 21, 0, tzinfo=UTC)
CHART = "/v8/finance/chart/PETR4.SA"


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_daily_bars_are_read_with_null_closes_skipped(collectors: Collectors) -> None:
    points = collectors.collect("yahoo:PETR4.SA", now=NOW)

    assert [p.ts for p in points] == [
        day("2024-01-08"),
        day("2024-01-09"),
        day("2024-01-11"),
        day("2024-01-12"),
    ]
    assert points[0] == Point(
        ts=day("2024-01-08"), value=37.51, open=37.2, high=37.68, low=36.98, volume=41234500.0
    )
    assert [p.value for p in points] == [37.51, 37.35, 37.21, 37.05]


def test_first_run_asks_for_ten_years_of_daily_bars(
    collectors: Collectors, services: FakeServices
) -> None:
    collectors.collect("yahoo:PETR4.SA", now=NOW)

    (request,) = services.requests_to(CHART)
    assert request.query == {"range": ["10y"], "interval": ["1d"]}


def test_later_runs_ask_only_for_the_time_since_the_last_success(
    collectors: Collectors, services: FakeServices
) -> None:
    collectors.collect("yahoo:PETR4.SA", since=NOW - timedelta(days=2), now=NOW)

    assert services.requests_to(CHART)[0].query["range"] == ["5d"]


def test_a_range_in_the_source_wins(collectors: Collectors, services: FakeServices) -> None:
    collectors.collect("yahoo:PETR4.SA#range=max", since=NOW, now=NOW)

    assert services.requests_to(CHART)[0].query["range"] == ["max"]


@pytest.mark.parametrize(
    ("days", "expected"), [(1, "5d"), (20, "1mo"), (200, "1y"), (3000, "10y"), (9000, "max")]
)
def test_range_since_covers_the_gap(days: int, expected: str) -> None:
    assert range_since(NOW - timedelta(days=days), NOW) == expected


def test_an_unknown_symbol_fails_with_yahoos_own_words_and_no_retry(
    collectors: Collectors, services: FakeServices
) -> None:
    with pytest.raises(CollectorError, match="No data found, symbol may be delisted") as caught:
        collectors.collect("yahoo:NOPE3.SA", now=NOW)

    assert str(caught.value).startswith("yahoo:NOPE3.SA: ")
    assert len(services.requests_to("/v8/finance/chart/NOPE3.SA")) == 1


def test_symbols_are_escaped_in_the_path(collectors: Collectors, services: FakeServices) -> None:
    with pytest.raises(CollectorError):
        collectors.collect("yahoo:^BVSP", now=NOW)

    assert services.requests_to("/v8/finance/chart/%5EBVSP")


def test_a_chart_error_in_a_200_answer_fails(
    collectors: Collectors, services: FakeServices
) -> None:
    body = b'{"chart": {"result": null, "error": {"code": "Bad Request", "description": "x"}}}'
    services.script(CHART, Reply(body=body))

    with pytest.raises(CollectorError, match="Yahoo Finance says Bad Request"):
        collectors.collect("yahoo:PETR4.SA", now=NOW)


def test_a_chart_without_quotes_is_malformed(
    collectors: Collectors, services: FakeServices
) -> None:
    services.script(CHART, malformed(b'{"chart": {"result": [{"timestamp": [1704718800]}]}}'))

    with pytest.raises(CollectorError, match="malformed Yahoo chart: no 'indicators'"):
        collectors.collect("yahoo:PETR4.SA", now=NOW)


def test_quote_lists_of_another_length_are_malformed(
    collectors: Collectors, services: FakeServices
) -> None:
    body = b"""{"chart": {"error": null, "result": [{"timestamp": [1704718800, 1704805200],
        "indicators": {"quote": [{"close": [37.5]}]}}]}}"""
    services.script(CHART, malformed(body))

    with pytest.raises(CollectorError, match="differ in length"):
        collectors.collect("yahoo:PETR4.SA", now=NOW)


def test_a_range_with_no_bars_gives_no_points(
    collectors: Collectors, services: FakeServices
) -> None:
    services.script(CHART, Reply(body=b'{"chart": {"result": [{"meta": {}}], "error": null}}'))

    assert collectors.collect("yahoo:PETR4.SA", now=NOW) == []


@pytest.mark.parametrize("source", ["yahoo:PETR4 SA", "yahoo:PETR4.SA#range=3w", "yahoo:a/b"])
def test_bad_yahoo_targets_are_rejected_before_fetching(source: str) -> None:
    with pytest.raises(SourceInvalidError):
        validate_source(source)
