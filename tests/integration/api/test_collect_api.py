"""The collection endpoints with no worker running: jobs are accepted and stay queued."""

from typing import Any

from fastapi.testclient import TestClient


def add(client: TestClient, key: str, source: str | None) -> None:
    response = client.post("/v1/series", json={"key": key, "source": source})
    assert response.status_code == 201, response.text


def accepted(response: Any) -> dict[str, Any]:
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


def test_collecting_a_series_queues_a_collect_series_job(client: TestClient) -> None:
    add(client, "PETR4.SA", "yahoo:PETR4.SA")

    job = accepted(client.post("/v1/series/PETR4.SA/collect"))

    assert (job["kind"], job["params"], job["queue"]) == (
        "data.collect_series",
        {"key": "PETR4.SA"},
        "ingest",
    )
    assert job["state"] == "queued"
    assert client.get(f"/v1/jobs/{job['id']}").json()["kind"] == "data.collect_series"


def test_collecting_an_unknown_series_is_a_404(client: TestClient) -> None:
    response = client.post("/v1/series/GHOST/collect")

    assert response.status_code == 404
    assert "GHOST" in response.text


def test_collecting_a_series_without_source_is_a_422(client: TestClient) -> None:
    add(client, "MANUAL", None)

    response = client.post("/v1/series/MANUAL/collect")

    assert response.status_code == 422
    assert "has no source" in response.text


def test_a_series_with_an_unknown_collector_scheme_is_refused_with_a_422(
    client: TestClient,
) -> None:
    response = client.post("/v1/series", json={"key": "ODD", "source": "bloomberg:PETR4"})

    assert response.status_code == 422
    assert "unknown collector scheme 'bloomberg'" in response.text
    assert client.get("/v1/series/ODD").status_code == 404


def test_collect_all_takes_a_tag_and_keys(client: TestClient) -> None:
    job = accepted(client.post("/v1/collect", json={"tag": "b3", "keys": ["PETR4.SA"]}))

    assert (job["kind"], job["params"], job["queue"]) == (
        "data.collect_all",
        {"tag": "b3", "keys": ["PETR4.SA"]},
        "ingest",
    )


def test_collect_all_without_a_body_collects_everything(client: TestClient) -> None:
    job = accepted(client.post("/v1/collect"))

    assert job["params"] == {"tag": None, "keys": None}


def test_collect_all_refuses_unknown_fields(client: TestClient) -> None:
    response = client.post("/v1/collect", json={"tags": ["b3"]})

    assert response.status_code == 422


def test_the_collect_kinds_are_listed(client: TestClient) -> None:
    kinds = {kind["name"]: kind for kind in client.get("/v1/job-kinds").json()}

    assert set(kinds["data.collect_all"]["params_schema"]["properties"]) == {"tag", "keys"}
    assert set(kinds["data.collect_series"]["params_schema"]["properties"]) == {"key"}
