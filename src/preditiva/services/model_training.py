"""Training regression and classification models into registry versions, inside ``train.model``.

A model on a dataset is a tabular model (``ml.tabular``): cross-validated beside a mean
(regression) or majority-class (classification) baseline on the same folds, then fitted on
every row. A model on one series is a series-feature model (``ml.series_features``): the
next value or the chance of going up, evaluated on time-ordered folds beside the naive
last value or the base rate of ups. Either way the new version holds the pickled model,
its metrics beside the baseline, the fingerprint of the data it saw and the job that made
it; a job run again after that version was committed returns its summary, not a second one.
"""

import math
import time
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from preditiva.core.errors import SeriesNotFoundError
from preditiva.ml.series_features import train_feature_model
from preditiva.ml.tabular import DatasetSchema, TabularModel, train_tabular
from preditiva.ml.training import data_fingerprint
from preditiva.services import datasets, model_views, registry
from preditiva.services.job_kind import JobContext
from preditiva.services.task_options import FeatureOptions, TabularOptions, split_params
from preditiva.storage.artifacts import get_store
from preditiva.storage.db.models import Model, ModelVersion
from preditiva.storage.db.repositories import observations as observations_repo
from preditiva.storage.db.repositories import registry as registry_repo
from preditiva.storage.db.repositories import series as series_repo

TOP_IMPORTANCES = 30
#: Short names of the baselines, as the verdict words them (see ``model_views``).
TABULAR_BASELINES = {"mean": "mean", "prior": "majority"}
FEATURE_BASELINES = {"regression": "naive", "classification": "base_rate"}


@dataclass(frozen=True, eq=False)
class Trained:
    """A fitted model and what its version records beside it."""

    fitted: Any
    metrics: dict[str, Any]
    backtest: dict[str, Any]
    params: dict[str, Any]
    fingerprint: str


class Recipe(Protocol):
    """What a model trains on, read from the database; training needs no session."""

    def train(self, ctx: JobContext) -> Trained:
        """Fit and evaluate the model, reporting progress."""


def trains(ctx: JobContext, name: str) -> bool:
    """Whether model ``name`` is one this module trains: a regression or classification model."""
    with ctx.transaction() as session:
        return registry.get_model(session, name).task != "forecast"


def run(ctx: JobContext, name: str, *, promote: bool) -> dict[str, Any]:
    """Train model ``name`` into its next version, made champion when ``promote``."""
    with ctx.transaction() as session:
        model = registry.get_model(session, name)
        earlier = registry_repo.version_for_job(session, ctx.job_id)
        if earlier is not None:
            return _summary(session, model, earlier)
        kind = next(iter(model.target))
        recipe = (
            _dataset_recipe(session, model) if kind == "dataset" else _series_recipe(session, model)
        )
    started = time.perf_counter()
    trained = recipe.train(ctx)
    ctx.progress(0.95, model_views.skill_of(trained.metrics).verdict)
    with ctx.transaction() as session:
        version = registry.add_version(
            session,
            get_store(ctx.settings),
            name=name,
            fitted=trained.fitted,
            data_fingerprint=trained.fingerprint,
            training_seconds=time.perf_counter() - started,
            metrics=trained.metrics,
            backtest=trained.backtest,
            params=trained.params,
        )
        version.job_id = ctx.job_id
        session.flush()
        if promote:
            registry.promote(session, name, version.version)
        return _summary(session, model, version)


def _summary(session: Session, model: Model, version: ModelVersion) -> dict[str, Any]:
    """The job's result: the version's metrics, its skill in words and whether it is champion."""
    champion = registry_repo.get_alias(session, model.id, registry.CHAMPION)
    return {
        **version.metrics,
        "model": model.name,
        "version": version.version,
        "verdict": model_views.skill_of(version.metrics).verdict,
        "training_seconds": version.training_seconds,
        "promoted": champion is not None and champion.version_id == version.id,
    }


