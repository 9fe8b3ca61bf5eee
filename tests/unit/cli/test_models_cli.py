"""``preditiva models`` and ``preditiva train`` through Typer's runner on an embedded platform."""

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
from sqlalchemy import select

from preditiva.ml.engines import get_engine
from preditiva.services import observations, registry
from preditiva.services import series as series_service
from preditiva.services.observations import Point
from preditiva.storage.artifacts import get_store
from preditiva.storage.db.models import Job, ModelVersion
from preditiva.tasks.runner import run_job
from tests.support.backends import Backend
from tests.support.cli import Invoke


@contextmanager
def jobs_run_in_process(backend: Backend) -> Iterator[None]:
    """Run each published job in a thread of this process, through the worker's own runner."""
    stop = threading.Event()

    def serve() -> None:
        started: set[uuid.UUID] = set()
        while not stop.wait(0.05):
            with backend.factory() as session:
                query = select(Job.id, Job.dispatch_seq).where(
                    Job.state == "queued", Job.published_at.is_not(None)
                )
                rows = session.execute(query).all()
            for job_id, seq in rows:
                if job_id not in started:
                    started.add(job_id)
                    run_job(str(job_id), seq, worker="in-process@test")

    thread = threading.Thread(target=serve, name="in-process-worker", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(30)


def add_series(backend: Backend, key: str, tag: str, days: int) -> None:
    """A daily random-walk series of ``days`` points carrying ``tag``."""
    rng = np.random.default_rng(len(key) + days)
    stamps = pd.date_range("2024-01-01", periods=days, freq="D", tz="UTC")
    values = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, days)))
    points = [Point(ts.to_pydatetime(), float(v)) for ts, v in zip(stamps, values, strict=True)]
    with backend.factory.begin() as session:
        series = series_service.create(session, key=key, tags=[tag])
        observations.write(session, series, points, source="test")


def add_version(backend: Backend, skill: float | None, *, status: str = "ready") -> int:
    """A version of ``phones`` whose metrics hold ``skill``; return its number."""
    index = pd.date_range("2024-01-01", periods=30, freq="D")
    fitted = get_engine("naive").fit(pd.Series(np.arange(30, dtype=float) + 100.0, index=index))
    with backend.factory.begin() as session:
        version = registry.add_version(
            session,
            get_store(backend.settings),
            name="phones",
            fitted=fitted,
            data_fingerprint="fp",
            training_seconds=0.1,
            metrics={"skill_vs_naive": skill},
        )
        version.status = status
        return version.version


def define_phones(cli: Invoke, *extra: str) -> None:
    """``preditiva models define phones`` on tag ``phones``."""
    result = cli("models", "define", "phones", "--engine", "naive", "--tag", "phones", *extra)
    assert result.exit_code == 0, result.output


def test_define_then_list_shows_the_model_and_that_its_skill_is_unknown(cli: Invoke) -> None:
    define_phones(cli, "--horizon", "7", "-p", "season_length=7")

    listed = cli("models", "list")

    line = next(row for row in listed.stdout.splitlines() if "phones" in row)
    assert "naive" in line and "tag phones" in line and "not trained yet: skill unknown" in line
    shown = cli("models", "show", "phones").stdout
    assert '{"season_length": 7}' in shown and "horizon" in shown


def test_define_needs_exactly_one_target(cli: Invoke) -> None:
    result = cli("models", "define", "m", "--tag", "a", "--series", "b")
    assert result.exit_code == 2
    assert "exactly one of --series, --tag or --group" in result.output


def test_defining_a_taken_name_exits_4(cli: Invoke) -> None:
    define_phones(cli)
    result = cli("models", "define", "phones", "--tag", "x")
    assert result.exit_code == 4 and "already exists" in result.stderr


def test_an_unknown_engine_exits_2_listing_the_engines(cli: Invoke) -> None:
    result = cli("models", "define", "m", "--engine", "lstm9", "--tag", "x")
    assert result.exit_code == 2
    assert "naive, seasonal_naive, ets" in result.stderr


