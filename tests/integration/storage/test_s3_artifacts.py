"""The artifact store on a local S3-compatible server: round trips, refusals, clear failures."""

import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.errors import (
    ArtifactIntegrityError,
    ArtifactNotFoundError,
    ArtifactStoreUnavailableError,
)
from preditiva.core.settings import Settings
from preditiva.ml.contract import Forecaster
from preditiva.ml.engines import get_engine
from preditiva.services import registry
from preditiva.storage.artifacts import ArtifactStore, dump_model, get_store
from tests.support.s3_server import S3Server


def write_marker(path: str) -> None:
    """What unpickling a ``Booby`` does: leave a file behind."""
    Path(path).write_text("unpickled")


class Booby:
    """An object whose unpickling writes a marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return write_marker, (str(self.marker),)


def fitted_naive() -> Forecaster:
    index = pd.date_range("2024-01-01", periods=30, freq="D")
    return get_engine("naive").fit(pd.Series(np.arange(30, dtype=float) + 100.0, index=index))


def overwrite(server: S3Server, uri: str, data: bytes) -> None:
    """Replace the object at ``uri`` behind the store's back, as an intruder would."""
    bucket, key = uri.removeprefix("s3://").split("/", 1)
    server.client.put_object(Bucket=bucket, Key=key, Body=data)


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def store(s3_bucket: str) -> ArtifactStore:
    return ArtifactStore(f"{s3_bucket}/artifacts")


def test_bytes_round_trip_through_the_bucket(
    store: ArtifactStore, s3_env: S3Server, s3_bucket: str
) -> None:
    uri, sha = store.put(b"model bytes", "models/m/v1.bin")

    assert uri == f"{s3_bucket}/artifacts/models/m/v1.bin"
    bucket = s3_bucket.removeprefix("s3://")
    stored = s3_env.client.get_object(Bucket=bucket, Key="artifacts/models/m/v1.bin")
    assert stored["Body"].read() == b"model bytes"
    assert store.get(uri, sha) == b"model bytes"


def test_settings_url_chooses_the_s3_store(s3_bucket: str, tmp_path: Path) -> None:
    store = get_store(Settings(home=tmp_path, artifacts_url=s3_bucket))

    uri, sha = store.put(b"via settings", "k.bin")

    assert uri == f"{s3_bucket}/k.bin" and store.get(uri, sha) == b"via settings"


def test_fitted_forecaster_predicts_the_same_after_the_round_trip(store: ArtifactStore) -> None:
    fitted = fitted_naive()
    uri, sha = store.save_model(fitted, "models/naive/v1.pkl")

    loaded = store.load_model(uri, sha)

    before, after = fitted.predict(7), loaded.predict(7)
    assert after.index.equals(before.index)
    np.testing.assert_array_equal(after.mean, before.mean)
    for level in before.lower:
        np.testing.assert_array_equal(after.lower[level], before.lower[level])
        np.testing.assert_array_equal(after.upper[level], before.upper[level])


def test_untampered_payload_does_run_when_loaded(store: ArtifactStore, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    uri, sha = store.save_model(Booby(marker), "models/booby.pkl")

    store.load_model(uri, sha)

    assert marker.exists()


def test_swapped_object_is_refused_and_never_unpickled(
    store: ArtifactStore, s3_env: S3Server, tmp_path: Path
) -> None:
    uri, sha = store.save_model({"weights": [1.0]}, "models/m/v1.pkl")
    marker = tmp_path / "marker"
    overwrite(s3_env, uri, dump_model(Booby(marker)))

    with pytest.raises(ArtifactIntegrityError) as caught:
        store.load_model(uri, sha)

    assert (caught.value.uri, caught.value.expected) == (uri, sha)
    assert not marker.exists()


def test_missing_key_is_not_found(store: ArtifactStore) -> None:
    with pytest.raises(ArtifactNotFoundError):
        store.get(store.uri_for("nothing/here.bin"), "0" * 64)


def test_missing_bucket_says_to_create_it_or_fix_the_url(s3_env: S3Server) -> None:
    store = ArtifactStore("s3://preditiva-no-such-bucket/artifacts")

    with pytest.raises(ArtifactStoreUnavailableError) as writing:
        store.put(b"x", "k.bin")
    with pytest.raises(ArtifactStoreUnavailableError) as reading:
        store.get(store.uri_for("k.bin"), "0" * 64)

    for caught in (writing, reading):
        assert "'preditiva-no-such-bucket' does not exist" in caught.value.message
        assert "PREDITIVA_ARTIFACTS_URL" in caught.value.message
        assert caught.value.status_code == 503


def test_unreachable_endpoint_fails_fast_naming_the_setting(
    aws_env: Callable[..., None], s3_server: S3Server
) -> None:
    endpoint = f"http://127.0.0.1:{closed_port()}"
    aws_env(**{**s3_server.env, "AWS_ENDPOINT_URL": endpoint})
    store = ArtifactStore("s3://preditiva-anything")
    started = time.monotonic()

    with pytest.raises(ArtifactStoreUnavailableError) as caught:
        store.put(b"x", "k.bin")

    # three attempts, at most 3 s of back-off; s3fs and botocore left alone would make 25
    assert time.monotonic() - started < 8
    assert endpoint in caught.value.message and "AWS_ENDPOINT_URL" in caught.value.message


def test_missing_credentials_are_a_clear_error(
    aws_env: Callable[..., None], s3_server: S3Server
) -> None:
    aws_env(AWS_ENDPOINT_URL=s3_server.endpoint_url)
    store = ArtifactStore("s3://preditiva-anything")

    with pytest.raises(ArtifactStoreUnavailableError) as caught:
        store.get(store.uri_for("k.bin"), "0" * 64)

    assert "credentials" in caught.value.message
    assert "AWS_ACCESS_KEY_ID" in caught.value.message


def define_and_add(factory: sessionmaker[Session], store: ArtifactStore) -> str:
    """Define model ``phones`` and add its version 1; returns the version's artifact URI."""
    with factory.begin() as session:
        registry.define(session, name="phones", engine="naive", horizon=7, target={"tag": "x"})
    with factory.begin() as session:
        version = registry.add_version(
            session,
            store,
            name="phones",
            fitted=fitted_naive(),
            data_fingerprint="fp",
            training_seconds=0.1,
        )
        return version.artifact_uri


def test_registry_versions_live_in_the_bucket_and_load_back(
    factory: sessionmaker[Session], store: ArtifactStore, s3_bucket: str
) -> None:
    uri = define_and_add(factory, store)

    with factory() as session:
        loaded = registry.load_version(session, store, "phones", 1)

    assert uri.startswith(f"{s3_bucket}/artifacts/models/phones/v1-")
    np.testing.assert_array_equal(loaded.predict(7).mean, fitted_naive().predict(7).mean)


def test_registry_refuses_a_version_whose_object_was_swapped(
    factory: sessionmaker[Session], store: ArtifactStore, s3_env: S3Server, tmp_path: Path
) -> None:
    uri = define_and_add(factory, store)
    marker = tmp_path / "marker"
    overwrite(s3_env, uri, dump_model(Booby(marker)))

    with pytest.raises(ArtifactIntegrityError), factory() as session:
        registry.load_version(session, store, "phones", 1)

    assert not marker.exists()
