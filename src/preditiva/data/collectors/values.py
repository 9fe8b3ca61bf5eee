"""Reading timestamps and numbers as the documents of price services write them."""

import math
from datetime import UTC, date, datetime

EPOCH_MILLISECONDS_ABOVE = 1e11


def as_utc(moment: datetime) -> datetime:
    """The same moment as an aware UTC datetime (naive ones are taken as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_timestamp(raw: object) -> datetime:
    """An aware UTC datetime from ISO 8601 text, a date, or epoch seconds (or milliseconds)."""
    if isinstance(raw, datetime):
        return as_utc(raw)
    if isinstance(raw, date):
        return datetime(raw.year, raw.month, raw.day, tzinfo=UTC)
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return _from_epoch(float(raw))
    if isinstance(raw, str):
        text = raw.strip()
        try:
            return as_utc(datetime.fromisoformat(text))
        except ValueError:
            pass
        try:
            return _from_epoch(float(text))
        except ValueError:
            raise ValueError(f"not a timestamp: {raw!r} (use ISO 8601 or epoch seconds)") from None
    raise ValueError(f"not a timestamp: {raw!r}")


def _from_epoch(seconds: float) -> datetime:
    """Epoch seconds (or milliseconds, when large) as aware UTC."""
    if not math.isfinite(seconds):
        raise ValueError(f"not a timestamp: {seconds!r}")
    if abs(seconds) > EPOCH_MILLISECONDS_ABOVE:
        seconds /= 1000.0
    return datetime.fromtimestamp(seconds, UTC)


def parse_number(raw: object, *, decimal: str = ".") -> float | None:
    """A float from a number or numeric text; None for null, empty text or NaN."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError(f"not a number: {raw!r}")
    if isinstance(raw, int | float):
        try:
            number = float(raw)
        except OverflowError:
            raise ValueError("not a finite number: an integer too large for a float") from None
    elif isinstance(raw, str):
        text = raw.strip()
        if not text:
            return None
        if decimal != ".":
            text = text.replace(".", "").replace(decimal, ".")
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"not a number: {raw!r}") from None
    else:
        raise ValueError(f"not a number: {raw!r}")
    if math.isnan(number):
        return None
    if math.isinf(number):
        raise ValueError(f"not a finite number: {raw!r}")
    return number
