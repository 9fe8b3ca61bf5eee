"""When a schedule fires: five-field cron expressions read in an IANA time zone.

Cron fields are matched against the wall clock of the schedule's time zone, and every
instant returned is an aware UTC datetime. Daylight-saving changes follow classic cron:

* a wall time skipped when clocks go forward (02:30 on a spring-forward night) fires once,
  at the instant the same distance past midnight (03:30 new time);
* a wall time repeated when clocks go back fires once, at its first occurrence, for a
  fixed-time cron (``30 1 * * *``); a cron whose minute or hour field starts with ``*``
  (``*/5 * * * *``) keeps firing through the repeated hour, every matching instant.
"""

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from croniter import CroniterBadDateError, croniter

from preditiva.core.errors import InvalidInputError

CRON_FIELDS = 5
MIN_INTERVAL_SECONDS = 1.0
MAX_INTERVAL_SECONDS = 366 * 86_400.0
#: More than any zone has ever moved its clocks at once.
MAX_DST_SHIFT = timedelta(hours=3)
#: Names on the zone path that are not portable IANA zones (``localtime`` is this machine's).
NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    """Every IANA zone name tzdata knows (read once)."""
    return frozenset(available_timezones()) - NOT_ZONES


def zone(name: str) -> ZoneInfo:
    """The IANA time zone called ``name`` (e.g. ``America/Sao_Paulo``), or a 422."""
    if name not in _zone_names():
        raise InvalidInputError(
            f"unknown time zone {name!r}; use an IANA name such as UTC or America/Sao_Paulo",
            details=[{"field": "timezone", "message": f"unknown IANA time zone {name!r}"}],
        )
    return ZoneInfo(name)


def check_cron(expression: str) -> str:
    """``expression`` with its spacing normalised if it is a valid five-field cron, else a 422."""
    fields = expression.split()
    problem = None
    if len(fields) != CRON_FIELDS:
        problem = f"needs 5 fields (minute hour day-of-month month day-of-week), got {len(fields)}"
    elif not croniter.is_valid(" ".join(fields)):
        problem = "not a valid cron expression"
    else:
        try:
            croniter(" ".join(fields), datetime(2000, 1, 1)).get_next(datetime)
        except CroniterBadDateError:
            problem = "never matches any date"
    if problem is not None:
        raise InvalidInputError(
            f"invalid cron {expression!r}: {problem}",
            details=[{"field": "cron", "message": problem}],
        )
    return " ".join(fields)


def check_interval(seconds: float) -> float:
    """``seconds`` if it is a usable interval (1 s to a year), else a 422."""
    if not MIN_INTERVAL_SECONDS <= seconds <= MAX_INTERVAL_SECONDS:
        message = f"must be between 1 and {MAX_INTERVAL_SECONDS:.0f} seconds, got {seconds}"
        raise InvalidInputError(
            f"invalid interval_seconds: {message}",
            details=[{"field": "interval_seconds", "message": message}],
        )
    return float(seconds)


def _instants(wall: datetime, tz: ZoneInfo) -> list[datetime]:
    """The UTC instants a naive wall time names in ``tz``: two if repeated, earliest first."""
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    # Skipped wall times have fold=0 after the jump (the later instant): that is the one kept.
    return [first, second] if first < second else [first]


def _every_instant(expression: str) -> bool:
    """Whether a cron fires at every matching instant (minute or hour field starts with ``*``)."""
    minute, hour = expression.split()[:2]
    return minute.startswith("*") or hour.startswith("*")


def next_cron_time(expression: str, timezone: str, after: datetime) -> datetime:
    """The first instant strictly after ``after`` that matches ``expression`` in ``timezone``."""
    tz = zone(timezone)
    after = after.astimezone(UTC)
    wall = after.astimezone(tz).replace(tzinfo=None)
    every_instant = _every_instant(expression)
    # The second pass of a repeated hour has wall times earlier than ``after``'s own.
    ticks = croniter(expression, wall - MAX_DST_SHIFT if every_instant else wall)
    best: datetime | None = None
    while True:
        instants = _instants(ticks.get_next(datetime), tz)
        if best is not None and instants[0] > best:
            return best
        for instant in instants if every_instant else instants[:1]:
            if instant > after and (best is None or instant < best):
                best = instant
        if best is not None and not every_instant:
            return best


def next_interval_time(seconds: float, last_run_at: datetime | None, now: datetime) -> datetime:
    """An interval's next run: ``seconds`` after the last run, or ``now`` if it never ran."""
    if last_run_at is None:
        return now
    return last_run_at + timedelta(seconds=seconds)
