"""Registry versions built straight in the database: fits trained in-process with fast engines."""

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.settings import Settings
from preditiva.ml.training import data_fingerprint, train_series
from preditiva.services import registry
from preditiva.services.training import fit_fields
from preditiva.storage.artifacts import dump_model, get_store, sha256_of
from preditiva.storage.db.models import ModelFit, ModelVersion
from preditiva.storage.db.repositories import registry as registry_repo
from preditiva.storage.db.repositories import series as series_repo


def prices(seed: int, days: int = 90, start: str = "2024-01-01") -> "pd.Series[float]":
    """A daily random-walk price history on naive UTC timestamps."""
    rng = np.random.default_rng(seed)
    index = pd.date_range(start, periods=days, freq="D")
    return pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.01, days))), index=index)


def add_version(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    model: str,
    histories: dict[str, "pd.Series[float] | str"],
    target: dict[str, str] | None = None,
    engine: str = "naive",
    horizon: int = 14,
    promote: bool = True,
) -> int:
    """A ready version of ``model`` (defined if new) with one fit per series; its number.

    A history trains the series with ``engine``; a string skips it with that reason.
    """
    store = get_store(settings)
    with factory.begin() as session:
        found = registry_repo.get_model(session, model)
        if found is None:
            found = registry.define(
                session,
                name=model,
                engine=engine,
                horizon=horizon,
                target=target or {"series": next(iter(histories))},
            )
        number = registry_repo.max_version(session, found.id) + 1
        version = ModelVersion(model_id=found.id, version=number, status="ready", metrics={})
        session.add(version)
        session.flush()
        for key, history in histories.items():
            series = series_repo.get_by_key(session, key)
            assert series is not None, key
            session.add(_fit(store, model, number, version.id, series.id, key, history, horizon))
        session.flush()
        if promote:
            registry.promote(session, model, number)
    return number


def _fit(
    store: Any,
    model: str,
    number: int,
    version_id: int,
    series_id: int,
    key: str,
    history: "pd.Series[float] | str",
    horizon: int,
) -> ModelFit:
    """One fit row: trained on ``history`` with naive, or skipped for the reason given."""
    ids = {"version_id": version_id, "series_id": series_id, "series_key": key}
    if isinstance(history, str):
        return ModelFit(**ids, status="skipped", reason=history, metrics={})
    trained = train_series(history, "naive", horizon=horizon)
    data = dump_model(trained.forecaster)
    uri, digest = store.put(data, f"models/{model}/v{number}/series-{series_id}.joblib")
    assert digest == sha256_of(data)
    return ModelFit(
        **ids,
        **fit_fields(trained),
        status="trained",
        n_obs=trained.n_obs,
        data_fingerprint=data_fingerprint(history),
        artifact_uri=uri,
        artifact_sha256=digest,
    )
