"""The ``csv`` collector: a timestamp and a value column out of any CSV document."""

from datetime import UTC, datetime

import pytest

from preditiva.core.errors import CollectorError, SourceInvalidError
from preditiva.data.collectors import Collectors, Point, validate_source
from tests.support.fake_services import FakeServices, Reply

NOW = datetime(2024, 3, 7, tzinfo=UTC)


def csv_reply(text: str) -> Reply:
    return Reply(body=text.encode(), content_type="text/csv")


def test_named_columns_give_one_point_per_row_with_a_value(
    collectors: Collectors, services: FakeServices
) -> None:
    url = services.url("/files/prices.csv")

    points = collectors.collect(f"csv:{url}#ts=date,value=close,volume=volume", now=NOW)

    assert points == [
        Point(ts=datetime(2024, 3, 1, tzinfo=UTC), value=1098.25, volume=1520.0),
        Point(ts=datetime(2024, 3, 4, tzinfo=UTC), value=1106.0, volume=1315.0),
        Point(ts=datetime(2024, 3, 6, tzinfo=UTC), value=1119.75, volume=1702.0),
    ]


def test_default_columns_are_ts_and_value(collectors: Collectors, services: FakeServices) -> None:
    services.script("/p.csv", csv_reply("ts,value\n2024-03-01T10:00:00Z,5.5\n"))

    points = collectors.collect(f"csv:{services.url('/p.csv')}", now=NOW)

    assert points == [Point(ts=datetime(2024, 3, 1, 10, tzinfo=UTC), value=5.5)]


def test_semicolons_and_decimal_commas_are_options(
    collectors: Collectors, services: FakeServices
) -> None:
    services.script("/br.csv", csv_reply("\ufeffData;Preço\n2024-03-01;1.098,25\n"))

    points = collectors.collect(
        f"csv:{services.url('/br.csv')}#ts=data,value=preço,sep=;,decimal=comma", now=NOW
    )

    assert points == [Point(ts=datetime(2024, 3, 1, tzinfo=UTC), value=1098.25)]


def test_a_missing_column_fails_listing_the_columns(
    collectors: Collectors, services: FakeServices
) -> None:
    with pytest.raises(CollectorError, match=r"no 'ts' column for ts \(columns: date, close"):
        collectors.collect(f"csv:{services.url('/files/prices.csv')}", now=NOW)


def test_an_unreadable_cell_fails_naming_line_and_column(
    collectors: Collectors, services: FakeServices
) -> None:
    services.script("/p.csv", csv_reply("ts,value\n2024-03-01,1\n2024-03-02,n/a\n"))

    with pytest.raises(CollectorError, match=r"line 3, column 'value': not a number: 'n/a'"):
        collectors.collect(f"csv:{services.url('/p.csv')}", now=NOW)


def test_an_empty_document_is_malformed(collectors: Collectors, services: FakeServices) -> None:
    services.script("/p.csv", csv_reply(""))

    with pytest.raises(CollectorError, match="the document is empty"):
        collectors.collect(f"csv:{services.url('/p.csv')}", now=NOW)


@pytest.mark.parametrize(
    "source", ["csv:https://x/p.csv#ts", "csv:https://x/p.csv#sep=x", "csv:file:///p.csv"]
)
def test_bad_csv_targets_are_rejected_before_fetching(source: str) -> None:
    with pytest.raises(SourceInvalidError):
        validate_source(source)
