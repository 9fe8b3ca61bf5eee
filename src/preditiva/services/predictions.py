"""Predicting with a registry version: which version answers, and asking its fitted model.

Three kinds of model predict here, told apart by task and target:

* **tabular** (regression or classification on a dataset): ``rows`` in, one value per row
  (and each class's probability for a classifier) out; bad rows are a 422 listing each
  missing or unknown column and wrongly typed value.
* **series_feature** (regression or classification on one series): a price history in, or
  the stored series up to now, and the next value, or the label and the chance of going up.
* **forecast**: an ``lstm`` version reads a window of prices with its trained weights: the
  version's own artifact, or the trained fit of the model's series (a tag model names it
  with ``series``). Other engines cannot read a history without refitting: a 422 points at
  ``POST /v1/forecast``.

The version is the champion unless a number or alias is asked for (a model without a
champion is a 409 saying to promote one); it must be ready (or archived). Fitted models come
through the serving ``ModelCache``: their artifact's SHA-256 is verified, then kept by hash.
Answers are plain JSON-ready dicts, the same for the API and a ``predict.rows`` job.
"""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from preditiva.core.errors import (
    ChampionMissingError,
    InlinePredictionUnsupportedError,
    InvalidInputError,
    ModelVersionStateError,
    SeriesTooShortError,
)
from preditiva.ml.contract import DEFAULT_LEVELS, check_levels
from preditiva.ml.engines.lstm import LSTMForecaster
from preditiva.ml.series_features import FeaturePrediction, SeriesFeatureModel
from preditiva.ml.tabular import TabularModel
from preditiva.services import group_index, registry
from preditiva.services import series as series_service
from preditiva.services.forecast_answers import ForecastAnswer, forecast_points, stored_skill, utc
from preditiva.services.forecast_cache import ModelCache
from preditiva.services.forecasts import servable_version, usable_fit
from preditiva.services.prediction_inputs import (
    PredictInput,
    check_input,
    dated_history,
    last_time,
    read_history,
)
from preditiva.storage.db.models import Model, ModelFit, ModelVersion, Series
from preditiva.storage.db.repositories import observations as observations_repo
from preditiva.storage.db.repositories import registry as registry_repo
from preditiva.storage.db.repositories import series as series_repo

INLINE_ENGINE = "lstm"
#: At most this many rows to a quick model are answered without a thread (``answers_quickly``).
QUICK_ROWS = 16


@dataclass(frozen=True, eq=False)
class ResolvedVersion:
    """The version a request is answered by, with what predicting needs to know of its model."""

    model: str
    task: str
    kind: str
    engine: str
    horizon: int
    target: dict[str, Any]
    params: dict[str, Any]
    version: int
    version_id: int
    artifact_uri: str | None
    artifact_sha256: str | None
    trained_at: datetime | None
    metrics: dict[str, Any] = field(default_factory=dict)


def model_kind(task: str, target: Mapping[str, Any]) -> str:
    """``tabular``, ``series_feature`` or ``forecast``, from the task and the target."""
    if task == "forecast":
        return "forecast"
    return "tabular" if "dataset" in target else "series_feature"


def resolve(session: Session, name: str, ref: int | str = registry.CHAMPION) -> ResolvedVersion:
    """The version ``ref`` of model ``name`` that answers: 404, or 409 with no champion."""
    model = registry.get_model(session, name)
    if ref == registry.CHAMPION and registry_repo.get_alias(session, model.id, ref) is None:
        raise ChampionMissingError(
            f"model {name!r} has no champion; promote a version "
            f"(POST /v1/models/{name}/versions/{{version}}/promote) or ask for ?version=",
            details=[{"field": "version", "message": "no champion"}],
        )
    return resolved_version(model, servable_version(session, name, ref))


def resolved_version(model: Model, version: ModelVersion) -> ResolvedVersion:
    """What predicting with ``version`` of ``model`` needs, detached from the session."""
    return ResolvedVersion(
        model=model.name,
        task=model.task,
        kind=model_kind(model.task, model.target),
        engine=model.engine,
        horizon=model.horizon,
        target=dict(model.target),
        params=dict(model.params),
        version=version.version,
        version_id=version.id,
        artifact_uri=version.artifact_uri,
        artifact_sha256=version.artifact_sha256,
        trained_at=version.trained_at,
        metrics=dict(version.metrics or {}),
    )