@dataclass(frozen=True, eq=False)
class DatasetRecipe:
    """A tabular model and the dataset version it trains on."""

    task: str
    algorithm: str
    params: dict[str, Any]
    options: TabularOptions
    dataset: str
    version: int
    target: str
    schema: dict[str, Any]
    fingerprint: str
    uri: str
    sha256: str
    n_rows: int

    def train(self, ctx: JobContext) -> Trained:
        """Load the rows, cross-validate beside the baseline, fit on every row."""
        ctx.progress(0.05, f"loading dataset {self.dataset} v{self.version} ({self.n_rows:,} rows)")
        frame = datasets.read_rows(ctx.settings, self.uri, self.sha256)
        folds = self.options.cv_folds
        ctx.progress(0.15, f"cross-validating {self.algorithm} on {folds} folds beside a baseline")
        fitted = train_tabular(
            frame,
            self.target,
            algorithm=self.algorithm,
            task=self.task,
            params=self.params,
            cv_folds=folds,
            schema=DatasetSchema.from_dict(self.schema),
        )
        ctx.check_cancelled()
        return Trained(
            fitted=fitted,
            metrics=self.metrics(fitted),
            backtest=fitted.evaluation.to_dict(),
            params={"dataset_version": self.version, "cv_folds": folds, **fitted.params},
            fingerprint=self.fingerprint,
        )

    def metrics(self, fitted: TabularModel) -> dict[str, Any]:
        """Cross-validated scores beside the baseline's, skill, and the top importances."""
        evaluation = fitted.evaluation.to_dict()
        ranked = sorted(
            ((name, value) for name, value in fitted.feature_importances.items() if _finite(value)),
            key=lambda item: -abs(item[1]),
        )
        return {
            "kind": "tabular",
            "task": fitted.task,
            "algorithm": fitted.algorithm,
            "dataset": self.dataset,
            "dataset_version": self.version,
            "n_rows": fitted.n_rows,
            "n_features": len(fitted.schema.features),
            "cv_folds": evaluation["n_folds"],
            "cv": evaluation["metrics"],
            "baseline": evaluation["baseline"]["metrics"],
            "baseline_kind": TABULAR_BASELINES[evaluation["baseline"]["name"]],
            "skill_metric": fitted.evaluation.primary,
            "skill_vs_baseline": evaluation["skill"],
            "beats_baseline": evaluation["beats_baseline"],
            "importance_kind": fitted.importance_kind,
            "feature_importances": {name: float(value) for name, value in ranked[:TOP_IMPORTANCES]},
        }


def _dataset_recipe(session: Session, model: Model) -> DatasetRecipe:
    """The recipe of a model on a dataset (the pinned version, else the latest)."""
    options, own = split_params("dataset", model.params)
    assert isinstance(options, TabularOptions)
    row = datasets.for_training(session, model.target["dataset"], options.dataset_version)
    return DatasetRecipe(
        task=model.task,
        algorithm=model.engine,
        params=own,
        options=options,
        dataset=row.name,
        version=row.version,
        target=row.target,
        schema=dict(row.schema),
        fingerprint=row.fingerprint,
        uri=row.artifact_uri,
        sha256=row.artifact_sha256,
        n_rows=row.n_rows,
    )


@dataclass(frozen=True, eq=False)
class SeriesRecipe:
    """A series-feature model and the observations of its series."""

    task: str
    algorithm: str
    params: dict[str, Any]
    options: FeatureOptions
    key: str
    horizon: int
    history: "pd.Series[float]"

    def train(self, ctx: JobContext) -> Trained:
        """Evaluate on time-ordered folds beside the baseline, then fit on every row."""
        ctx.progress(0.1, f"training on {len(self.history):,} observations of {self.key}")
        options = self.options
        fitted = train_feature_model(
            self.history,
            self.task,
            self.algorithm,
            self.horizon,
            self.params,
            lags=options.lags,
            windows=options.windows,
            calendar=options.calendar,
            n_folds=options.n_folds,
        )
        ctx.check_cancelled()
        evaluation = fitted.evaluation.to_dict()
        metrics = {
            "kind": "series_features",
            "task": self.task,
            "algorithm": self.algorithm,
            "series_key": self.key,
            "horizon": self.horizon,
            "n_obs": len(self.history),
            "n_rows": fitted.n_rows,
            "data_end": fitted.data_end.isoformat(),
            "n_folds": evaluation["n_folds"],
            "n_predictions": evaluation["n_predictions"],
            "cv": evaluation["model"],
            "baseline": evaluation["baseline"],
            "baseline_kind": FEATURE_BASELINES[self.task],
            "baseline_name": evaluation["baseline_name"],
            "skill_metric": evaluation["skill_metric"],
            "skill_vs_baseline": evaluation["skill"],
            "beats_baseline": evaluation["beats_baseline"],
        }
        return Trained(
            fitted=fitted,
            metrics=metrics,
            backtest=evaluation,
            params={**options.model_dump(), **fitted.spec.params},
            fingerprint=data_fingerprint(self.history),
        )


def _series_recipe(session: Session, model: Model) -> SeriesRecipe:
    """The recipe of a model on one series, with the series' observations loaded."""
    options, own = split_params("series", model.params)
    assert isinstance(options, FeatureOptions)
    key = model.target["series"]
    series = series_repo.get_by_key(session, key)
    if series is None:
        raise SeriesNotFoundError(f"model {model.name!r} targets series {key!r}, unknown")
    rows = observations_repo.values_of(
        session, [series.id], include_synthetic=options.include_synthetic
    )
    return SeriesRecipe(
        task=model.task,
        algorithm=model.engine,
        params=own,
        options=options,
        key=key,
        horizon=model.horizon,
        history=_history(rows),
    )


def _history(rows: Any) -> "pd.Series[float]":
    """Values by naive UTC timestamp from ``(series_id, ts, value)`` rows; the last source wins."""
    frame = pd.DataFrame(list(rows), columns=["series_id", "ts", "value"])
    stamps = pd.DatetimeIndex(pd.to_datetime(frame["ts"], utc=True)).tz_localize(None)
    values = pd.Series(frame["value"].to_numpy(dtype=np.float64), index=stamps, name="value")
    return values[~values.index.duplicated(keep="last")]


def _finite(value: Any) -> bool:
    """Whether ``value`` is a finite number (JSON columns refuse NaN)."""
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError, OverflowError):
        return False
