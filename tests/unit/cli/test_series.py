"""``preditiva series``, ``synth`` and ``demo`` through Typer's runner, on an embedded platform."""

import csv
import re
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from preditiva.cli.main import app
from preditiva.services import observations
from preditiva.services import series as series_service
from preditiva.services.observations import Point
from preditiva.storage.db.models import Observation, Series
from tests.support.backends import Backend
from tests.support.cli import WIDE, Invoke

# preditiva synth runs data/synthetic.py, which reads pandas attributes deprecated in pandas 3
# (see tests/unit/data/test_synthetic.py::test_generating_raises_no_deprecation_warning).


def ok(result: Result) -> str:
    """The output of a command that must have succeeded."""
    assert result.exit_code == 0, result.output
    return result.stdout


def load(platform: Backend, key: str) -> Series | None:
    with platform.factory() as session:
        return session.scalars(select(Series).where(Series.key == key)).one_or_none()


def with_observations(
    platform: Backend, key: str, values: list[float], *, tags: list[str] | None = None
) -> None:
    """A series with daily observations from 2024-01-01, committed."""
    index = pd.date_range("2024-01-01", periods=len(values), freq="D", tz="UTC")
    with platform.factory.begin() as session:
        series = series_service.create(session, key=key, tags=tags)
        points = [
            Point(ts=ts.to_pydatetime(), value=v) for ts, v in zip(index, values, strict=True)
        ]
        observations.write(session, series, points, source="api")


def count_observations(platform: Backend, *, synthetic: bool) -> int:
    with platform.factory() as session:
        query = select(func.count()).where(Observation.is_synthetic.is_(synthetic))
        return int(session.scalar(query) or 0)


def test_series_create_adds_the_series_with_its_fields_and_tags(
    cli: Invoke, platform: Backend
) -> None:
    out = ok(
        cli(
            "series", "create", "PETR4.SA", "--name", "Petrobras PN", "--currency", "BRL",
            "--source", "yahoo:PETR4.SA", "--tag", "b3", "-t", "stocks",
        )
    )  # fmt: skip

    assert "created series PETR4.SA" in out
    series = load(platform, "PETR4.SA")
    assert series is not None
    assert (series.name, series.currency, series.source) == (
        "Petrobras PN",
        "BRL",
        "yahoo:PETR4.SA",
    )
    assert series.tags == ["b3", "stocks"]


def test_series_create_of_an_existing_key_exits_4(cli: Invoke) -> None:
    ok(cli("series", "create", "BTC-USD"))

    result = cli("series", "create", "BTC-USD")

    assert result.exit_code == 4
    assert "already exists" in result.stderr


def test_series_create_with_an_invalid_key_exits_2_naming_key(cli: Invoke) -> None:
    result = cli("series", "create", "not a key")

    assert result.exit_code == 2
    assert "key: not a valid series key" in result.stderr


def test_series_show_prints_the_fields(cli: Invoke) -> None:
    ok(cli("series", "create", "BTC-USD", "--name", "Bitcoin", "--kind", "price", "-t", "crypto"))

    out = ok(cli("series", "show", "BTC-USD"))

    shown = dict(
        re.split(r"\s+", line.strip(), maxsplit=1)
        for line in out.splitlines()
        if " " in line.strip()
    )
    assert shown["key"] == "BTC-USD"
    assert shown["name"] == "Bitcoin"
    assert shown["tags"] == "crypto"


def test_series_list_shows_the_matching_series_and_a_count(cli: Invoke) -> None:
    ok(cli("series", "create", "PETR4.SA", "-t", "b3"))
    ok(cli("series", "create", "VALE3.SA", "-t", "b3"))
    ok(cli("series", "create", "BTC-USD", "-t", "crypto"))

    out = ok(cli("series", "list", "--tag", "b3"))

    assert "PETR4.SA" in out and "VALE3.SA" in out
    assert "BTC-USD" not in out
    assert "2 of 2 series" in out


def test_series_list_pages_with_limit_and_offset(cli: Invoke) -> None:
    for key in ("a-1", "a-2", "a-3"):
        ok(cli("series", "create", key))

    out = ok(cli("series", "list", "--limit", "1", "--offset", "1"))

    assert "a-2" in out
    assert "a-1" not in out and "a-3" not in out
    assert "1 of 3 series" in out


def test_series_update_changes_fields_and_replaces_tags(cli: Invoke, platform: Backend) -> None:
    ok(cli("series", "create", "PETR4.SA", "--currency", "BRL", "-t", "b3", "-t", "stocks"))

    out = ok(cli("series", "update", "PETR4.SA", "--name", "Petrobras", "-t", "oil"))

    assert "updated series PETR4.SA" in out
    series = load(platform, "PETR4.SA")
    assert series is not None
    assert (series.name, series.currency, series.tags) == ("Petrobras", "BRL", ["oil"])


def test_series_delete_with_yes_removes_it_and_its_observations(
    cli: Invoke, platform: Backend
) -> None:
    with_observations(platform, "BTC-USD", [1.0, 2.0, 3.0])

    out = ok(cli("series", "delete", "BTC-USD", "-y"))

    assert "deleted series BTC-USD" in out
    assert load(platform, "BTC-USD") is None
    assert count_observations(platform, synthetic=False) == 0


