"""The ``http+json`` collector: records or one value out of any JSON document."""

from datetime import UTC, datetime

import pytest

from preditiva.core.errors import CollectorError, SourceInvalidError
from preditiva.data.collectors import Collectors, Point, validate_source
from tests.support.fake_services import FakeServices, Reply

NOW = datetime(2024, 3, 6, 21, 0, 0, 500, tzinfo=UTC)
RECORDS = "#data[*].{ts=date,value=close,open=open,high=high,low=low,volume=volume}"


def test_a_record_path_gives_one_point_per_item_skipping_null_values(
    collectors: Collectors, services: FakeServices
) -> None:
    points = collectors.collect(f"http+json:{services.url('/files/prices.json')}{RECORDS}", now=NOW)

    assert [p.ts for p in points] == [
        datetime(2024, 3, 1, tzinfo=UTC),
        datetime(2024, 3, 4, tzinfo=UTC),
        datetime(2024, 3, 6, tzinfo=UTC),
    ]
    assert points[0] == Point(
        ts=datetime(2024, 3, 1, tzinfo=UTC),
        value=1098.25,
        open=1090.5,
        high=1102.0,
        low=1085.0,
        volume=1520.0,
    )


def test_a_value_path_gives_one_point_at_collection_time(
    collectors: Collectors, services: FakeServices
) -> None:
    points = collectors.collect(
        f"http+json:{services.url('/files/prices.json')}#last.price", now=NOW
    )

    assert points == [Point(ts=NOW.replace(microsecond=0), value=1119.75)]


def test_without_a_path_the_document_is_the_value(
    collectors: Collectors, services: FakeServices
) -> None:
    services.script("/price", Reply(body=b"42.5"))

    points = collectors.collect(f"http+json:{services.url('/price')}", now=NOW)

    assert [p.value for p in points] == [42.5]


def test_pairs_with_epoch_milliseconds_are_read_by_index(
    collectors: Collectors, services: FakeServices
) -> None:
    services.script(
        "/chart", Reply(body=b'{"prices": [[1709251200000, 61.5], [1709337600000, 62]]}')
    )

    points = collectors.collect(
        f"http+json:{services.url('/chart')}#prices[*].{{ts=[0],value=[1]}}", now=NOW
    )

    assert [(p.ts, p.value) for p in points] == [
        (datetime(2024, 3, 1, tzinfo=UTC), 61.5),
        (datetime(2024, 3, 2, tzinfo=UTC), 62.0),
    ]


def test_a_path_the_document_lacks_fails_naming_the_key(
    collectors: Collectors, services: FakeServices
) -> None:
    with pytest.raises(CollectorError, match=r"no key 'quote' at the top of the document"):
        collectors.collect(f"http+json:{services.url('/files/prices.json')}#quote.last", now=NOW)


def test_an_item_with_a_bad_timestamp_fails_naming_the_item(
    collectors: Collectors, services: FakeServices
) -> None:
    services.script("/rows", Reply(body=b'{"data": [{"date": "yesterday", "close": 1}]}'))

    with pytest.raises(CollectorError, match=r"item 0 .*not a timestamp: 'yesterday'"):
        collectors.collect(f"http+json:{services.url('/rows')}{RECORDS}", now=NOW)


@pytest.mark.parametrize(
    "source",
    [
        "http+json:ftp://x/p.json#a",
        "http+json:https://x/p.json#data[*]",
        "http+json:https://x/p.json#data[*].{value=close}",
        "http+json:https://x/p.json#data[*].{ts=date,value=close,price=p}",
        "http+json:https://x/p.json#a..b",
    ],
)
def test_bad_json_targets_are_rejected_before_fetching(source: str) -> None:
    with pytest.raises(SourceInvalidError):
        validate_source(source)
