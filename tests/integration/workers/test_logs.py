"""JSON logs of a real worker and of the API: a job's lines carry its id, a request's its id."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from structlog.testing import capture_logs

from preditiva.services import jobs
from tests.support.platforms import FINISHED, Platform, serving_platform
from tests.support.processes import wait_until

RUNNER = "preditiva.tasks.runner"


@pytest.fixture(scope="module")
def json_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """An embedded platform whose one worker logs JSON, shared by this module's tests."""
    home = tmp_path_factory.mktemp("json_logs")
    with serving_platform(
        "embedded", home, worker_name="logs@embedded", log_format="json"
    ) as platform:
        yield platform


def json_entries(platform: Platform) -> list[dict[str, Any]]:
    """Every worker log line that starts a JSON object, parsed (Celery's banner is skipped)."""
    lines = platform.worker.log.read_text(errors="replace").splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def entry(platform: Platform, *, timeout: float = 10.0, **match: Any) -> dict[str, Any]:
    """Wait for the worker's JSON line holding every ``match`` item; return it."""

    def found() -> list[dict[str, Any]]:
        return [e for e in json_entries(platform) if match.items() <= e.items()]

    wait_until(
        lambda: bool(found()), timeout=timeout, what=f"a log line {match}", log=platform.worker.log
    )
    return found()[0]


def run_to_the_end(platform: Platform, ending: str, **params: Any) -> str:
    """Submit a diagnostics.sleep job through the API; return its id once its last line is out."""
    job_id = platform.submit(**params)
    platform.wait_for(job_id, FINISHED)
    entry(platform, logger=RUNNER, job_id=job_id, event=ending)
    return job_id


def test_worker_lines_that_start_a_json_object_parse_into_log_entries(
    json_platform: Platform,
) -> None:
    run_to_the_end(json_platform, "job succeeded", seconds=0)

    entries = json_entries(json_platform)

    assert entries, "the worker wrote no JSON line"
    for parsed in entries:
        assert isinstance(parsed, dict)
        assert {"event", "level", "logger", "timestamp"} <= parsed.keys(), parsed


def test_every_runner_line_of_a_job_carries_its_id(json_platform: Platform) -> None:
    job_id = run_to_the_end(json_platform, "job succeeded", seconds=0.4, steps=2)

    runner = [e for e in json_entries(json_platform) if e["logger"] == RUNNER]

    assert all("job_id" in e for e in runner), [e for e in runner if "job_id" not in e]
    mine = [e for e in runner if e["job_id"] == job_id]
    assert [e["event"] for e in mine] == ["job started", "job succeeded"]
    assert mine[0]["kind"] == "diagnostics.sleep"
    assert all(e["process"] == "worker" for e in mine)


def test_failed_job_logs_its_traceback_inside_one_json_line(json_platform: Platform) -> None:
    job_id = run_to_the_end(json_platform, "job failed", seconds=0, fail=True)

    failed = entry(json_platform, logger=RUNNER, job_id=job_id, event="job failed")

    assert failed["level"] == "error"
    assert "DiagnosticFailureError: asked to fail" in failed["exception"]


def test_monitor_thread_lines_carry_the_process_name(json_platform: Platform) -> None:
    backend = json_platform.backend
    with backend.factory.begin() as session:  # queued but never published: the sweep sends it
        job = jobs.submit(
            session, kind="diagnostics.sleep", params={"seconds": 0}, default_max_attempts=1
        )
        job_id = str(job.id)
    json_platform.wait_for(job_id, FINISHED)

    sweep = entry(json_platform, event="sweep", published=1)

    assert sweep["process"] == "worker"


def test_request_log_line_carries_the_request_id_of_the_response(
    json_platform: Platform,
) -> None:
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        response = json_platform.client.get("/v1/jobs")

    assert response.status_code == 200
    [request] = [e for e in logs if e["event"] == "request"]
    assert request["request_id"] == response.headers["x-request-id"]
    assert (request["method"], request["path"], request["status"]) == ("GET", "/v1/jobs", 200)
