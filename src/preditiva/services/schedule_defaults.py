"""The schedules every installation starts with, all disabled until a user enables them.

``preditiva migrate`` and ``preditiva up`` create any of these that is missing (by name)
and never touch one that exists, so a user's edits survive upgrades and a deleted default
comes back on the next migrate (disabled).

* ``collect-all``: every collector-backed series, every 8 hours (00:00, 08:00, 16:00 UTC).
* ``market-prices``: series tagged ``market`` every 5 minutes on weekdays from 10:00 to
  16:55 America/Sao_Paulo (B3 trading hours). 17:00 itself is *not* included: the window is
  ``[10:00, 17:00)``, the last run is at 16:55, and the day's closing prices arrive with the
  next ``collect-all``. Add a ``0 17 * * 1-5`` schedule for a run at the close.
* ``observation-cleanup``: deletes real observations older than 730 days, daily at
  03:00 UTC (synthetic history is kept; see :mod:`preditiva.services.retention`).
"""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DefaultSchedule:
    """A schedule created disabled on first migrate."""

    name: str
    description: str
    kind: str
    cron: str
    timezone: str
    params: dict[str, Any] = field(default_factory=dict)


DEFAULT_SCHEDULES: tuple[DefaultSchedule, ...] = (
    DefaultSchedule(
        name="collect-all",
        description="Collect every series that has a collector, every 8 hours.",
        kind="data.collect_all",
        params={"tag": None, "keys": None},
        cron="0 */8 * * *",
        timezone="UTC",
    ),
    DefaultSchedule(
        name="market-prices",
        description=(
            "Collect series tagged 'market' every 5 minutes on weekdays, 10:00-16:55 "
            "America/Sao_Paulo (17:00 itself is not included)."
        ),
        kind="data.collect_all",
        params={"tag": "market", "keys": None},
        cron="*/5 10-16 * * 1-5",
        timezone="America/Sao_Paulo",
    ),
    DefaultSchedule(
        name="observation-cleanup",
        description="Delete real observations older than 730 days, daily at 03:00 UTC.",
        kind="data.cleanup_observations",
        params={"retention_days": 730},
        cron="0 3 * * *",
        timezone="UTC",
    ),
)
