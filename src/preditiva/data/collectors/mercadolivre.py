"""``mercadolivre:"<search term>"``: today's offer prices for a term on Mercado Livre.

``GET {base}/sites/{site}/search?q=<term>&limit=50`` (site ``MLB`` is Brazil) answers
``results[]`` whose ``price`` is each offer's price. One run becomes ONE observation at the
collection time: value = median offer price, ``low`` = cheapest, ``high`` = dearest,
``volume`` = how many offers were priced.

Proxy convention (for scraping services): when a proxy URL is set the request goes to the
proxy instead, with the URL-encoded target URL either put where the proxy URL says
``{url}`` (``https://proxy.example/?key=K&url={url}``) or, without ``{url}``, appended as
the ``url`` query parameter (``https://proxy.example/fetch`` →
``https://proxy.example/fetch?url=<encoded target>``). The proxy must answer with the
service's JSON unchanged.
"""

import statistics
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from preditiva.core.errors import CollectorError
from preditiva.data.collectors.base import Collector, Point, SourceRef

PAGE_SIZE = 50


def through_proxy(proxy_url: str, target_url: str) -> str:
    """The URL that asks ``proxy_url`` to fetch ``target_url`` (see the module docstring)."""
    encoded = quote(target_url, safe="")
    if "{url}" in proxy_url:
        return proxy_url.replace("{url}", encoded)
    joiner = "&" if "?" in proxy_url else "?"
    return f"{proxy_url}{joiner}url={encoded}"


def offer_prices(document: Any, *, source: str) -> list[float]:
    """The positive prices of the offers in a search document."""
    results = document.get("results") if isinstance(document, dict) else None
    if not isinstance(results, list):
        raise CollectorError(source, "malformed Mercado Livre search: no 'results' list")
    prices: list[float] = []
    for offer in results:
        price = offer.get("price") if isinstance(offer, dict) else None
        if isinstance(price, int | float) and not isinstance(price, bool) and price > 0:
            prices.append(float(price))
    return prices


class MercadoLivreCollector(Collector):
    """One observation per run summarising the offers for a search term."""

    scheme = "mercadolivre"

    def collect(
        self, source: SourceRef, *, since: datetime | None = None, now: datetime
    ) -> list[Point]:
        """Search once and reduce the offers' prices to median, min, max and count."""
        base = self.config.mercadolivre_base_url.rstrip("/")
        site = quote(self.config.mercadolivre_site, safe="")
        url = f"{base}/sites/{site}/search?" + urlencode(
            {"q": source.target, "limit": str(PAGE_SIZE)}
        )
        if self.config.mercadolivre_proxy_url:
            url = through_proxy(self.config.mercadolivre_proxy_url, url)
        _status, document = self.http.get_json(url, source=str(source))
        prices = offer_prices(document, source=str(source))
        if not prices:
            raise CollectorError(source.raw, f"no priced offers found for {source.target!r}")
        return [
            Point(
                ts=now.replace(microsecond=0),
                value=statistics.median(prices),
                low=min(prices),
                high=max(prices),
                volume=float(len(prices)),
            )
        ]