def test_versions_and_show_say_when_the_champion_loses_to_naive(
    cli: Invoke, platform: Backend
) -> None:
    define_phones(cli)
    add_version(platform, -0.018)
    add_version(platform, 0.032)

    promoted = cli("models", "promote", "phones", "1")

    assert promoted.exit_code == 0, promoted.output
    assert "phones v1 is now champion: loses to naive by 1.8% (MASE)" in promoted.stdout
    versions = cli("models", "versions", "phones").stdout.splitlines()
    first = next(row for row in versions if "v1" in row)
    second = next(row for row in versions if "v2" in row)
    assert "champion" in first and "loses to naive by 1.8% (MASE)" in first
    assert "3.2% better than naive (MASE)" in second
    shown = cli("models", "show", "phones").stdout
    assert "champion → v1" in shown and "loses to naive by 1.8% (MASE) (v1)" in shown


def test_promoting_a_version_still_training_exits_4(cli: Invoke, platform: Backend) -> None:
    define_phones(cli)
    add_version(platform, None, status="training")

    result = cli("models", "promote", "phones", "1")

    assert result.exit_code == 4
    assert "is training; only a ready version can become 'champion'" in result.stderr


def test_rollback_returns_the_champion_and_archive_retires_a_version(
    cli: Invoke, platform: Backend
) -> None:
    define_phones(cli)
    for skill in (0.1, 0.2):
        add_version(platform, skill)
    cli("models", "promote", "phones", "1")
    cli("models", "promote", "phones", "2")

    rolled = cli("models", "rollback", "phones")
    archived = cli("models", "archive", "phones", "2")

    assert "champion of phones rolled back to v1: 10.0% better than naive" in rolled.stdout
    assert archived.exit_code == 0 and "archived phones v2" in archived.stdout
    assert cli("models", "archive", "phones", "1").exit_code == 4


def test_train_no_wait_submits_the_job_with_its_options(cli: Invoke, platform: Backend) -> None:
    add_series(platform, "iphone", "phones", 30)
    define_phones(cli)

    result = cli("train", "phones", "--no-wait", "--force", "--no-promote", "--chunk-size", "5")

    assert result.exit_code == 0, result.output
    job_id = uuid.UUID(result.stdout.split("as job ")[1].split()[0])
    with platform.factory() as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert (job.kind, job.state) == ("train.model", "queued")
        assert job.params == {"model": "phones", "force": True, "promote": False, "chunk_size": 5}


def test_define_with_train_submits_the_first_training(cli: Invoke, platform: Backend) -> None:
    add_series(platform, "iphone", "phones", 30)
    define_phones(cli, "--train")
    with platform.factory() as session:
        kinds = session.scalars(select(Job.kind)).all()
    assert kinds == ["train.model"]


def test_training_an_unknown_model_exits_3(cli: Invoke) -> None:
    result = cli("train", "ghost", "--no-wait")
    assert result.exit_code == 3 and "ghost" in result.stderr


def test_train_follows_the_job_then_prints_counts_skill_and_why_series_were_skipped(
    cli: Invoke, platform: Backend
) -> None:
    for key in ("cli-a", "cli-b"):
        add_series(platform, key, "cli", 60)
    add_series(platform, "cli-short", "cli", 4)
    defined = cli(
        "models", "define", "cli-naive", "--engine", "naive", "--horizon", "7", "--tag", "cli"
    )
    assert defined.exit_code == 0, defined.output

    with jobs_run_in_process(platform):
        result = cli("train", "cli-naive", "--timeout", "60")

    assert result.exit_code == 0, result.output
    assert "cli-naive v1 is ready and promoted to champion" in result.stdout
    assert "skill vs naive: " in result.stdout and "naive (MASE)" in result.stdout
    assert "cli-short: " in result.stdout and "short" in result.stdout.split("cli-short: ")[1]
    counts = dict(
        line.split() for line in result.stdout.splitlines() if line.split()[:1] == ["skipped"]
    )
    assert counts == {"skipped": "1"}
    fits = cli("models", "fits", "cli-naive", "--status", "skipped")
    assert "cli-short" in fits.stdout and "1 of 1 series" in fits.stdout
    with platform.factory() as session:
        version = session.scalars(select(ModelVersion)).one()
        assert version.status == "ready"


def test_a_training_that_fails_exits_1_saying_why(cli: Invoke, platform: Backend) -> None:
    add_series(platform, "tiny", "tiny", 3)
    assert cli("models", "define", "tiny", "--tag", "tiny").exit_code == 0

    with jobs_run_in_process(platform):
        result = cli("train", "tiny", "--timeout", "60")

    assert result.exit_code == 1
    assert "training failed:" in result.stderr and "no series could be trained" in result.stderr
