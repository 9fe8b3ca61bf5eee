"""Defining a model and asking for it to be trained: checked first, then a ``train.model`` job.

Mistakes are refused when asked (a 422 naming the parameter, a target without series)
rather than left for a worker to discover. The caller commits, then publishes the job.
"""

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError
from sqlalchemy.orm import Session

from preditiva.core.errors import InvalidInputError, NothingToTrainError
from preditiva.ml.engines import engine_available, engine_class, engine_names
from preditiva.services import datasets, jobs, registry, task_options
from preditiva.services.training import DEFAULT_CHUNK, TRAIN, TRAINING_OPTIONS
from preditiva.storage.db.models import Job, Model
from preditiva.storage.db.repositories import series as series_repo

Level = Annotated[int, Field(gt=0, lt=100)]
#: Target dtypes that hold labels, never amounts.
LABEL_DTYPES = ("object", "string", "str", "bool", "boolean", "category")


class TrainingOptions(BaseModel):
    """The training options a model's params may hold beside its engine's parameters."""

    model_config = ConfigDict(extra="ignore")

    include_synthetic: StrictBool = False
    levels: list[Level] = Field(default_factory=lambda: [80, 95], min_length=1)
    n_windows: int = Field(3, ge=1, le=50)


@dataclass(frozen=True)
class DefinedModel:
    """A model just defined and, when asked, its first training job."""

    model: Model
    job: Job | None


def check_params(
    engine: str,
    params: Mapping[str, Any],
    *,
    task: str = "forecast",
    target: Mapping[str, Any] | None = None,
) -> None:
    """422 naming the parameter when ``engine`` does not take it or an option is malformed."""
    if task != "forecast":
        kind = next(iter(target or {}), "")
        task_options.check_params(task, kind, engine, params)
        return
    try:
        TrainingOptions.model_validate(dict(params))
    except ValidationError as exc:
        details = [
            {"field": ".".join(["params", *map(str, error["loc"])]), "message": error["msg"]}
            for error in exc.errors()
        ]
        summary = "; ".join(f"{d['field']}: {d['message']}" for d in details)
        raise InvalidInputError(f"invalid training options: {summary}", details=details) from exc
    if engine not in engine_names() or not engine_available(engine):
        return  # registry.define names the unknown engine; workers may have the extra
    signature = inspect.signature(engine_class(engine))
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values()):
        return
    accepted = sorted(signature.parameters)
    unknown = sorted(set(params) - set(accepted) - set(TRAINING_OPTIONS))
    if unknown:
        raise InvalidInputError(
            f"engine {engine!r} has no parameter {', '.join(map(repr, unknown))}; "
            f"it takes {', '.join(accepted) or 'none'}, and every engine takes the training "
            f"options {', '.join(TRAINING_OPTIONS)}",
            details=[{"field": f"params.{key}", "message": "unknown parameter"} for key in unknown],
        )


def check_target(session: Session, model: Model) -> None:
    """422 when the model's target names no series or dataset yet (reads only)."""
    kind, value = next(iter(model.target.items()))
    if kind == "dataset":
        dataset_version = model.params.get("dataset_version")
        row = datasets.for_training(session, value, dataset_version)
        _check_task_fits(model, row.task, row.schema)
    elif kind == "series":
        if series_repo.get_by_key(session, value) is None:
            raise NothingToTrainError(
                f"nothing to train: model {model.name!r} targets series {value!r}, unknown"
            )
    elif series_repo.search(session, tag=value, limit=1)[1] == 0:
        raise NothingToTrainError(
            f"nothing to train: model {model.name!r} targets {kind} {value!r}; no series has "
            f"tag {value!r}"
        )


def _check_task_fits(model: Model, dataset_task: str, schema: Mapping[str, Any]) -> None:
    """422 when a regression model is asked of a dataset whose target holds labels."""
    if model.task != "regression" or dataset_task == "regression":
        return
    target = schema.get("target")
    dtype = next((c["dtype"] for c in schema.get("columns", []) if c["name"] == target), "")
    if dtype in LABEL_DTYPES:
        raise InvalidInputError(
            f"model {model.name!r}: the target {target!r} of dataset "
            f"{model.target['dataset']!r} holds labels ({dtype}); define a classification model",
            details=[{"field": "task", "message": "regression needs a numeric target"}],
        )


def submit_training(
    session: Session,
    name: str,
    *,
    force: bool = False,
    promote: bool = True,
    chunk_size: int = DEFAULT_CHUNK,
    default_max_attempts: int,
) -> Job:
    """Record a ``train.model`` job for model ``name``; 404 if unknown, 422 if no series."""
    check_target(session, registry.get_model(session, name))
    return jobs.submit(
        session,
        kind=TRAIN.name,
        params={"model": name, "force": force, "promote": promote, "chunk_size": chunk_size},
        default_max_attempts=default_max_attempts,
    )


def define_model(
    session: Session,
    *,
    name: str,
    engine: str | None = None,
    horizon: int | None = None,
    target: dict[str, Any],
    params: dict[str, Any] | None = None,
    description: str = "",
    train: bool = False,
    task: str = "forecast",
    default_max_attempts: int,
) -> DefinedModel:
    """Define a model after checking its params; with ``train``, also its training job.

    Without an engine a forecast uses ``auto`` and other tasks ``lightgbm``; without a
    horizon a forecast looks 30 steps ahead and a series-feature model one. A model on a
    dataset needs the dataset uploaded first (422 otherwise).
    """
    engine = engine or task_options.DEFAULT_ENGINES.get(task, "auto")
    check_params(engine, params or {}, task=task, target=target)
    model = registry.define(
        session,
        name=name,
        engine=engine,
        horizon=horizon or task_options.DEFAULT_HORIZONS.get(task, 1),
        target=target,
        params=params,
        description=description,
        task=task,
    )
    if "dataset" in model.target:
        check_target(session, model)
    if not train:
        return DefinedModel(model, None)
    return DefinedModel(
        model, submit_training(session, name, default_max_attempts=default_max_attempts)
    )
