"""Training forecasting models into registry versions: a series inline, a catalogue in parts.

``train.model`` creates the next version (status ``training``) and resolves the model's
target. Up to ``chunk_size`` series are trained in the job itself; more are split into
``train.chunk`` child jobs that run on any worker, and the version is finished by
``finish_training`` when the last part ends (see ``fanout``). Each series gets one fit row:
its artifact, backtest beside naive, and the forecast of the served horizon, or why it was
skipped or failed. A series whose observations did not change since its last trained fit
is carried over unless ``force``; synthetic points are left out unless the model's
``include_synthetic`` option says otherwise.
"""

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from preditiva.core.clock import utcnow
from preditiva.core.errors import (
    ForecasterError,
    ModelVersionNotFoundError,
    NothingToTrainError,
    SeriesNotFoundError,
)
from preditiva.core.settings import Settings
from preditiva.ml.training import TrainedSeries, data_fingerprint, train_series
from preditiva.services import group_index, model_training, registry
from preditiva.services.job_kind import AwaitChildren, JobContext, JobKind, Outcome
from preditiva.services.training_versions import finish_version
from preditiva.storage.artifacts import dump_model, get_store, sha256_of
from preditiva.storage.db.models import Job, Model, ModelFit, ModelVersion
from preditiva.storage.db.repositories import observations as observations_repo
from preditiva.storage.db.repositories import registry as registry_repo
from preditiva.storage.db.repositories import series as series_repo

#: Model parameters that steer training rather than the engine.
TRAINING_OPTIONS = ("include_synthetic", "levels", "n_windows")
DEFAULT_CHUNK = 100
WRITE_BATCH = 25
#: Fewest periods a global (group) model is tested on, when the history allows.
GROUP_HOLDOUT = 30


class TrainParams(BaseModel):
    """Parameters of ``train.model``."""

    model: str = Field(description="Name of the model to train.")
    force: bool = Field(False, description="Retrain series whose data did not change.")
    promote: bool = Field(True, description="Make the new version the champion when ready.")
    chunk_size: int = Field(DEFAULT_CHUNK, ge=1, le=10_000, description="Series per child job.")


class ChunkParams(BaseModel):
    """Parameters of ``train.chunk``: some series of a version being trained."""

    version_id: int
    series_ids: list[int]
    force: bool = False


@dataclass
class ChunkReport:
    """What training some series did."""

    trained: int = 0
    carried_over: int = 0
    skipped: int = 0
    failed: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, int]:
        """Counts only."""
        return {
            "trained": self.trained,
            "carried_over": self.carried_over,
            "skipped": self.skipped,
            "failed": self.failed,
        }


def target_series(session: Session, model: Model) -> list[tuple[int, str]]:
    """``(id, key)`` of the series the model's target names, or a 422 saying why none."""
    kind, value = next(iter(model.target.items()))
    if kind == "series":
        found = series_repo.get_by_key(session, value)
        if found is None:
            raise SeriesNotFoundError(f"model {model.name!r} targets series {value!r}, unknown")
        return [(found.id, found.key)]
    if kind == "group":
        include = bool(model.params.get("include_synthetic", False))
        index = group_index.refresh_index(session, value, include_synthetic=include)
        return [(index.id, index.key)]
    rows = series_repo.keys_with_tag(session, value)
    if not rows:
        raise NothingToTrainError(f"model {model.name!r} targets tag {value!r}; no series has it")
    return [(row[0], row[1]) for row in rows]


def start_version(session: Session, model: Model, job_id: uuid.UUID) -> ModelVersion:
    """The model's next version, in status ``training``, owned by this job."""
    locked = registry.get_model(session, model.name, for_update=True)
    version = ModelVersion(
        model_id=locked.id,
        version=registry_repo.max_version(session, locked.id) + 1,
        status="training",
        metrics={},
        params=dict(locked.params),
        library_versions=registry.library_versions(),
        job_id=job_id,
    )
    session.add(version)
    session.flush()
    return version


