"""Which champions may serve forecasts: forecast models only, never a series-feature model."""

from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.settings import Settings
from preditiva.services import registry
from preditiva.storage.artifacts import get_store
from preditiva.storage.db.repositories import forecasts as repo


def test_a_series_feature_champion_never_serves_forecasts(
    factory: sessionmaker[Session], db_settings: Settings
) -> None:
    store = get_store(db_settings)
    with factory.begin() as session:
        for name, task in (("phones-auto", "forecast"), ("aapl-up", "classification")):
            engine = "auto" if task == "forecast" else "logistic"
            target = {"tag": "phones"} if task == "forecast" else {"series": "AAPL"}
            registry.define(session, name=name, engine=engine, horizon=1, target=target, task=task)
            registry.add_version(
                session,
                store,
                name=name,
                fitted={"stand-in": name},
                data_fingerprint="x",
                training_seconds=0.0,
            )
            registry.promote(session, name, 1)

    with factory() as session:
        names = [row.name for row in repo.aliased_models(session, registry.CHAMPION)]

    assert names == ["phones-auto"]
