"""Collectors: fetch a series' prices from the service its source string names.

A source is ``<scheme>:<target>``; the scheme picks the collector (see
:mod:`~preditiva.data.collectors.registry`):

* ``yahoo:PETR4.SA`` — daily OHLCV from Yahoo Finance (:mod:`.yahoo`);
* ``mercadolivre:"furadeira bosch"`` — today's offers on Mercado Livre (:mod:`.mercadolivre`);
* ``http+json:https://x/api#data[*].{ts=date,value=close}`` — any JSON (:mod:`.http_json`);
* ``csv:https://x/p.csv#ts=date,value=close`` — any CSV (:mod:`.http_csv`).

Collectors are pure: they return :class:`Point` lists and never touch the database. Every
failure is a :class:`~preditiva.core.errors.CollectorError` naming the source and what went
wrong; a malformed source string is a :class:`~preditiva.core.errors.SourceInvalidError`.
"""

from preditiva.data.collectors.base import Collector, CollectorConfig, Point, SourceRef
from preditiva.data.collectors.http import HttpFetcher, HttpPolicy, RateLimiter
from preditiva.data.collectors.registry import (
    ALIASES,
    Collectors,
    collector_class,
    parse_source,
    validate_source,
)

__all__ = [
    "ALIASES",
    "Collector",
    "CollectorConfig",
    "Collectors",
    "HttpFetcher",
    "HttpPolicy",
    "Point",
    "RateLimiter",
    "SourceRef",
    "collector_class",
    "parse_source",
    "validate_source",
]
