"""The series catalogue and its observations over HTTP, on SQLite and PostgreSQL."""

import csv
import io
from datetime import timedelta
from typing import Any

import pandas as pd
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from structlog.testing import capture_logs

from preditiva.core.clock import utcnow
from preditiva.storage.db.models import Observation, Series

SERIES_FIELDS = {
    "key",
    "name",
    "kind",
    "currency",
    "unit",
    "frequency",
    "tags",
    "metadata",
    "source",
    "created_at",
    "updated_at",
    "last_attempt_at",
    "last_success_at",
    "last_error",
    "last_error_at",
    "consecutive_failures",
}


def create(client: TestClient, key: str, **fields: Any) -> dict[str, Any]:
    response = client.post("/v1/series", json={"key": key, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def push(client: TestClient, key: str, *points: tuple[str, float], **body: Any) -> Response:
    """POST ``(ts, value)`` points to a series' observations."""
    observations = [{"ts": ts, "value": value} for ts, value in points]
    response: Response = client.post(
        f"/v1/series/{key}/observations", json={"observations": observations, **body}
    )
    return response


def pushed(client: TestClient, key: str, *points: tuple[str, float], **body: Any) -> int:
    """Push and return how many rows were written."""
    response = push(client, key, *points, **body)
    assert response.status_code == 200, response.text
    written: int = response.json()["written"]
    return written


def read(client: TestClient, key: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/v1/series/{key}/observations", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def keys(response: Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["key"] for item in response.json()["items"]]


def error_details(response: Response) -> list[dict[str, Any]]:
    details: list[dict[str, Any]] = response.json()["error"]["details"]
    return details


def days(start: str, count: int) -> list[str]:
    return [ts.strftime("%Y-%m-%d") for ts in pd.date_range(start, periods=count, freq="D")]


def observation_count(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(Observation)) or 0)


# The catalogue


def test_create_answers_201_with_the_series(client: TestClient) -> None:
    response = client.post(
        "/v1/series",
        json={
            "key": "PETR4.SA",
            "name": "Petrobras PN",
            "currency": "BRL",
            "tags": ["stocks", "b3"],
            "metadata": {"isin": "BRPETRACNPR6"},
            "source": "yahoo:PETR4.SA",
        },
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == SERIES_FIELDS
    assert body["key"] == "PETR4.SA"
    assert body["kind"] == "price"
    assert body["tags"] == ["b3", "stocks"]
    assert body["metadata"] == {"isin": "BRPETRACNPR6"}
    assert body["frequency"] is None
    assert client.get("/v1/series/PETR4.SA").json() == body


def test_creating_an_existing_key_is_a_409(client: TestClient) -> None:
    create(client, "BTC-USD")

    response = client.post("/v1/series", json={"key": "BTC-USD", "name": "again"})

    assert response.status_code == 409
    assert "BTC-USD" in response.json()["error"]["message"]
    assert client.get("/v1/series/BTC-USD").json()["name"] == "BTC-USD"


def test_invalid_keys_are_a_422_naming_key(client: TestClient) -> None:
    for key in ("has space", "-leading-dash", "slash/inside", "x" * 201):
        response = client.post("/v1/series", json={"key": key})

        assert response.status_code == 422, key
        assert "key" in [detail["field"] for detail in error_details(response)], key
    assert keys(client.get("/v1/series")) == []


def test_unknown_field_is_a_422_naming_it(client: TestClient) -> None:
    response = client.post("/v1/series", json={"key": "BTC-USD", "colour": "blue"})

    assert response.status_code == 422
    assert [detail["field"] for detail in error_details(response)] == ["colour"]


def test_list_is_ordered_by_key_and_paginated(client: TestClient) -> None:
    for key in ("e", "c", "a", "d", "b"):
        create(client, key)

    response = client.get("/v1/series", params={"limit": 2, "offset": 1})

    assert keys(response) == ["b", "c"]
    assert {k: v for k, v in response.json().items() if k != "items"} == {
        "total": 5,
        "limit": 2,
        "offset": 1,
    }
    assert keys(client.get("/v1/series", params={"limit": 2, "offset": 4})) == ["e"]


def test_list_filters_by_tag(client: TestClient) -> None:
    create(client, "PETR4.SA", tags=["stocks", "b3"])
    create(client, "VALE3.SA", tags=["b3"])
    create(client, "BTC-USD", tags=["crypto"])

    response = client.get("/v1/series", params={"tag": "b3"})

    assert keys(response) == ["PETR4.SA", "VALE3.SA"]
    assert response.json()["total"] == 2


def test_list_filters_by_kind(client: TestClient) -> None:
    create(client, "price-1")
    create(client, "sales-1", kind="demand")

    assert keys(client.get("/v1/series", params={"kind": "demand"})) == ["sales-1"]


def test_list_filters_by_text_in_key_or_name_ignoring_case(client: TestClient) -> None:
    create(client, "produto-123", name="Furadeira Bosch")
    create(client, "BOSCH-PARTS", name="Peças")
    create(client, "produto-456", name="Serra Makita")

    assert keys(client.get("/v1/series", params={"q": "bosch"})) == [
        "BOSCH-PARTS",
        "produto-123",
    ]
    assert keys(client.get("/v1/series", params={"q": "MAKITA"})) == ["produto-456"]


def test_text_filter_takes_underscore_and_percent_literally(client: TestClient) -> None:
    create(client, "sku_10")
    create(client, "sku-10")
    create(client, "sku-100", name="100% cotton")

    assert keys(client.get("/v1/series", params={"q": "sku_10"})) == ["sku_10"]
    assert keys(client.get("/v1/series", params={"q": "0%"})) == ["sku-100"]


def test_stale_lists_collected_series_with_no_recent_success(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    create(client, "manual")
    create(client, "never", source="yahoo:NEVER")
    create(client, "long-ago", source="yahoo:OLD")
    create(client, "fresh", source="yahoo:FRESH")
    now = utcnow()
    with factory.begin() as session:
        for key, success in (("long-ago", now - timedelta(days=3)), ("fresh", now)):
            series = session.scalars(select(Series).where(Series.key == key)).one()
            series.last_success_at = success

    response = client.get("/v1/series", params={"stale": True})

    assert keys(response) == ["long-ago", "never"]
    assert response.json()["total"] == 2


def test_unknown_series_is_a_404_on_every_route(client: TestClient) -> None:
    answers = [
        client.get("/v1/series/NOPE"),
        client.patch("/v1/series/NOPE", json={"name": "x"}),
        client.delete("/v1/series/NOPE"),
        push(client, "NOPE", ("2024-01-01", 1.0)),
        client.get("/v1/series/NOPE/observations"),
    ]

    assert [answer.status_code for answer in answers] == [404] * 5
    assert {answer.json()["error"]["code"] for answer in answers} == {"not_found"}


def test_patch_changes_the_given_fields_and_keeps_the_others(client: TestClient) -> None:
    created = create(client, "PETR4.SA", name="Petrobras", currency="BRL", tags=["b3"])

    response = client.patch("/v1/series/PETR4.SA", json={"name": "Petrobras PN", "unit": "share"})

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["unit"]) == ("Petrobras PN", "share")
    assert (body["currency"], body["tags"]) == ("BRL", ["b3"])
    assert body["updated_at"] > created["updated_at"]
    assert client.get("/v1/series/PETR4.SA").json() == body


def test_patch_replaces_tags_and_metadata(client: TestClient) -> None:
    create(client, "PETR4.SA", tags=["b3", "stocks"], metadata={"isin": "X", "lot": 100})

    response = client.patch(
        "/v1/series/PETR4.SA", json={"tags": ["oil"], "metadata": {"sector": "energy"}}
    )

    assert response.status_code == 200, response.text
    shown = client.get("/v1/series/PETR4.SA").json()
    assert shown["tags"] == ["oil"]
    assert shown["metadata"] == {"sector": "energy"}
    assert keys(client.get("/v1/series", params={"tag": "b3"})) == []


def test_patch_that_nulls_name_or_kind_is_a_422(client: TestClient) -> None:
    create(client, "PETR4.SA", name="Petrobras")

    with capture_logs():  # keeps the 500's traceback out of the console renderer (slow)
        response = client.patch("/v1/series/PETR4.SA", json={"name": None, "kind": None})

    assert response.status_code == 422
    assert {"name", "kind"} <= {detail["field"] for detail in error_details(response)}
    assert client.get("/v1/series/PETR4.SA").json()["name"] == "Petrobras"


def test_delete_answers_204_and_removes_the_observations(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    create(client, "gone")
    create(client, "kept")
    pushed(client, "gone", ("2024-01-01", 1.0), ("2024-01-02", 2.0))
    pushed(client, "kept", ("2024-01-01", 1.0))

    response = client.delete("/v1/series/gone")

    assert response.status_code == 204
    assert client.get("/v1/series/gone").status_code == 404
    assert observation_count(factory) == 1


# Pushing observations


def test_push_reports_rows_received_and_written(client: TestClient) -> None:
    create(client, "BTC-USD")

    response = push(client, "BTC-USD", ("2024-01-01", 42000.5), ("2024-01-02", 43100.0))

    assert response.status_code == 200, response.text
    assert response.json() == {"received": 2, "written": 2, "unchanged": 0}
    assert [o["value"] for o in read(client, "BTC-USD")["observations"]] == [42000.5, 43100.0]


def test_pushing_the_same_batch_again_writes_nothing(client: TestClient) -> None:
    create(client, "BTC-USD")
    batch = [(day, 100.0 + n) for n, day in enumerate(days("2024-01-01", 5))]
    pushed(client, "BTC-USD", *batch)

    response = push(client, "BTC-USD", *batch)

    assert response.json() == {"received": 5, "written": 0, "unchanged": 5}
    assert read(client, "BTC-USD")["count"] == 5


def test_changing_one_value_writes_one_row(client: TestClient) -> None:
    create(client, "BTC-USD")
    batch = [(day, 100.0 + n) for n, day in enumerate(days("2024-01-01", 5))]
    pushed(client, "BTC-USD", *batch)
    batch[2] = (batch[2][0], 999.0)

    response = push(client, "BTC-USD", *batch)

    assert response.json() == {"received": 5, "written": 1, "unchanged": 4}
    values = [o["value"] for o in read(client, "BTC-USD")["observations"]]
    assert values == [100.0, 101.0, 999.0, 103.0, 104.0]


def test_adding_ohlc_to_a_stored_point_counts_as_a_write(client: TestClient) -> None:
    create(client, "BTC-USD")
    pushed(client, "BTC-USD", ("2024-01-01", 100.0))

    written = client.post(
        "/v1/series/BTC-USD/observations",
        json={"observations": [{"ts": "2024-01-01", "value": 100.0, "high": 105.0}]},
    ).json()["written"]

    assert written == 1
    assert read(client, "BTC-USD")["observations"][0]["high"] == 105.0


def test_non_positive_prices_reject_the_batch_naming_row_and_field(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    create(client, "BTC-USD")
    observations = [
        {"ts": "2024-01-01", "value": 10.0},
        {"ts": "2024-01-02", "value": 0.0},
        {"ts": "2024-01-03", "value": 11.0, "low": -3.5},
    ]

    response = client.post("/v1/series/BTC-USD/observations", json={"observations": observations})

    assert response.status_code == 422
    problems = [(d["row"], d["field"]) for d in error_details(response)]
    assert problems == [(1, "value"), (2, "low")]
    assert "nothing was written" in response.json()["error"]["message"]
    assert observation_count(factory) == 0


def test_duplicate_timestamp_rejects_the_batch_naming_row_and_field(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    create(client, "BTC-USD")

    response = push(
        client,
        "BTC-USD",
        ("2024-01-01T00:00:00Z", 1.0),
        ("2024-01-02T00:00:00Z", 2.0),
        ("2024-01-01T03:00:00+03:00", 3.0),  # the same instant as row 0
    )

    assert response.status_code == 422
    assert [(d["row"], d["field"]) for d in error_details(response)] == [(2, "ts")]
    assert "row 0" in error_details(response)[0]["message"]
    assert observation_count(factory) == 0


def test_demand_series_accepts_zero(client: TestClient) -> None:
    create(client, "sales-1", kind="demand")

    assert pushed(client, "sales-1", ("2024-01-01", 0.0), ("2024-01-02", 4.0)) == 2
    assert [o["value"] for o in read(client, "sales-1")["observations"]] == [0.0, 4.0]


def test_same_timestamp_from_two_sources_is_two_observations(client: TestClient) -> None:
    create(client, "PETR4.SA")
    pushed(client, "PETR4.SA", ("2024-01-01", 37.2), source="yahoo")

    written = pushed(client, "PETR4.SA", ("2024-01-01", 37.4), source="b3")

    assert written == 1
    shown = read(client, "PETR4.SA")["observations"]
    assert [(o["source"], o["value"]) for o in shown] == [("b3", 37.4), ("yahoo", 37.2)]


def test_naive_timestamps_are_taken_as_utc(client: TestClient) -> None:
    create(client, "BTC-USD")
    pushed(client, "BTC-USD", ("2024-01-01T10:00:00", 1.0))

    response = push(client, "BTC-USD", ("2024-01-01T07:00:00-03:00", 1.0))

    assert response.json()["written"] == 0  # the same instant, already stored
    assert read(client, "BTC-USD")["observations"][0]["ts"] == "2024-01-01T10:00:00Z"


def test_frequency_is_detected_after_the_first_push(client: TestClient) -> None:
    create(client, "BTC-USD")

    pushed(client, "BTC-USD", *[(day, 1.0) for day in days("2024-01-01", 10)])

    assert client.get("/v1/series/BTC-USD").json()["frequency"] == "D"


def test_given_frequency_is_kept(client: TestClient) -> None:
    create(client, "BTC-USD", frequency="B")

    pushed(client, "BTC-USD", *[(day, 1.0) for day in days("2024-01-01", 10)])

    assert client.get("/v1/series/BTC-USD").json()["frequency"] == "B"


# Reading observations


def test_read_bounds_are_inclusive(client: TestClient) -> None:
    create(client, "BTC-USD")
    pushed(client, "BTC-USD", *[(day, n + 1.0) for n, day in enumerate(days("2024-01-01", 10))])

    body = read(client, "BTC-USD", **{"from": "2024-01-03", "to": "2024-01-05T00:00:00Z"})

    assert [o["ts"][:10] for o in body["observations"]] == [
        "2024-01-03",
        "2024-01-04",
        "2024-01-05",
    ]
    assert body["count"] == 3


def test_read_resampled_by_week_as_ohlc(client: TestClient) -> None:
    create(client, "PETR4.SA")
    client.post(
        "/v1/series/PETR4.SA/observations",
        json={
            "observations": [
                {"ts": "2024-01-01", "value": 10, "open": 9, "high": 11, "low": 8, "volume": 100},
                {"ts": "2024-01-03", "value": 12, "open": 10, "high": 13, "low": 9.5, "volume": 50},
                {"ts": "2024-01-08", "value": 14, "open": 12, "high": 15, "low": 11, "volume": 10},
            ]
        },
    )

    body = read(client, "PETR4.SA", resample="week", how="ohlc")

    assert (body["resample"], body["how"], body["count"]) == ("week", "ohlc", 2)
    first = body["observations"][0]
    assert first["ts"] == "2024-01-01T00:00:00Z"
    assert [first[k] for k in ("open", "high", "low", "value", "volume")] == [9, 13, 8, 12, 150]
    assert body["observations"][1]["ts"] == "2024-01-08T00:00:00Z"


def test_read_resampled_by_month_as_mean(client: TestClient) -> None:
    create(client, "BTC-USD")
    pushed(
        client,
        "BTC-USD",
        ("2024-01-10", 10.0),
        ("2024-01-20", 20.0),
        ("2024-03-05", 40.0),
    )

    body = read(client, "BTC-USD", resample="month", how="mean")

    assert [(o["ts"][:10], o["value"]) for o in body["observations"]] == [
        ("2024-01-01", 15.0),
        ("2024-03-01", 40.0),
    ]


def test_include_synthetic_false_hides_synthetic_points(client: TestClient) -> None:
    create(client, "shop-1")
    pushed(client, "shop-1", ("2024-01-01", 9.0), ("2024-01-02", 9.5), is_synthetic=True,
           source="synthetic")  # fmt: skip
    pushed(client, "shop-1", ("2024-01-03", 10.0))

    everything = read(client, "shop-1")
    real = read(client, "shop-1", include_synthetic=False)

    assert [o["is_synthetic"] for o in everything["observations"]] == [True, True, False]
    assert (everything["count"], everything["synthetic_count"]) == (3, 2)
    assert [o["ts"][:10] for o in real["observations"]] == ["2024-01-03"]
    assert (real["count"], real["synthetic_count"], real["include_synthetic"]) == (1, 0, False)


def test_resampled_period_is_synthetic_when_any_point_of_it_is(client: TestClient) -> None:
    create(client, "shop-1")
    pushed(client, "shop-1", ("2024-01-01", 9.0), is_synthetic=True, source="synthetic")
    pushed(client, "shop-1", ("2024-01-03", 10.0), ("2024-01-10", 11.0))

    body = read(client, "shop-1", resample="week")

    assert [o["is_synthetic"] for o in body["observations"]] == [True, False]
    assert body["synthetic_count"] == 1


def test_read_as_csv_has_a_header_and_one_line_per_observation(client: TestClient) -> None:
    create(client, "BTC-USD")
    pushed(client, "BTC-USD", ("2024-01-01", 1.5), ("2024-01-02", 2.5))

    response = client.get("/v1/series/BTC-USD/observations", params={"format": "csv"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == [
        "ts",
        "value",
        "open",
        "high",
        "low",
        "volume",
        "is_synthetic",
        "source",
    ]
    assert [(row["ts"][:10], float(row["value"]), row["source"]) for row in rows] == [
        ("2024-01-01", 1.5, "api"),
        ("2024-01-02", 2.5, "api"),
    ]


def test_read_as_parquet_gives_the_same_rows_as_json(client: TestClient) -> None:
    create(client, "BTC-USD")
    pushed(client, "BTC-USD", *[(day, 1.0 + n) for n, day in enumerate(days("2024-01-01", 6))])

    response = client.get(
        "/v1/series/BTC-USD/observations", params={"format": "parquet", "from": "2024-01-02"}
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.apache.parquet"
    frame = pd.read_parquet(io.BytesIO(response.content))
    as_json = read(client, "BTC-USD", **{"from": "2024-01-02"})["observations"]
    assert [ts.isoformat() for ts in frame["ts"]] == [
        o["ts"].replace("Z", "+00:00") for o in as_json
    ]
    assert frame["value"].tolist() == [o["value"] for o in as_json]
    assert frame["is_synthetic"].tolist() == [False] * 5
