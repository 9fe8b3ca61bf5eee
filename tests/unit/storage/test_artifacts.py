"""The artifact store: round trips by URL, and refusal of bytes whose SHA-256 changed."""

import hashlib
from pathlib import Path
from typing import Any

import pytest

from preditiva.core.errors import ArtifactIntegrityError, ArtifactNotFoundError, InvalidInputError
from preditiva.core.settings import Settings
from preditiva.storage.artifacts import ArtifactStore, get_store


def write_marker(path: str) -> None:
    """What unpickling a ``Booby`` does: leave a file behind."""
    Path(path).write_text("unpickled")


class Booby:
    """An object whose unpickling writes a marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return write_marker, (str(self.marker),)


@pytest.fixture
def store(tmp_path: Path) -> ArtifactStore:
    return ArtifactStore(f"file://{tmp_path / 'artifacts'}")


def path_of(uri: str) -> Path:
    return Path(uri.removeprefix("file://"))


def test_put_returns_the_uri_under_the_root_and_the_sha256(
    store: ArtifactStore, tmp_path: Path
) -> None:
    uri, sha = store.put(b"model bytes", "models/m/v1.joblib")

    assert uri == f"file://{tmp_path / 'artifacts'}/models/m/v1.joblib"
    assert sha == hashlib.sha256(b"model bytes").hexdigest()
    assert path_of(uri).read_bytes() == b"model bytes"


def test_get_returns_the_bytes_when_the_hash_matches(store: ArtifactStore) -> None:
    uri, sha = store.put(b"abc", "a/b.bin")

    assert store.get(uri, sha) == b"abc"


def test_model_round_trip_keeps_its_value(store: ArtifactStore) -> None:
    uri, sha = store.save_model({"weights": [1.0, 2.5]}, "models/m/v1.joblib")

    assert store.load_model(uri, sha) == {"weights": [1.0, 2.5]}


def test_changed_bytes_are_refused_naming_the_uri_and_both_hashes(store: ArtifactStore) -> None:
    uri, sha = store.put(b"abc", "a/b.bin")
    path_of(uri).write_bytes(b"abd")

    with pytest.raises(ArtifactIntegrityError) as caught:
        store.get(uri, sha)

    actual = hashlib.sha256(b"abd").hexdigest()
    assert (caught.value.uri, caught.value.expected, caught.value.actual) == (uri, sha, actual)
    assert uri in caught.value.message and sha in caught.value.message
    assert actual in caught.value.message


def test_untampered_payload_does_run_when_loaded(store: ArtifactStore, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    uri, sha = store.save_model(Booby(marker), "models/booby.joblib")

    store.load_model(uri, sha)

    assert marker.exists()


def test_tampered_model_is_refused_and_never_unpickled(
    store: ArtifactStore, tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    uri, sha = store.save_model(Booby(marker), "models/booby.joblib")
    path = path_of(uri)
    path.write_bytes(path.read_bytes() + b"\x00")

    with pytest.raises(ArtifactIntegrityError):
        store.load_model(uri, sha)

    assert not marker.exists()


def test_missing_artifact_is_not_found(store: ArtifactStore) -> None:
    with pytest.raises(ArtifactNotFoundError):
        store.get(store.uri_for("nothing/here.bin"), "0" * 64)


@pytest.mark.parametrize("key", ["../escape", "/abs/path", "a//b", "a/../b", ""])
def test_keys_that_leave_the_root_are_refused(store: ArtifactStore, key: str) -> None:
    with pytest.raises(InvalidInputError):
        store.put(b"x", key)


def test_default_store_is_a_folder_in_home(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)

    assert get_store(settings).url == f"file://{tmp_path / 'artifacts'}"


def test_memory_url_chooses_another_file_system() -> None:
    store = ArtifactStore("memory://preditiva-test-artifacts")
    uri, sha = store.put(b"in memory", "k.bin")

    assert uri.startswith("memory://") and store.get(uri, sha) == b"in memory"
