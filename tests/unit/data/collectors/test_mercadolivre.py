"""The Mercado Livre collector against a local server answering in the search API's format."""

from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from preditiva.core.errors import CollectorError
from preditiva.data.collectors import Collectors, Point, RateLimiter
from preditiva.data.collectors.mercadolivre import through_proxy
from tests.support.fake_services import FakeServices, Reply, collector_config

NOW = datetime(2024, 3, 6, 14, 30, 5, 123456, tzinfo=UTC)
SOURCE = 'mercadolivre:"furadeira bosch"'
SEARCH = "/sites/MLB/search"


def test_one_run_is_one_point_median_min_max_and_count(collectors: Collectors) -> None:
    points = collectors.collect(SOURCE, now=NOW)

    assert points == [
        Point(
            ts=datetime(2024, 3, 6, 14, 30, 5, tzinfo=UTC),
            value=349.9,
            low=180.0,
            high=519.0,
            volume=5.0,
        )
    ]


def test_the_search_asks_the_site_for_the_unquoted_term(
    collectors: Collectors, services: FakeServices
) -> None:
    collectors.collect(SOURCE, now=NOW)

    (request,) = services.requests_to(SEARCH)
    assert request.query == {"q": ["furadeira bosch"], "limit": ["50"]}


def test_the_site_is_configurable(services: FakeServices) -> None:
    config = collector_config(services, mercadolivre_site="MLA")
    with Collectors(config, limiter=RateLimiter()) as collectors:
        collectors.collect('mercadolivre:"taladro bosch"', now=NOW)

    assert services.requests_to("/sites/MLA/search")


def test_with_a_proxy_requests_go_through_it(services: FakeServices) -> None:
    config = collector_config(
        services,
        mercadolivre_base_url="http://api.mercadolibre.invalid",
        mercadolivre_proxy_url=services.url("/proxy"),
    )
    with Collectors(config, limiter=RateLimiter()) as collectors:
        points = collectors.collect(SOURCE, now=NOW)

    assert points[0].value == 349.9
    (request,) = services.requests_to("/proxy")
    assert request.query["url"] == [
        "http://api.mercadolibre.invalid/sites/MLB/search?q=furadeira+bosch&limit=50"
    ]


def test_a_proxy_url_with_a_placeholder_gets_the_encoded_target_there() -> None:
    target = "https://api.mercadolibre.com/sites/MLB/search?q=a+b&limit=50"

    assert through_proxy("https://p.example/?key=K&url={url}&render=false", target) == (
        f"https://p.example/?key=K&url={quote(target, safe='')}&render=false"
    )
    assert through_proxy("https://p.example/fetch?key=K", target) == (
        f"https://p.example/fetch?key=K&url={quote(target, safe='')}"
    )


def test_a_search_without_priced_offers_fails(
    collectors: Collectors, services: FakeServices
) -> None:
    services.script(SEARCH, Reply(body=b'{"results": [{"id": "MLB1", "price": null}]}'))

    with pytest.raises(CollectorError, match="no priced offers found for 'furadeira bosch'"):
        collectors.collect(SOURCE, now=NOW)


def test_an_answer_without_results_is_malformed(
    collectors: Collectors, services: FakeServices
) -> None:
    services.script(SEARCH, Reply(body=b'{"message": "ok"}'))

    with pytest.raises(CollectorError, match="no 'results' list"):
        collectors.collect(SOURCE, now=NOW)
