"""``yahoo:<SYMBOL>[#range=<range>]``: daily OHLCV from Yahoo Finance's chart JSON API.

``GET {base}/v8/finance/chart/{symbol}?range=<range>&interval=1d`` answers
``chart.result[0]`` with ``timestamp`` and ``indicators.quote[0].{open,high,low,close,volume}``;
the value is the close, and days whose close is null are skipped. Each bar is stamped at
midnight UTC of its trading day in the exchange's time zone, so today's still-moving bar
is updated in place on the next run instead of added again. Without ``#range=`` the first
run fetches ten years and later runs only what covers the time since the last success.
Works for stocks (``PETR4.SA``), indices (``^BVSP``), crypto (``BTC-USD``) and FX (``BRL=X``).
"""

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from preditiva.core.errors import CollectorError, SourceInvalidError
from preditiva.data.collectors.base import Collector, Point, SourceRef
from preditiva.data.collectors.values import parse_number

RANGES: tuple[tuple[str, timedelta], ...] = (
    ("5d", timedelta(days=5)),
    ("1mo", timedelta(days=28)),
    ("3mo", timedelta(days=89)),
    ("6mo", timedelta(days=180)),
    ("1y", timedelta(days=365)),
    ("2y", timedelta(days=730)),
    ("5y", timedelta(days=1826)),
    ("10y", timedelta(days=3652)),
)
VALID_RANGES = {"1d", "ytd", "max", *(name for name, _ in RANGES)}
FIRST_RANGE = "10y"
#: Extra days fetched before the last success, so late corrections are picked up.
OVERLAP = timedelta(days=3)
QUOTE_FIELDS = ("open", "high", "low", "close", "volume")
ERROR_STATUSES = (400, 404, 422)


def range_since(since: datetime | None, now: datetime) -> str:
    """The shortest Yahoo range that covers the time since ``since`` (ten years if never)."""
    if since is None:
        return FIRST_RANGE
    gap = now - since + OVERLAP
    for name, span in RANGES:
        if gap <= span:
            return name
    return "max"


class YahooCollector(Collector):
    """Daily bars of one Yahoo Finance symbol."""

    scheme = "yahoo"

    @classmethod
    def check_target(cls, source: SourceRef) -> None:
        """The symbol must be one word; a ``#range=`` must be one of Yahoo's ranges."""
        _split(source)

    def collect(
        self, source: SourceRef, *, since: datetime | None = None, now: datetime
    ) -> list[Point]:
        """Fetch the bars covering the time since the last success."""
        symbol, fixed_range = _split(source)
        base = self.config.yahoo_base_url.rstrip("/")
        _status, document = self.http.get_json(
            f"{base}/v8/finance/chart/{quote(symbol, safe='')}",
            source=str(source),
            params={"range": fixed_range or range_since(since, now), "interval": "1d"},
            allow_statuses=ERROR_STATUSES,
        )
        return parse_chart(document, source=str(source))


def _split(source: SourceRef) -> tuple[str, str | None]:
    """The symbol and the optional ``#range=``; SourceInvalidError if either is wrong."""
    symbol, _, options = source.target.partition("#")
    symbol = symbol.strip()
    if not symbol or any(char.isspace() or char == "/" for char in symbol):
        raise SourceInvalidError(f"source {source.raw!r}: {symbol!r} is not a Yahoo symbol")
    if not options:
        return symbol, None
    name, _, value = options.partition("=")
    if name.strip() != "range" or value.strip() not in VALID_RANGES:
        ranges = ", ".join(sorted(VALID_RANGES))
        raise SourceInvalidError(f"source {source.raw!r}: after '#' write range=<one of {ranges}>")
    return symbol, value.strip()


def parse_chart(document: Any, *, source: str) -> list[Point]:
    """The daily points of a chart document; CollectorError for ``chart.error`` or bad shape."""
    chart = _field(document, "chart", source)
    error = chart.get("error")
    if error:
        if isinstance(error, dict):
            code, text = error.get("code", "error"), error.get("description", "")
            raise CollectorError(source, f"Yahoo Finance says {code}: {text}")
        raise CollectorError(source, f"Yahoo Finance says: {error}")
    results = chart.get("result")
    if not isinstance(results, list) or not results or not isinstance(results[0], dict):
        raise CollectorError(source, "malformed Yahoo chart: chart.result is empty or missing")
    result = results[0]
    timestamps = result.get("timestamp") or []
    if not isinstance(timestamps, list):
        raise CollectorError(source, "malformed Yahoo chart: timestamp is not a list")
    if not timestamps:
        return []
    quotes = _field(result, "indicators", source).get("quote")
    if not isinstance(quotes, list) or not quotes or not isinstance(quotes[0], dict):
        raise CollectorError(source, "malformed Yahoo chart: indicators.quote[0] is missing")
    columns = {name: quotes[0].get(name) or [None] * len(timestamps) for name in QUOTE_FIELDS}
    if any(
        not isinstance(column, list) or len(column) != len(timestamps)
        for column in columns.values()
    ):
        raise CollectorError(
            source, "malformed Yahoo chart: timestamp and quote lists differ in length"
        )
    zone = _exchange_zone(result.get("meta") or {})
    points: dict[datetime, Point] = {}
    try:
        for index, stamp in enumerate(timestamps):
            close = parse_number(columns["close"][index])
            if close is None:
                continue
            day = datetime.fromtimestamp(int(stamp), UTC).astimezone(zone).date()
            ts = datetime(day.year, day.month, day.day, tzinfo=UTC)
            points[ts] = Point(
                ts=ts,
                value=close,
                open=parse_number(columns["open"][index]),
                high=parse_number(columns["high"][index]),
                low=parse_number(columns["low"][index]),
                volume=parse_number(columns["volume"][index]),
            )
    except (TypeError, ValueError, OverflowError) as exc:
        raise CollectorError(source, f"malformed Yahoo chart: {exc}") from None
    return sorted(points.values(), key=lambda point: point.ts)


def _field(document: Any, name: str, source: str) -> dict[str, Any]:
    """An object member of the document; CollectorError if it is not there."""
    value = document.get(name) if isinstance(document, dict) else None
    if not isinstance(value, dict):
        raise CollectorError(source, f"malformed Yahoo chart: no {name!r} object")
    return value


def _exchange_zone(meta: dict[str, Any]) -> tzinfo:
    """The exchange's time zone from the chart's meta (UTC if unknown)."""
    name = meta.get("exchangeTimezoneName")
    if isinstance(name, str):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    offset = meta.get("gmtoffset")
    if isinstance(offset, int | float) and not isinstance(offset, bool):
        return timezone(timedelta(seconds=int(offset)))
    return UTC