def check_request(resolved: ResolvedVersion, data: PredictInput, *, max_rows: int) -> None:
    """Refuse what this version can never answer before any work: fields, size, engine."""
    check_input(resolved.kind, data, max_rows=max_rows, model=resolved.model)
    if resolved.kind == "forecast" and resolved.engine != INLINE_ENGINE:
        raise InlinePredictionUnsupportedError(
            f"model {resolved.model!r} uses engine {resolved.engine!r}: inline prediction reads "
            "a history with trained weights and needs an lstm model. POST /v1/forecast fits "
            "any engine on an inline history; GET /v1/series/{key}/forecast serves this "
            "model's forecasts of its series",
            details=[{"field": "history", "message": "needs an lstm model"}],
        )


def answers_quickly(models: ModelCache, resolved: ResolvedVersion, data: PredictInput) -> bool:
    """True for at most ``QUICK_ROWS`` rows to a loaded model that ``reads_one_matrix``.

    Such an answer takes well under a millisecond, less than handing it to a thread would.
    """
    if resolved.kind != "tabular" or resolved.artifact_sha256 is None:
        return False
    if not data.rows or len(data.rows) > QUICK_ROWS:
        return False
    fitted = models.peek(resolved.artifact_sha256)
    return isinstance(fitted, TabularModel) and fitted.reads_one_matrix


def cacheable(resolved: ResolvedVersion, data: PredictInput) -> bool:
    """False when the answer reads stored observations (they change without a new version)."""
    return not (resolved.kind == "series_feature" and data.history is None)


def predict(
    session: Session,
    models: ModelCache,
    resolved: ResolvedVersion,
    data: PredictInput,
    *,
    max_rows: int,
) -> dict[str, Any]:
    """The answer of ``resolved`` to ``data``, JSON-ready (see the module docstring)."""
    if resolved.kind == "tabular":
        return predict_tabular(models, resolved, data, max_rows=max_rows)
    check_request(resolved, data, max_rows=max_rows)
    answer = _empty_answer(resolved)
    if resolved.kind == "series_feature":
        fitted = load_model(models, resolved, SeriesFeatureModel)
        if data.history is None:
            key = str(resolved.target["series"])
            history = stored_history(session, series_service.get(session, key), resolved.params)
            return {**answer, "prediction": feature_record(fitted.predict_latest(history), key)}
        values, times = read_history(data.history, data.end)
        y = dated_history(values, times, end=last_time(data.end, fitted.data_end), freq=fitted.freq)
        return {**answer, "prediction": feature_record(fitted.predict_latest(y), None)}
    forecast = _lstm_forecast(session, models, resolved, data)
    return {**answer, "forecast": dataclasses.asdict(forecast)}


def predict_tabular(
    models: ModelCache, resolved: ResolvedVersion, data: PredictInput, *, max_rows: int
) -> dict[str, Any]:
    """``predict`` for a tabular model, which reads nothing from the database (no session)."""
    check_request(resolved, data, max_rows=max_rows)
    if resolved.kind != "tabular":
        raise ValueError(f"model {resolved.model!r} is not tabular but {resolved.kind}")
    return {**_empty_answer(resolved), **_tabular(models, resolved, data)}


def _empty_answer(resolved: ResolvedVersion) -> dict[str, Any]:
    """The fields every answer has, the prediction ones unset."""
    return {
        "model": resolved.model,
        "version": resolved.version,
        "task": resolved.task,
        "kind": resolved.kind,
        "predictions": None,
        "classes": None,
        "prediction": None,
        "forecast": None,
    }


def load_model(models: ModelCache, resolved: ResolvedVersion, kind: type[Any]) -> Any:
    """The version's own fitted model, if it is of ``kind`` (else a 409 saying what it is)."""
    if resolved.artifact_uri is None or resolved.artifact_sha256 is None:
        raise ModelVersionStateError(
            f"version {resolved.version} of {resolved.model!r} has no artifact to predict with"
        )
    return _loaded(models, resolved.artifact_uri, resolved.artifact_sha256, kind, resolved)


def _loaded(
    models: ModelCache, uri: str, sha256: str, kind: type[Any], resolved: ResolvedVersion
) -> Any:
    """The verified model at ``uri``, checked to be a ``kind``."""
    fitted: object = models.load(uri, sha256)
    if not isinstance(fitted, kind):
        raise ModelVersionStateError(
            f"version {resolved.version} of {resolved.model!r} holds a "
            f"{type(fitted).__name__}, not the {kind.__name__} its task and target call for"
        )
    return fitted


