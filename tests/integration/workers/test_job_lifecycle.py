"""The life of a job on real workers, on each back end: run, fail, retry, cancel, dead letter."""

import time

from tests.support.platforms import FINISHED, Platform


def test_job_reports_progress_and_succeeds_with_its_result(platform: Platform) -> None:
    job_id = platform.submit(seconds=1.5, steps=5)
    seen: set[float] = set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = platform.job(job_id)
        if job["state"] == "running":
            seen.add(job["progress"])
        if job["state"] in FINISHED:
            break
        time.sleep(0.05)
    assert job["state"] == "succeeded"
    assert job["result"] == {"slept": 1.5, "steps": 5, "attempt": 1}
    assert job["progress"] == 1.0
    assert job["attempts"] == 1
    assert job["started_at"] is not None and job["finished_at"] >= job["started_at"]
    assert job["worker"] == platform.worker.name
    assert any(0 < value < 1 for value in seen), f"no intermediate progress seen: {seen}"


def test_job_that_fails_for_good_is_failed_once_and_not_a_dead_letter(platform: Platform) -> None:
    job = platform.wait_for(platform.submit(seconds=0, fail=True), FINISHED)
    assert job["state"] == "failed"
    assert "asked to fail" in job["error"]
    assert job["attempts"] == 1
    assert job["dead_letter"] is False


def test_transient_failure_is_retried_and_then_succeeds(platform: Platform) -> None:
    job = platform.wait_for(platform.submit(seconds=0, fail_attempts=2), FINISHED)
    assert job["state"] == "succeeded"
    assert job["attempts"] == 3
    assert job["result"]["attempt"] == 3


def test_job_that_exhausts_retries_becomes_a_dead_letter_until_retried(platform: Platform) -> None:
    job_id = platform.submit(seconds=0, fail="transient")
    job = platform.wait_for(job_id, FINISHED)
    assert job["state"] == "failed"
    assert job["attempts"] == job["max_attempts"] == 3
    assert job["dead_letter"] is True
    letters = platform.client.get("/v1/jobs", params={"state": "failed", "dead_letter": True})
    assert job_id in [item["id"] for item in letters.json()["items"]]

    retried = platform.client.post(f"/v1/jobs/{job_id}/retry")
    assert retried.status_code == 202
    assert retried.json()["retry_of"] == job_id
    assert platform.job(job_id)["dead_letter"] is False
    letters = platform.client.get("/v1/jobs", params={"state": "failed", "dead_letter": True})
    assert job_id not in [item["id"] for item in letters.json()["items"]]
    assert platform.wait_for(retried.json()["id"], FINISHED)["dead_letter"] is True


def test_running_job_is_cancelled_within_a_few_seconds(platform: Platform) -> None:
    job_id = platform.submit(seconds=60, steps=60)
    platform.wait_for(job_id, {"running"})
    asked = time.monotonic()
    response = platform.client.post(f"/v1/jobs/{job_id}/cancel")
    assert response.status_code == 200
    assert response.json()["cancel_requested"] is True
    job = platform.wait_for(job_id, FINISHED, timeout=10)
    assert job["state"] == "cancelled"
    assert time.monotonic() - asked < 5
    assert job["progress"] < 0.5


def test_queued_job_that_is_cancelled_never_starts(platform: Platform) -> None:
    blockers = [platform.submit(seconds=2, steps=4) for _ in range(2)]
    for blocker in blockers:
        platform.wait_for(blocker, {"running", "succeeded"})
    waiting = platform.submit(seconds=0)
    response = platform.client.post(f"/v1/jobs/{waiting}/cancel")
    assert response.status_code == 200
    assert response.json()["state"] == "cancelled"
    for blocker in blockers:
        platform.wait_for(blocker, {"succeeded"})
    probe = platform.wait_for(platform.submit(seconds=0), FINISHED)
    assert probe["state"] == "succeeded"
    job = platform.job(waiting)
    assert job["state"] == "cancelled"
    assert job["attempts"] == 0 and job["started_at"] is None


def test_cancelled_job_retried_runs_again_as_a_new_job(platform: Platform) -> None:
    job_id = platform.submit(seconds=60, steps=60)
    platform.wait_for(job_id, {"running"})
    platform.client.post(f"/v1/jobs/{job_id}/cancel")
    platform.wait_for(job_id, {"cancelled"})
    retried = platform.client.post(f"/v1/jobs/{job_id}/retry")
    assert retried.status_code == 202
    new_id = retried.json()["id"]
    assert new_id != job_id
    platform.client.post(f"/v1/jobs/{new_id}/cancel")
    assert platform.wait_for(new_id, FINISHED)["state"] == "cancelled"


def test_workers_and_queues_reflect_live_work(platform: Platform) -> None:
    job_id = platform.submit(seconds=60, steps=60)
    platform.wait_for(job_id, {"running"})
    workers = platform.client.get("/v1/workers").json()
    mine = next(w for w in workers if w["name"] == platform.worker.name)
    assert set(mine["queues"]) == {"ingest", "train", "predict", "reports", "default"}
    assert job_id in mine["running_jobs"]
    queues = {q["name"]: q for q in platform.client.get("/v1/queues").json()}
    assert queues["default"]["running"] >= 1
    assert platform.client.get("/ready").status_code == 200
    platform.client.post(f"/v1/jobs/{job_id}/cancel")
    platform.wait_for(job_id, FINISHED)
