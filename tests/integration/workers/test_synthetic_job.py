"""``data.generate_synthetic`` end to end: submitted over HTTP, run by a real worker."""

from collections.abc import Iterator

import pytest

from tests.support.platforms import FINISHED, Platform, serving_platform


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """An embedded platform (SQLite + embedded broker) with one real worker."""
    home = tmp_path_factory.mktemp("synthetic_job")
    with serving_platform("embedded", home, worker_name="synthetic@embedded") as platform:
        yield platform


def test_generate_synthetic_job_fills_every_series_of_a_tag(platform: Platform) -> None:
    client = platform.client
    for key in ("shop-a", "shop-b"):
        response = client.post("/v1/series", json={"key": key, "tags": ["shop"]})
        assert response.status_code == 201, response.text
        observations = [{"ts": f"2024-03-{day:02d}", "value": 50.0} for day in range(1, 11)]
        response = client.post(
            f"/v1/series/{key}/observations", json={"observations": observations}
        )
        assert response.status_code == 200, response.text

    job_id = platform.submit("data.generate_synthetic", tag="shop", periods=30, seed=3)
    job = platform.wait_for(job_id, FINISHED)

    assert job["state"] == "succeeded", job["error"]
    assert job["queue"] == "ingest"
    assert job["progress"] == 1.0
    reports = sorted(job["result"]["series"], key=lambda report: report["key"])
    assert [(r["key"], r["written"]) for r in reports] == [("shop-a", 30), ("shop-b", 30)]
    assert {(r["start"][:10], r["end"][:10]) for r in reports} == {("2024-01-31", "2024-02-29")}
    for key in ("shop-a", "shop-b"):
        shown = client.get(f"/v1/series/{key}/observations").json()
        assert (shown["count"], shown["synthetic_count"]) == (40, 30)
        synthetic = [o for o in shown["observations"] if o["is_synthetic"]]
        assert {o["source"] for o in synthetic} == {"synthetic"}
        assert synthetic[-1]["ts"] == "2024-02-29T00:00:00Z"


def test_generate_synthetic_job_for_an_unknown_tag_fails_saying_so(platform: Platform) -> None:
    job = platform.wait_for(platform.submit("data.generate_synthetic", tag="no-such-tag"), FINISHED)

    assert job["state"] == "failed"
    assert "no-such-tag" in job["error"]
    assert job["attempts"] == 1
