"""``http+json:<url>#<path>``: prices from any URL that answers JSON.

The path after ``#`` follows :mod:`preditiva.data.collectors.json_path`:

* a **record path** such as ``data[*].{ts=date,value=close}`` gives one observation per
  item (items whose value is null are skipped; an item without ``open``, ``high``, ``low``
  or ``volume`` just lacks it);
* a **value path** such as ``quote.last`` (or no ``#`` at all: the whole document) gives
  one observation stamped at the collection time.

Timestamps are ISO 8601 text (a date, or a date-time; naive ones are UTC) or epoch
seconds (milliseconds when larger than 10^11). Numbers are JSON numbers or numeric text.
"""

from datetime import datetime
from typing import Any

from preditiva.core.errors import CollectorError, SourceInvalidError
from preditiva.data.collectors.base import Collector, Point, SourceRef
from preditiva.data.collectors.json_path import (
    JsonPath,
    PathLookupError,
    Step,
    parse_path,
    select,
)
from preditiva.data.collectors.values import parse_number, parse_timestamp

REQUIRED = ("ts", "value")


def split_target(source: SourceRef) -> tuple[str, str]:
    """The URL and the text after its last ``#``; SourceInvalidError unless http(s)."""
    url, sep, path = source.target.rpartition("#")
    if not sep:
        url, path = source.target, ""
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")):
        raise SourceInvalidError(
            f"source {source.raw!r}: {url!r} is not an http:// or https:// URL"
        )
    return url, path.strip()


class HttpJsonCollector(Collector):
    """Points read from a JSON document with a path."""

    scheme = "http+json"

    @classmethod
    def check_target(cls, source: SourceRef) -> None:
        """The URL must be http(s) and the path must parse."""
        _parse(source)

    def collect(
        self, source: SourceRef, *, since: datetime | None = None, now: datetime
    ) -> list[Point]:
        """Fetch the document and read the points the path names."""
        url, path = _parse(source)
        _status, document = self.http.get_json(url, source=str(source))
        return read_points(document, path, source=str(source), now=now)


def _parse(source: SourceRef) -> tuple[str, JsonPath]:
    """The URL and parsed path of a source; SourceInvalidError if either is wrong."""
    url, text = split_target(source)
    try:
        return url, parse_path(text)
    except ValueError as exc:
        raise SourceInvalidError(f"source {source.raw!r}: {exc}") from None


def _pick(item: Any, steps: tuple[Step, ...], *, required: bool) -> Any:
    """One field of an item; a missing optional field is None."""
    try:
        return select(item, steps)[0]
    except PathLookupError:
        if required:
            raise
        return None


def read_points(document: Any, path: JsonPath, *, source: str, now: datetime) -> list[Point]:
    """The points ``path`` selects in ``document``; CollectorError if it does not fit."""
    try:
        if path.fields is None:
            value = parse_number(select(document, path.steps)[0])
            if value is None:
                raise CollectorError(source, f"the value at {path.text or 'the top'!r} is null")
            return [Point(ts=now.replace(microsecond=0), value=value)]
        items = select(document, path.steps)
    except (PathLookupError, ValueError) as exc:
        raise CollectorError(source, f"malformed document for path {path.text!r}: {exc}") from None
    points: dict[datetime, Point] = {}
    for number, item in enumerate(items):
        try:
            raw = {
                name: _pick(item, steps, required=name in REQUIRED)
                for name, steps in path.fields.items()
            }
            value = parse_number(raw["value"])
            if value is None:
                continue
            ts = parse_timestamp(raw["ts"])
            point = Point(
                ts=ts,
                value=value,
                open=parse_number(raw.get("open")),
                high=parse_number(raw.get("high")),
                low=parse_number(raw.get("low")),
                volume=parse_number(raw.get("volume")),
            )
        except (PathLookupError, ValueError) as exc:
            raise CollectorError(
                source, f"malformed document: item {number} of {path.text!r}: {exc}"
            ) from None
        points[ts] = point
    return sorted(points.values(), key=lambda point: point.ts)
