"""An upload imported end to end by a real worker, on embedded and PostgreSQL+Redis back ends."""

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from preditiva.storage.db.models import Observation, Series
from tests.support.platforms import FINISHED, Platform, serving_platform
from tests.support.processes import wait_until

CHUNK_ROWS = 100


@pytest.fixture(scope="module", params=["embedded", "postgres+redis"])
def platform(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    """A platform with one real worker that imports in chunks of 100 rows."""
    home = tmp_path_factory.mktemp(f"import_{request.param.replace('+', '_')}")
    with serving_platform(
        request.param, home, worker_name=f"import@{request.param}", import_chunk_rows=CHUNK_ROWS
    ) as platform:
        yield platform


def import_file(platform: Platform, body: str, name: str, **fields: str) -> dict[str, Any]:
    """Upload a file, wait for its job to end, and return ``GET /v1/imports/{id}``."""
    response = platform.client.post(
        "/v1/imports", files={"file": (name, body.encode(), "text/csv")}, data=fields
    )
    assert response.status_code == 202, response.text
    job = platform.wait_for(response.json()["id"], FINISHED, timeout=60)
    assert job["state"] == "succeeded", job["error"]
    result: dict[str, Any] = platform.client.get(f"/v1/imports/{job['id']}").json()
    return result


def observations_of(platform: Platform, key: str) -> int:
    with platform.backend.factory() as session:
        query = (
            select(func.count())
            .select_from(Observation)
            .join(Series, Series.id == Observation.series_id)
            .where(Series.key == key)
        )
        return int(session.scalar(query) or 0)


def test_uploaded_file_of_many_chunks_is_imported_by_the_worker(platform: Platform) -> None:
    start = date(2010, 1, 1)
    days = [(start + timedelta(days=offset)).isoformat() for offset in range(3000)]
    lines = ["key,ts,value", *(f"BIG,{day},{100 + index % 7}" for index, day in enumerate(days))]

    imported = import_file(platform, "\n".join(lines) + "\n", "big.csv", create_series="true")

    report = imported["report"]
    assert report["outcome"] == "loaded"
    assert (report["rows_read"], report["rows_written"], report["series_created"]) == (
        3000,
        3000,
        1,
    )
    assert imported["job"]["progress"] == 1.0
    assert "3,000 written" in imported["job"]["message"]
    assert observations_of(platform, "BIG") == 3000
    assert list(platform.backend.settings.uploads_dir.iterdir()) == []


def test_bad_rows_are_reported_in_the_job_result_and_good_rows_load(platform: Platform) -> None:
    body = "key,ts,value\nGOOD,2024-01-01,1\nGOOD,2024-01-02,zero\nGOOD,2024-01-03,3\n"

    report = import_file(platform, body, "mixed.csv", create_series="true")["report"]

    assert report["outcome"] == "partial"
    assert (report["rows_written"], report["rows_rejected"]) == (2, 1)
    assert report["problems"] == [
        {"row": 3, "column": "value", "message": "unreadable number 'zero'"}
    ]
    assert observations_of(platform, "GOOD") == 2


def test_strict_import_with_a_problem_writes_nothing(platform: Platform) -> None:
    body = "key,ts,value\nSTRICT,2024-01-01,1\nSTRICT,2024-01-01,2\n"

    report = import_file(platform, body, "dupes.csv", create_series="true", strict="true")["report"]

    assert (report["outcome"], report["rows_written"], report["problem_count"]) == (
        "rejected",
        0,
        1,
    )
    assert "duplicate of row 2" in report["problems"][0]["message"]
    assert observations_of(platform, "STRICT") == 0


def test_cancelled_import_writes_nothing(platform: Platform) -> None:
    start = datetime(2000, 1, 1)
    lines = [
        f"C{index % 10},{(start + timedelta(hours=index // 10)).isoformat()},1"
        for index in range(200_000)
    ]
    body = "key,ts,value\n" + "\n".join(lines) + "\n"
    response = platform.client.post(
        "/v1/imports",
        files={"file": ("cancel.csv", body.encode(), "text/csv")},
        data={"create_series": "true"},
    )
    job_id = response.json()["id"]
    wait_until(
        lambda: platform.job(job_id)["progress"] > 0.05,
        timeout=30,
        what="the import to make progress",
        log=platform.worker.log,
    )

    assert platform.client.post(f"/v1/jobs/{job_id}/cancel").status_code == 200
    job = platform.wait_for(job_id, FINISHED, timeout=30)

    assert job["state"] == "cancelled"
    assert job["progress"] < 0.8
    assert observations_of(platform, "C1") == 0