def _tabular(models: ModelCache, resolved: ResolvedVersion, data: PredictInput) -> dict[str, Any]:
    """One prediction per row, with class probabilities and classes for a classifier."""
    fitted: TabularModel = load_model(models, resolved, TabularModel)
    assert data.rows is not None
    records = fitted.predict_rows(data.rows).to_records()
    predictions = [
        {"value": record["prediction"], "probabilities": record.get("probabilities")}
        for record in records
    ]
    classes = list(fitted.classes) if fitted.task == "classification" else None
    return {"predictions": predictions, "classes": classes}


def feature_record(prediction: FeaturePrediction, series: str | None) -> dict[str, Any]:
    """A series-feature prediction, JSON-ready."""
    return {
        "series": series,
        "timestamp": utc(prediction.timestamp),
        "horizon": prediction.horizon,
        "last_price": prediction.last_price,
        "value": prediction.value,
        "label": prediction.label,
        "probability_up": prediction.probability_up,
    }


def stored_history(
    session: Session, series: Series, params: Mapping[str, Any]
) -> "pd.Series[float]":
    """The series' observations up to now (synthetic ones only if the model trains on them)."""
    include = bool(params.get("include_synthetic", False))
    rows = observations_repo.values_of(session, [series.id], include_synthetic=include)
    if not rows:
        raise SeriesTooShortError(
            f"series {series.key!r} has no observations to predict from", length=0, required=1
        )
    frame = pd.DataFrame([(row[1], row[2]) for row in rows], columns=["ts", "value"])
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True).dt.tz_localize(None)
    values = frame.drop_duplicates("ts", keep="last").set_index("ts")["value"]
    return values.astype(np.float64)


def _lstm_forecast(
    session: Session, models: ModelCache, resolved: ResolvedVersion, data: PredictInput
) -> ForecastAnswer:
    """The lstm's forecast from the window sent, with the weights of its version or fit."""
    fit, key = _fit_for(session, resolved, data.series)
    if fit is not None:
        assert fit.artifact_uri is not None and fit.artifact_sha256 is not None
        forecaster = _loaded(
            models, fit.artifact_uri, fit.artifact_sha256, LSTMForecaster, resolved
        )
        skill = stored_skill(fit.skill, fit.metrics or {})
        trained_at: datetime | None = fit.trained_at
    else:
        forecaster = load_model(models, resolved, LSTMForecaster)
        metrics = resolved.metrics
        skill = stored_skill(metrics.get("skill_vs_naive", metrics.get("skill")), metrics)
        trained_at = resolved.trained_at
    assert data.history is not None
    values, times = read_history(data.history, data.end)
    end = times[-1] if times else last_time(data.end, forecaster.last_timestamp_)
    wanted = check_levels(data.levels if data.levels is not None else DEFAULT_LEVELS)
    forecast = forecaster.predict_from_history(values, data.h, wanted, end=end)
    return ForecastAnswer(
        series=key,
        model=resolved.model,
        version=resolved.version,
        engine=resolved.engine,
        engine_detail=fit.engine_detail if fit is not None else None,
        data_end=utc(end),
        trained_at=utc(trained_at or forecaster.last_timestamp_),
        freq=forecaster.freq_,
        h=forecast.horizon,
        levels=wanted,
        source="predicted",
        points=forecast_points(forecast, wanted),
        skill=skill,
    )


def _own_series(target: Mapping[str, Any]) -> str | None:
    """The one series a forecaster's target names (a group's index), or None for a tag."""
    if "series" in target:
        return str(target["series"])
    if "group" in target:
        return group_index.index_key(str(target["group"]))
    return None


def _fit_for(
    session: Session, resolved: ResolvedVersion, asked: str | None
) -> tuple[ModelFit | None, str | None]:
    """The trained fit whose weights answer, and its series; no fit: the version's artifact."""
    key = asked or _own_series(resolved.target)
    if key is None:
        fitted = registry_repo.fitted_series_ids(session, resolved.version_id)
        if len(fitted) > 1:
            raise InvalidInputError(
                f"model {resolved.model!r} covers {len(fitted)} series, each with its own "
                'weights; name one with "series"',
                details=[{"field": "series", "message": "required for this model"}],
            )
        if not fitted:
            return None, None
        only = registry_repo.get_fit(session, resolved.version_id, next(iter(fitted)))
        assert only is not None
        return usable_fit(only, resolved.model, resolved.version, only.series_key), only.series_key
    series = series_repo.get_by_key(session, key)
    if series is None and asked is not None:
        series_service.get(session, key)  # the 404 of a series that does not exist
    fit = registry_repo.get_fit(session, resolved.version_id, series.id) if series else None
    if fit is None and asked is None:
        return None, key
    return usable_fit(fit, resolved.model, resolved.version, key), key
