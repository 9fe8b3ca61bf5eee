"""The scheduler for real: ``preditiva beat`` processes and a worker on the embedded back end.

Each test's schedule submits ``diagnostics.sleep`` with its own ``steps`` value, which is how
a test finds the jobs its schedule made.
"""

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from preditiva.api.app import create_app
from preditiva.storage.db.models import Job
from tests.support.backends import Backend
from tests.support.platforms import running_platform
from tests.support.processes import PreditivaProcess, wait_until


@dataclass
class Scheduled:
    """An embedded platform with one worker, one beat and an API client."""

    backend: Backend
    client: TestClient
    beat: PreditivaProcess
    home: Path

    def schedule(self, name: str, steps: int, interval: float = 1.0) -> None:
        """Create an enabled schedule of diagnostics.sleep marked by ``steps``."""
        body = {
            "name": name,
            "kind": "diagnostics.sleep",
            "params": {"seconds": 0, "steps": steps},
            "interval_seconds": interval,
        }
        response = self.client.post("/v1/schedules", json=body)
        assert response.status_code == 201, response.text

    def patch(self, name: str, **fields: Any) -> None:
        """Change a schedule through the API."""
        response = self.client.patch(f"/v1/schedules/{name}", json=fields)
        assert response.status_code == 200, response.text

    def jobs(self, steps: int) -> list[Job]:
        """The jobs a schedule marked by ``steps`` made, oldest first."""
        with self.backend.factory() as session:
            rows = session.query(Job).order_by(Job.created_at).all()
        return [job for job in rows if job.params.get("steps") == steps]

    def wait_for_jobs(self, steps: int, count: int, timeout: float = 30.0) -> None:
        """Wait until the schedule marked by ``steps`` has made ``count`` jobs."""
        wait_until(
            lambda: len(self.jobs(steps)) >= count,
            timeout=timeout,
            what=f"{count} jobs with steps={steps}",
            log=self.beat.log,
        )


def claims(log: Path) -> list[dict[str, Any]]:
    """The ticks a beat process claimed, from its JSON log lines."""
    found = []
    for line in log.read_text(errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        if entry.get("event") == "schedule tick claimed":
            found.append(entry)
    return found


@pytest.fixture(scope="module")
def scheduled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scheduled]:
    """A migrated embedded platform running a real worker and a real beat."""
    home = tmp_path_factory.mktemp("scheduler")
    with running_platform(
        "embedded", home, worker_name="scheduled@embedded", log_format="json"
    ) as (backend, _):
        beat = PreditivaProcess(["beat"], backend.env, home / "beat-a.log")
        beat.start()
        try:
            with TestClient(create_app(backend.settings)) as client:
                yield Scheduled(backend, client, beat, home)
        finally:
            beat.stop()


def test_one_second_schedule_creates_jobs_that_run(scheduled: Scheduled) -> None:
    scheduled.schedule("pulse", steps=1)
    wait_until(
        lambda: sum(job.state == "succeeded" for job in scheduled.jobs(1)) >= 3,
        timeout=30,
        what="three scheduled jobs to succeed",
        log=scheduled.beat.log,
    )
    scheduled.patch("pulse", enabled=False)
    shown = scheduled.client.get("/v1/schedules/pulse").json()
    assert shown["last_run_at"] is not None
    assert shown["last_job_id"] in {str(job.id) for job in scheduled.jobs(1)}


def test_interval_change_and_disable_are_picked_up_without_restarting_beat(
    scheduled: Scheduled,
) -> None:
    scheduled.schedule("paced", steps=2, interval=3600)
    scheduled.wait_for_jobs(2, 1)  # never ran: due at once, then not for an hour
    time.sleep(1.5)
    assert len(scheduled.jobs(2)) == 1

    scheduled.patch("paced", interval_seconds=1)
    scheduled.wait_for_jobs(2, 3, timeout=10)

    scheduled.patch("paced", enabled=False)
    time.sleep(0.5)  # a tick claimed just before the change may still be committing
    stopped_at = len(scheduled.jobs(2))
    time.sleep(2.5)
    assert len(scheduled.jobs(2)) == stopped_at
    assert scheduled.beat.process is not None and scheduled.beat.process.poll() is None


def test_two_beats_on_one_database_create_one_job_per_tick(scheduled: Scheduled) -> None:
    second = PreditivaProcess(["beat"], scheduled.backend.env, scheduled.home / "beat-b.log")
    second.start()
    try:
        wait_until(
            lambda: "beat: Starting" in second.log.read_text(errors="replace"),
            timeout=30,
            what="the second beat to start",
            log=second.log,
        )
        marks = {f"twin-{steps}": steps for steps in (11, 12, 13)}
        for name, steps in marks.items():
            scheduled.schedule(name, steps=steps)
        time.sleep(5)
        for name in marks:
            scheduled.patch(name, enabled=False)
        time.sleep(0.5)
    finally:
        second.stop()
    claimed = [c for c in claims(scheduled.beat.log) + claims(second.log) if c["schedule"] in marks]
    ticks: dict[str, list[datetime]] = {name: [] for name in marks}
    for claim in claimed:
        ticks[claim["schedule"]].append(datetime.fromisoformat(claim["tick"]))
    for name, steps in marks.items():
        made = {str(job.id) for job in scheduled.jobs(steps)}
        logged = [c["job_id"] for c in claimed if c["schedule"] == name]
        assert sorted(logged) == sorted(made), f"{name}: every job was claimed once, in one beat"
        assert len(made) >= 3, f"{name} ran only {len(made)} times in 5 s"
        ordered = sorted(ticks[name])
        assert len(set(ordered)) == len(ordered), f"{name}: a tick was claimed twice"
        gaps = [later - earlier for earlier, later in pairwise(ordered)]
        assert all(gap >= timedelta(seconds=0.99) for gap in gaps), f"{name}: {gaps}"