def test_series_delete_without_yes_asks_and_keeps_it_when_refused(
    cli: Invoke, platform: Backend
) -> None:
    ok(cli("series", "create", "BTC-USD"))

    result = CliRunner(env=WIDE).invoke(app, ["series", "delete", "BTC-USD"], input="n\n")

    assert result.exit_code == 1
    assert "Delete BTC-USD and all its observations?" in result.stdout
    assert load(platform, "BTC-USD") is not None


def test_series_observations_prints_them_as_a_table(cli: Invoke, platform: Backend) -> None:
    with_observations(platform, "BTC-USD", [10.5, 11.5, 12.5])

    out = ok(cli("series", "observations", "BTC-USD", "--from", "2024-01-02"))

    assert "2024-01-02" in out and "2024-01-03" in out
    assert "2024-01-01" not in out
    assert "11.5" in out and "12.5" in out
    assert "2 observations" in out


def test_series_observations_output_csv_writes_every_row(
    cli: Invoke, platform: Backend, tmp_path: Path
) -> None:
    with_observations(platform, "BTC-USD", [10.5, 11.5, 12.5])
    target = tmp_path / "btc.csv"

    out = ok(cli("series", "observations", "BTC-USD", "--output", str(target)))

    assert f"wrote 3 rows to {target}" in out.replace("\n", "")
    with target.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["ts"][:10], float(row["value"])) for row in rows] == [
        ("2024-01-01", 10.5),
        ("2024-01-02", 11.5),
        ("2024-01-03", 12.5),
    ]


def test_series_observations_output_parquet_resampled_by_week(
    cli: Invoke, platform: Backend, tmp_path: Path
) -> None:
    with_observations(platform, "BTC-USD", [float(n) for n in range(1, 15)])
    target = tmp_path / "btc.parquet"

    ok(
        cli(
            "series",
            "observations",
            "BTC-USD",
            "--resample",
            "week",
            "--how",
            "mean",
            "-o",
            str(target),
        )
    )

    frame = pd.read_parquet(target)
    assert frame["value"].tolist() == [4.0, 11.0]


def test_series_observations_with_a_bad_resample_is_a_usage_error(cli: Invoke) -> None:
    ok(cli("series", "create", "BTC-USD"))

    result = cli("series", "observations", "BTC-USD", "--resample", "fortnight")

    assert result.exit_code == 2
    assert "--resample must be day, week or month" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["series", "show", "NOPE"],
        ["series", "update", "NOPE", "--name", "x"],
        ["series", "delete", "NOPE", "-y"],
        ["series", "observations", "NOPE"],
        ["synth", "NOPE"],
    ],
    ids=["show", "update", "delete", "observations", "synth"],
)
def test_an_unknown_key_exits_3(cli: Invoke, args: list[str]) -> None:
    result = cli(*args)

    assert result.exit_code == 3
    assert "no series with key 'NOPE'" in result.stderr


def test_synth_fills_a_series_with_the_asked_number_of_points(
    cli: Invoke, platform: Backend
) -> None:
    with_observations(platform, "BTC-USD", [50.0] * 10)

    out = ok(cli("synth", "BTC-USD", "--periods", "30"))

    assert "BTC-USD: 30 synthetic points from 2023-12-02 to 2023-12-31" in out
    assert count_observations(platform, synthetic=True) == 30
    assert count_observations(platform, synthetic=False) == 10


def test_synth_by_tag_fills_each_tagged_series(cli: Invoke, platform: Backend) -> None:
    with_observations(platform, "shop-a", [5.0] * 5, tags=["shop"])
    with_observations(platform, "shop-b", [7.0] * 5, tags=["shop"])

    out = ok(cli("synth", "--tag", "shop", "--periods", "12"))

    assert "shop-a: 12 synthetic points" in out
    assert "shop-b: 12 synthetic points" in out
    assert count_observations(platform, synthetic=True) == 24


def test_synth_with_both_key_and_tag_is_a_usage_error(cli: Invoke, platform: Backend) -> None:
    with_observations(platform, "shop-a", [5.0] * 5, tags=["shop"])

    result = cli("synth", "shop-a", "--tag", "shop")

    assert result.exit_code == 2
    assert "give a series KEY or --tag, not both" in result.stderr
    assert count_observations(platform, synthetic=True) == 0


def test_synth_for_a_tag_nobody_has_exits_2(cli: Invoke) -> None:
    result = cli("synth", "--tag", "nobody")

    assert result.exit_code == 2
    assert "no series has the tag 'nobody'" in result.stderr


def test_demo_loads_once_and_says_nothing_new_the_second_time(
    cli: Invoke, platform: Backend
) -> None:
    first = ok(cli("demo"))
    second = ok(cli("demo"))

    assert "demo loaded: 72 new series of 72, 24070 of 24070 rows written (tag: demo)" in first
    assert "demo loaded: 0 new series of 72, 0 of 24070 rows written (tag: demo)" in second
    assert "1 of 72 series" in ok(cli("series", "list", "--tag", "demo", "--limit", "1"))
