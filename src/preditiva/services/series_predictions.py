"""One call, the whole picture of a series: every model's prediction and its forecast.

Each regression or classification model whose target is the series, and that has a
champion, predicts from the stored series up to now (the next value, or the label and the
chance of going up); the series' serving forecaster (the rule of ``forecasts``) adds its
forecast. A model that cannot answer (no champion, too little data, a broken artifact) is
listed under ``problems`` with the reason instead of failing the call.
"""

import dataclasses
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from preditiva.core.errors import ForecastNotFoundError, PreditivaError
from preditiva.ml.series_features import SeriesFeatureModel
from preditiva.services import forecasts, predictions, registry
from preditiva.services import series as series_service
from preditiva.services.forecast_cache import ModelCache
from preditiva.storage.db.models import Model, ModelVersion, Series
from preditiva.storage.db.repositories import predictions as repo


def _problem(model: str, version: int | None, error: PreditivaError) -> dict[str, Any]:
    """Why one model gave no answer."""
    return {"model": model, "version": version, "code": error.code, "message": error.message}


def _no_champion(model: str) -> dict[str, Any]:
    """The problem of a model that has never been promoted."""
    return {
        "model": model,
        "version": None,
        "code": "champion_missing",
        "message": f"model {model!r} has no champion; promote a version",
    }


class _Histories:
    """The series' stored history, read once per synthetic setting (or the error it raised)."""

    def __init__(self, session: Session, series: Series) -> None:
        """Read lazily from ``series``."""
        self.session = session
        self.series = series
        self._read: dict[bool, pd.Series[float] | PreditivaError] = {}

    def get(self, params: dict[str, Any]) -> "pd.Series[float]":
        """The history a model with these params trains on."""
        include = bool(params.get("include_synthetic", False))
        if include not in self._read:
            try:
                history = predictions.stored_history(
                    self.session, self.series, {"include_synthetic": include}
                )
            except PreditivaError as error:
                self._read[include] = error
            else:
                self._read[include] = history
        found = self._read[include]
        if isinstance(found, PreditivaError):
            raise found
        return found


def _predict(
    models: ModelCache, model: Model, version: ModelVersion, histories: _Histories, key: str
) -> dict[str, Any]:
    """One model's prediction of the series, JSON-ready."""
    resolved = predictions.resolved_version(model, version)
    fitted: SeriesFeatureModel = predictions.load_model(models, resolved, SeriesFeatureModel)
    record = predictions.feature_record(fitted.predict_latest(histories.get(model.params)), key)
    del record["series"]
    return {
        "model": model.name,
        "version": version.version,
        "kind": model.task,
        "algorithm": model.engine,
        **record,
    }


def _forecast(
    session: Session, models: ModelCache, series: Series, problems: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The serving forecaster's forecast, None when no forecaster covers the series."""
    try:
        name = forecasts.serving_model(session, series)
    except ForecastNotFoundError:
        return None
    try:
        answer = forecasts.series_forecast(session, models, key=series.key, model=name)
    except PreditivaError as error:
        problems.append(_problem(name, None, error))
        return None
    return dataclasses.asdict(answer)


def series_predictions(session: Session, models: ModelCache, *, key: str) -> dict[str, Any]:
    """Every series-feature model's prediction of ``key`` and its forecast (404: no series)."""
    series = series_service.get(session, key)
    histories = _Histories(session, series)
    found: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    for model, version in repo.series_models(session, key, registry.CHAMPION):
        if version is None:
            problems.append(_no_champion(model.name))
            continue
        try:
            found.append(_predict(models, model, version, histories, key))
        except PreditivaError as error:
            problems.append(_problem(model.name, version.version, error))
    forecast = _forecast(session, models, series, problems)
    hint = None
    if not found and forecast is None and not problems:
        hint = (
            f"no model targets series {key!r}: define one with POST /v1/models (task "
            f'regression or classification with target {{"series": "{key}"}} for predictions, '
            "task forecast for a forecast) and train it"
        )
    return {
        "series": key,
        "predictions": found,
        "forecast": forecast,
        "problems": problems,
        "hint": hint,
    }
