"""When schedules fire: cron in a time zone across DST changes, weekday windows, intervals."""

from datetime import UTC, datetime, timedelta

import pytest

from preditiva.core.errors import InvalidInputError
from preditiva.services.schedule_times import check_cron, next_cron_time, zone
from preditiva.services.schedules import check_timing, next_run
from preditiva.storage.db.models import Schedule

NEW_YORK = "America/New_York"
SAO_PAULO = "America/Sao_Paulo"


def at(*parts: int) -> datetime:
    """An aware UTC datetime."""
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def ticks(expression: str, timezone: str, after: datetime, count: int) -> list[datetime]:
    """The next ``count`` runs of a cron after ``after``."""
    found = []
    for _ in range(count):
        after = next_cron_time(expression, timezone, after)
        found.append(after)
    return found


def test_daily_cron_keeps_its_wall_time_when_clocks_go_forward() -> None:
    # 09:00 New York is 14:00 UTC in winter (EST) and 13:00 UTC from 10 March 2024 (EDT).
    assert ticks("0 9 * * *", NEW_YORK, at(2024, 3, 8, 15), 3) == [
        at(2024, 3, 9, 14),
        at(2024, 3, 10, 13),
        at(2024, 3, 11, 13),
    ]


def test_wall_time_skipped_by_spring_forward_runs_once_after_the_jump() -> None:
    # 02:30 does not exist on 10 March 2024 in New York; it runs at 03:30 EDT (07:30 UTC).
    assert ticks("30 2 * * *", NEW_YORK, at(2024, 3, 9, 12), 2) == [
        at(2024, 3, 10, 7, 30),
        at(2024, 3, 11, 6, 30),
    ]


def test_fixed_wall_time_repeated_by_fall_back_runs_only_at_its_first_occurrence() -> None:
    # 01:30 happens twice on 3 November 2024 (05:30 and 06:30 UTC); it runs once.
    assert ticks("30 1 * * *", NEW_YORK, at(2024, 11, 2, 12), 2) == [
        at(2024, 11, 3, 5, 30),
        at(2024, 11, 4, 6, 30),
    ]


def test_every_few_minutes_keeps_its_pace_through_the_repeated_hour() -> None:
    runs = ticks("*/20 * * * *", NEW_YORK, at(2024, 11, 3, 5, 10), 6)
    assert runs == [at(2024, 11, 3, 5, 10) + timedelta(minutes=10 + 20 * i) for i in range(6)]


def test_every_few_minutes_has_no_gap_or_double_run_when_clocks_go_forward() -> None:
    runs = ticks("*/20 * * * *", NEW_YORK, at(2024, 3, 10, 6, 10), 5)
    assert runs == [at(2024, 3, 10, 6, 20) + timedelta(minutes=20 * i) for i in range(5)]


def test_market_window_ends_at_16_55_and_resumes_on_monday_at_10_sao_paulo() -> None:
    # Friday 1 November 2024, 16:40 in Sao Paulo (UTC-3, no DST since 2019).
    runs = ticks("*/5 10-16 * * 1-5", SAO_PAULO, at(2024, 11, 1, 19, 40), 4)
    assert runs == [
        at(2024, 11, 1, 19, 45),
        at(2024, 11, 1, 19, 50),
        at(2024, 11, 1, 19, 55),  # 16:55, the last run: 17:00 is not in the window
        at(2024, 11, 4, 13, 0),  # Monday 10:00
    ]


def test_next_cron_tick_is_strictly_after_a_time_on_a_tick() -> None:
    assert next_cron_time("0 */8 * * *", "UTC", at(2024, 1, 1, 8)) == at(2024, 1, 1, 16)


def test_interval_schedule_runs_an_interval_after_its_last_run() -> None:
    schedule = Schedule(interval_seconds=90.0, timezone="UTC", last_run_at=at(2024, 1, 1, 12))
    assert next_run(schedule, at(2024, 1, 1, 12, 0, 30)) == at(2024, 1, 1, 12, 1, 30)


def test_interval_schedule_that_never_ran_is_due_now() -> None:
    schedule = Schedule(interval_seconds=3600.0, timezone="UTC", last_run_at=None)
    assert next_run(schedule, at(2024, 1, 1, 12)) == at(2024, 1, 1, 12)


def test_cron_schedule_next_run_is_read_in_its_time_zone() -> None:
    schedule = Schedule(cron="0 3 * * *", timezone=SAO_PAULO, last_run_at=None)
    assert next_run(schedule, at(2024, 6, 1, 12)) == at(2024, 6, 2, 6)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("0 3 * *", "needs 5 fields"),
        ("0 0 3 * * *", "needs 5 fields"),
        ("61 * * * *", "not a valid cron"),
        ("0 0 31 2 *", "never matches"),
        ("@daily", "needs 5 fields"),
    ],
)
def test_bad_cron_is_refused_naming_the_cron_field(expression: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message) as caught:
        check_cron(expression)
    assert caught.value.details[0]["field"] == "cron"


@pytest.mark.parametrize("name", ["Mars/Olympus", "utc", "", "localtime", "../etc/passwd"])
def test_unknown_time_zone_is_refused_naming_the_timezone_field(name: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        zone(name)
    assert caught.value.details[0]["field"] == "timezone"


@pytest.mark.parametrize(("cron", "interval"), [("* * * * *", 60.0), (None, None)])
def test_timing_needs_exactly_one_of_cron_and_interval(
    cron: str | None, interval: float | None
) -> None:
    with pytest.raises(InvalidInputError, match="exactly one") as caught:
        check_timing(cron, interval, "UTC")
    assert {d["field"] for d in caught.value.details} == {"cron", "interval_seconds"}


def test_interval_under_a_second_is_refused() -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_timing(None, 0.5, "UTC")
    assert caught.value.details[0]["field"] == "interval_seconds"