def run_train(ctx: JobContext, params: TrainParams) -> Any:
    """Train the model: inline when small, else fan out into ``train.chunk`` jobs."""
    if model_training.trains(ctx, params.model):  # regression and classification models
        return model_training.run(ctx, params.model, promote=params.promote)
    with ctx.transaction() as session:
        model = registry.get_model(session, params.model)
        version = registry_repo.version_for_job(session, ctx.job_id)
        if version is not None and version.status != "training":
            return {"model": model.name, "version": version.version, "status": version.status}
        targets = target_series(session, model)
        if version is None:
            version = start_version(session, model, ctx.job_id)
        version_id, number = version.id, version.version
        chunks = [
            [series_id for series_id, _ in targets[start : start + params.chunk_size]]
            for start in range(0, len(targets), params.chunk_size)
        ]
        if len(chunks) > 1:
            child_ids = _submit_chunks(session, ctx, version_id, chunks, params.force)
    if len(chunks) == 1:
        ctx.progress(0.0, f"training {len(targets)} series into version {number}")
        train_fits(ctx, version_id, chunks[0], force=params.force, progress=ctx.progress)
        with ctx.transaction() as session:
            outcome = finish_version(session, ctx.settings, version_id, promote=params.promote)
        if outcome.state != "succeeded":
            raise NothingToTrainError(outcome.error or "training failed")
        return outcome.result
    _publish(ctx.settings, child_ids)
    return AwaitChildren(
        f"training {len(targets)} series into version {number} in {len(chunks)} parts"
    )


def _submit_chunks(
    session: Session,
    ctx: JobContext,
    version_id: int,
    chunks: list[list[int]],
    force: bool,
) -> list[uuid.UUID]:
    """One queued ``train.chunk`` child job per chunk (committed with the version)."""
    from preditiva.services import jobs  # jobs → catalogue → this module: import when used

    children = [
        jobs.submit(
            session,
            kind=TRAIN_CHUNK.name,
            params={"version_id": version_id, "series_ids": chunk, "force": force},
            default_max_attempts=ctx.settings.max_attempts,
            parent_id=ctx.job_id,
        )
        for chunk in chunks
    ]
    return [child.id for child in children]


def _publish(settings: Settings, job_ids: list[uuid.UUID]) -> None:
    """Send the children's messages now (the sweeper would, a moment later)."""
    from preditiva.core.broker import get_celery
    from preditiva.services.dispatch import publish_jobs
    from preditiva.storage.db.engine import get_session_factory

    publish_jobs(get_session_factory(settings), get_celery(settings), job_ids)


def run_chunk(ctx: JobContext, params: ChunkParams) -> dict[str, int]:
    """Train some series of a version being trained (one part of a catalogue)."""
    report = train_fits(ctx, params.version_id, params.series_ids, force=params.force)
    return report.to_dict()


def train_fits(
    ctx: JobContext,
    version_id: int,
    series_ids: Sequence[int],
    *,
    force: bool,
    progress: Callable[[float, str | None], None] | None = None,
) -> ChunkReport:
    """Train (or carry over) each series not yet fitted in this version; write fit rows."""
    report_progress = progress or ctx.progress
    with ctx.transaction() as session:
        version = registry_repo.get_version_by_id(session, version_id)
        if version is None:
            raise ModelVersionNotFoundError(f"no model version with id {version_id}")
        model = registry_repo.get_model_by_id(session, version.model_id)
        done = registry_repo.fitted_series_ids(session, version_id)
        todo = [series_id for series_id in series_ids if series_id not in done]
        keys = dict(series_repo.keys_of(session, todo))
        previous = registry_repo.latest_fits(session, model.id, version.version, todo)
        carried = {series_id: _carry(fit) for series_id, fit in previous.items()}
        options = dict(version.params)
        recipe = Recipe.from_model(model, options, version.version)
        histories = _histories(
            observations_repo.values_of(
                session, todo, include_synthetic=bool(options.get("include_synthetic", False))
            )
        )
    store = get_store(ctx.settings)
    report = ChunkReport()
    for position, series_id in enumerate(todo):
        history = histories.get(series_id, _EMPTY)
        fingerprint = data_fingerprint(history)
        earlier = carried.get(series_id)
        if earlier is not None and earlier["data_fingerprint"] == fingerprint and not force:
            row = {**earlier, "carried_over": True}
            report.carried_over += 1
        else:
            row = _train_one(recipe, history, fingerprint, series_id, store)
            setattr(report, row["status"], getattr(report, row["status"]) + 1)
        row.update(version_id=version_id, series_id=series_id, series_key=keys[series_id])
        report.rows.append(row)
        if len(report.rows) >= WRITE_BATCH:
            _write(ctx, report)
        report_progress((position + 1) / len(todo), f"{position + 1} of {len(todo)} series")
    _write(ctx, report)
    return report


