"""The model registry on a real database: definitions, numbered versions, aliases, loading."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.errors import (
    ArtifactIntegrityError,
    EngineUnknownError,
    InvalidInputError,
    ModelExistsError,
    ModelNotFoundError,
    ModelVersionNotFoundError,
    ModelVersionStateError,
)
from preditiva.core.settings import Settings
from preditiva.ml.contract import Forecaster
from preditiva.ml.engines import get_engine
from preditiva.services import registry
from preditiva.storage.artifacts import ArtifactStore, get_store


@pytest.fixture
def store(db_settings: Settings) -> ArtifactStore:
    return get_store(db_settings)


def fitted_naive() -> Forecaster:
    index = pd.date_range("2024-01-01", periods=30, freq="D")
    return get_engine("naive").fit(pd.Series(np.arange(30, dtype=float) + 100.0, index=index))


def define(factory: sessionmaker[Session], name: str = "phones") -> None:
    with factory.begin() as session:
        registry.define(session, name=name, engine="naive", horizon=7, target={"tag": "phones"})


def add_versions(factory: sessionmaker[Session], store: ArtifactStore, count: int) -> list[int]:
    numbers = []
    for _ in range(count):
        with factory.begin() as session:
            version = registry.add_version(
                session,
                store,
                name="phones",
                fitted=fitted_naive(),
                data_fingerprint="fp",
                training_seconds=0.1,
                metrics={"mase": 1.0},
            )
            numbers.append(version.version)
    return numbers


def champion(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return registry.get_version(session, "phones", "champion").version


def test_define_stores_the_recipe(factory: sessionmaker[Session]) -> None:
    define(factory)

    with factory() as session:
        model = registry.get_model(session, "phones")
        assert (model.engine, model.horizon, model.target, model.task) == (
            "naive",
            7,
            {"tag": "phones"},
            "forecast",
        )


def test_defining_a_name_twice_is_a_conflict(factory: sessionmaker[Session]) -> None:
    define(factory)

    with pytest.raises(ModelExistsError), factory.begin() as session:
        registry.define(session, name="phones", engine="naive", horizon=7, target={"tag": "x"})


def test_unknown_engine_is_refused_with_422(factory: sessionmaker[Session]) -> None:
    with pytest.raises(EngineUnknownError) as caught, factory.begin() as session:
        registry.define(session, name="m", engine="lstm9000", horizon=7, target={"tag": "x"})

    assert caught.value.status_code == 422


@pytest.mark.parametrize("target", [{}, {"tag": "a", "series": "b"}, {"sql": "x"}, {"tag": ""}])
def test_malformed_target_is_refused(
    factory: sessionmaker[Session], target: dict[str, str]
) -> None:
    with pytest.raises(InvalidInputError), factory.begin() as session:
        registry.define(session, name="m", engine="naive", horizon=7, target=target)


def test_unknown_model_is_not_found(factory: sessionmaker[Session]) -> None:
    with pytest.raises(ModelNotFoundError), factory() as session:
        registry.list_versions(session, "nope")


def test_versions_are_numbered_one_two_three(
    factory: sessionmaker[Session], store: ArtifactStore
) -> None:
    define(factory)

    assert add_versions(factory, store, 3) == [1, 2, 3]


def test_version_records_artifact_hash_params_and_libraries(
    factory: sessionmaker[Session], store: ArtifactStore
) -> None:
    define(factory)
    add_versions(factory, store, 1)

    with factory() as session:
        (version,) = registry.list_versions(session, "phones")
    assert version.artifact_uri.startswith(store.url) and len(version.artifact_sha256) == 64
    assert version.params["freq"] is None and version.params["season_length"] is None
    assert "statsforecast" in version.library_versions and version.status == "ready"


def test_load_version_returns_a_model_that_predicts(
    factory: sessionmaker[Session], store: ArtifactStore
) -> None:
    define(factory)
    add_versions(factory, store, 1)

    with factory() as session:
        loaded = registry.load_version(session, store, "phones", 1)

    assert loaded.predict(3).mean.tolist() == [129.0, 129.0, 129.0]


def test_tampered_version_is_refused(factory: sessionmaker[Session], store: ArtifactStore) -> None:
    define(factory)
    add_versions(factory, store, 1)
    with factory() as session:
        uri = registry.get_version(session, "phones", 1).artifact_uri
    path = Path(uri.removeprefix("file://"))
    path.write_bytes(path.read_bytes()[:-1] + b"!")

    with pytest.raises(ArtifactIntegrityError), factory() as session:
        registry.load_version(session, store, "phones", 1)


def test_promote_sets_the_champion(factory: sessionmaker[Session], store: ArtifactStore) -> None:
    define(factory)
    add_versions(factory, store, 2)
    with factory.begin() as session:
        registry.promote(session, "phones", 2)

    assert champion(factory) == 2


def test_missing_alias_is_not_found(factory: sessionmaker[Session], store: ArtifactStore) -> None:
    define(factory)
    add_versions(factory, store, 1)

    with pytest.raises(ModelVersionNotFoundError), factory() as session:
        registry.load_version(session, store, "phones")


def test_rollback_walks_back_through_earlier_champions(
    factory: sessionmaker[Session], store: ArtifactStore
) -> None:
    define(factory)
    add_versions(factory, store, 3)
    for number in (1, 2, 3):
        with factory.begin() as session:
            registry.promote(session, "phones", number)

    seen = []
    for _ in range(2):
        with factory.begin() as session:
            seen.append(registry.rollback(session, "phones").version)

    assert seen == [2, 1] and champion(factory) == 1


def test_rollback_without_an_earlier_champion_is_a_conflict(
    factory: sessionmaker[Session], store: ArtifactStore
) -> None:
    define(factory)
    add_versions(factory, store, 1)
    with factory.begin() as session:
        registry.promote(session, "phones", 1)

    with pytest.raises(ModelVersionStateError), factory.begin() as session:
        registry.rollback(session, "phones")


def test_rollback_skips_archived_versions(
    factory: sessionmaker[Session], store: ArtifactStore
) -> None:
    define(factory)
    add_versions(factory, store, 3)
    for number in (1, 2, 3):
        with factory.begin() as session:
            registry.promote(session, "phones", number)
    with factory.begin() as session:
        registry.archive(session, "phones", 2)

    with factory.begin() as session:
        assert registry.rollback(session, "phones").version == 1


def test_archived_version_cannot_be_promoted(
    factory: sessionmaker[Session], store: ArtifactStore
) -> None:
    define(factory)
    add_versions(factory, store, 2)
    with factory.begin() as session:
        registry.archive(session, "phones", 1)

    with pytest.raises(ModelVersionStateError), factory.begin() as session:
        registry.promote(session, "phones", 1)


def test_champion_cannot_be_archived(factory: sessionmaker[Session], store: ArtifactStore) -> None:
    define(factory)
    add_versions(factory, store, 1)
    with factory.begin() as session:
        registry.promote(session, "phones", 1)

    with pytest.raises(ModelVersionStateError), factory.begin() as session:
        registry.archive(session, "phones", 1)


def test_promoting_a_missing_version_is_not_found(
    factory: sessionmaker[Session], store: ArtifactStore
) -> None:
    define(factory)

    with pytest.raises(ModelVersionNotFoundError), factory.begin() as session:
        registry.promote(session, "phones", 9)