@dataclass(frozen=True)
class Recipe:
    """What every series of a version is trained with."""

    model_name: str
    version: int
    engine: str
    horizon: int
    engine_params: dict[str, Any]
    levels: tuple[int, ...]
    n_windows: int

    @classmethod
    def from_model(cls, model: Model, options: dict[str, Any], version: int) -> "Recipe":
        """The recipe of a model's parameters, training options split from engine ones."""
        engine_params = {k: v for k, v in options.items() if k not in TRAINING_OPTIONS}
        return cls(
            model_name=model.name,
            version=version,
            engine=model.engine,
            horizon=model.horizon,
            engine_params=engine_params,
            levels=tuple(options.get("levels", (80, 95))),
            n_windows=int(options.get("n_windows", _default_windows(model))),
        )


def _default_windows(model: Model) -> int:
    """Three windows; for a group's index enough to hold out at least 30 periods in all."""
    if "group" in model.target:
        return max(3, -(-GROUP_HOLDOUT // model.horizon))
    return 3


_EMPTY: "pd.Series[float]" = pd.Series(np.array([], dtype=np.float64), index=pd.DatetimeIndex([]))


def _histories(rows: Sequence[Any]) -> dict[int, "pd.Series[float]"]:
    """Each series' values indexed by naive UTC timestamps (the last source wins per time)."""
    if not rows:
        return {}
    ids, stamps, values = zip(*rows, strict=True)
    series_ids = np.asarray(ids, dtype=np.int64)
    index = pd.DatetimeIndex(pd.to_datetime(list(stamps), utc=True).tz_localize(None), name="ts")
    prices = np.asarray(values, dtype=np.float64)
    # rows come by series, time, source: the last row of each (series, time) wins
    nanos = index.asi8
    last = np.ones(len(rows), dtype=bool)
    last[:-1] = (series_ids[1:] != series_ids[:-1]) | (nanos[1:] != nanos[:-1])
    series_ids, index, prices = series_ids[last], index[last], prices[last]
    starts = np.flatnonzero(np.r_[True, series_ids[1:] != series_ids[:-1]])
    ends = np.r_[starts[1:], len(series_ids)]
    return {
        int(series_ids[start]): pd.Series(prices[start:end], index=index[start:end], name="value")
        for start, end in zip(starts, ends, strict=True)
    }


def _train_one(
    recipe: Recipe, history: "pd.Series[float]", fingerprint: str, series_id: int, store: Any
) -> dict[str, Any]:
    """Train one series; the fit row's fields, with status trained, skipped or failed."""
    started = time.perf_counter()
    row: dict[str, Any] = {
        "data_fingerprint": fingerprint,
        "n_obs": len(history),
        "carried_over": False,
        "trained_at": utcnow(),
        "metrics": {},
    }
    try:
        trained = train_series(
            history,
            recipe.engine,
            horizon=recipe.horizon,
            params=recipe.engine_params,
            levels=recipe.levels,
            n_windows=recipe.n_windows,
        )
    except ForecasterError as error:
        reason = getattr(error, "reason", None) or str(error)
        return {**row, "status": "skipped", "reason": reason}
    except Exception as error:  # one bad series never stops the others
        return {**row, "status": "failed", "reason": f"{type(error).__name__}: {error}"}
    data = dump_model(trained.forecaster)
    digest = sha256_of(data)
    key = f"models/{recipe.model_name}/v{recipe.version}/series-{series_id}-{digest[:16]}.joblib"
    uri, _ = store.put(data, key)
    return {
        **row,
        **fit_fields(trained),
        "status": "trained",
        "artifact_uri": uri,
        "artifact_sha256": digest,
        "training_seconds": time.perf_counter() - started,
    }


def fit_fields(trained: TrainedSeries) -> dict[str, Any]:
    """The fit row's figures: backtest, skill, summary metrics, forecast, cut-off."""
    backtest = trained.backtest
    metrics: dict[str, Any] = {"n_obs": trained.n_obs, "filled": trained.filled}
    if backtest is not None:
        metrics.update(
            mase=_finite(backtest.model.aggregate.mase),
            naive_mase=_finite(backtest.naive.aggregate.mase),
            smape=_finite(backtest.model.aggregate.smape),
            naive_smape=_finite(backtest.naive.aggregate.smape),
            n_windows=len(backtest.model.windows),
        )
    if trained.backtest_note:
        metrics["backtest_note"] = trained.backtest_note
    forecast = trained.forecast
    return {
        "reason": trained.backtest_note,
        "data_end": trained.data_end.to_pydatetime(),
        "engine_detail": trained.detail,
        "skill": _finite(backtest.skill) if backtest is not None else None,
        "metrics": metrics,
        "backtest": backtest.to_dict() if backtest is not None else None,
        "forecast": {
            "freq": trained.forecaster.freq_,
            "levels": list(forecast.levels),
            "index": [stamp.isoformat() for stamp in forecast.index],
            "mean": forecast.mean.tolist(),
            "lower": {str(level): forecast.lower[level].tolist() for level in forecast.levels},
            "upper": {str(level): forecast.upper[level].tolist() for level in forecast.levels},
        },
    }


def _finite(value: float) -> float | None:
    """A float for JSON, None when NaN or infinite."""
    return float(value) if np.isfinite(value) else None


CARRIED_FIELDS = (
    "status",
    "reason",
    "data_fingerprint",
    "n_obs",
    "data_end",
    "engine_detail",
    "skill",
    "metrics",
    "backtest",
    "forecast",
    "artifact_uri",
    "artifact_sha256",
    "trained_at",
    "training_seconds",
)


def _carry(fit: ModelFit) -> dict[str, Any]:
    """An earlier fit's fields, to reuse when the data did not change."""
    return {name: getattr(fit, name) for name in CARRIED_FIELDS}


def _write(ctx: JobContext, report: ChunkReport) -> None:
    """Insert the pending fit rows in one transaction."""
    if not report.rows:
        return
    with ctx.transaction() as session:
        session.add_all(ModelFit(**row) for row in report.rows)
    report.rows.clear()


def finish_training(
    session: Session, settings: Settings, parent: Job, counts: dict[str, int]
) -> Outcome:
    """The ``finish`` hook of ``train.model``: close the version its parts trained."""
    version = registry_repo.version_for_job(session, parent.id)
    if version is None:
        return Outcome("failed", error="the training job created no version")
    failed_parts = counts.get("failed", 0)
    outcome = finish_version(
        session,
        settings,
        version.id,
        promote=bool(parent.params.get("promote", True)),
        cancelled=bool(parent.cancel_requested),
    )
    if failed_parts and outcome.state == "succeeded":
        result = {**outcome.result, "failed_parts": failed_parts}
        return Outcome(
            "succeeded", result=result, message=f"{outcome.message}; {failed_parts} part(s) failed"
        )
    return outcome


TRAIN = JobKind(
    name="train.model",
    description="Train a model into a new version (fans out into parts for a catalogue).",
    params=TrainParams,
    run=run_train,
    finish=finish_training,
)

TRAIN_CHUNK = JobKind(
    name="train.chunk",
    description="Train some series of a version (one part of a catalogue training job).",
    params=ChunkParams,
    run=run_chunk,
)
