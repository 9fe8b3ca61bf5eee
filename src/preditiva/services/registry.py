"""Model registry use cases: define models, add immutable versions, promote, roll back, load.

Aliases (``champion`` and any others) point at one version each. Every promotion and
roll-back is appended to ``model_alias_event``; replaying that log gives each alias's stack
of earlier targets, so :func:`rollback` returns the alias to the version it pointed at before
the current one, skipping archived versions, and can be repeated. Services never commit.
"""

import re
from importlib import metadata
from typing import Any

from sqlalchemy.orm import Session

from preditiva.core.clock import utcnow
from preditiva.core.errors import (
    EngineUnknownError,
    InvalidInputError,
    ModelExistsError,
    ModelNotFoundError,
    ModelVersionNotFoundError,
    ModelVersionStateError,
)
from preditiva.ml.engines import engine_names
from preditiva.ml.feature_estimators import ESTIMATORS, check_task
from preditiva.ml.tabular import algorithm_names as tabular_algorithms
from preditiva.storage.artifacts import ArtifactStore, dump_model, sha256_of
from preditiva.storage.db.models import Model, ModelAlias, ModelAliasEvent, ModelVersion
from preditiva.storage.db.repositories import registry as repo

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
TARGET_KINDS = ("series", "tag", "group", "dataset")
TASKS = ("forecast", "regression", "classification")
#: The targets each task accepts: a forecaster covers series; a tabular model a dataset; a
#: series-feature model (next value, probability of going up) one series.
TASK_TARGETS = {
    "forecast": ("series", "tag", "group"),
    "regression": ("dataset", "series"),
    "classification": ("dataset", "series"),
}
CHAMPION = "champion"
LIBRARIES = (
    "preditiva",
    "statsforecast",
    "numpy",
    "pandas",
    "scikit-learn",
    "lightgbm",
    "torch",
    "prophet",
)


def check_target(target: dict[str, Any], task: str = "forecast") -> dict[str, Any]:
    """``target`` if it names exactly one thing this task can train on, else a 422."""
    kinds = TASK_TARGETS[task]
    if len(target) != 1 or next(iter(target)) not in kinds:
        choices = ", ".join(f"{{'{kind}': ...}}" for kind in kinds)
        raise InvalidInputError(
            f"a {task} model's target must be one of {choices}; got {target!r}",
            details=[{"field": "target", "message": "not a valid target"}],
        )
    value = next(iter(target.values()))
    if not isinstance(value, str) or not value:
        raise InvalidInputError(f"target {target!r} needs a non-empty string")
    return dict(target)


def define(
    session: Session,
    *,
    name: str,
    engine: str,
    horizon: int,
    target: dict[str, Any],
    params: dict[str, Any] | None = None,
    description: str = "",
    task: str = "forecast",
) -> Model:
    """A new model recipe; 422 on a bad name, task, engine, horizon or target, 409 if taken.

    ``engine`` is a forecasting engine for ``forecast``, and an algorithm for ``regression``
    and ``classification`` (tabular ones for a dataset, series-feature ones for a series).
    """
    if not NAME_PATTERN.match(name):
        raise InvalidInputError(f"invalid model name {name!r}: use letters, digits, '.', '_', '-'")
    if task not in TASKS:
        raise InvalidInputError(
            f"no task {task!r}; choose one of {', '.join(TASKS)}",
            details=[{"field": "task", "message": "unknown task"}],
        )
    target = check_target(target, task)
    choices = algorithm_choices(task, next(iter(target)))
    if engine not in choices:
        what = "engine" if task == "forecast" else f"{task} algorithm"
        raise EngineUnknownError(f"no {what} {engine!r}; choose one of {', '.join(choices)}")
    if horizon < 1:
        raise InvalidInputError(f"horizon must be at least 1, got {horizon}")
    if repo.get_model(session, name) is not None:
        raise ModelExistsError(f"a model named {name!r} already exists")
    model = Model(
        name=name,
        task=task,
        engine=engine,
        params=dict(params or {}),
        horizon=horizon,
        target=target,
        description=description,
    )
    session.add(model)
    session.flush()
    return model


def algorithm_choices(task: str, target_kind: str) -> list[str]:
    """The engines or algorithms a model of this task and target kind may use."""
    if task == "forecast":
        return engine_names()
    checked = check_task(task)
    if target_kind == "dataset":
        return list(tabular_algorithms(checked))
    return list(ESTIMATORS[checked])


def version_ref(text: str | None) -> int | str:
    """A version number (``"3"``) or an alias name (``"staging"``); champion when not given."""
    if text is None or text == "":
        return CHAMPION
    return int(text) if text.isdigit() else text


def get_model(session: Session, name: str, *, for_update: bool = False) -> Model:
    """The model called ``name``, or a 404."""
    model = repo.get_model(session, name, for_update=for_update)
    if model is None:
        raise ModelNotFoundError(f"no model named {name!r}")
    return model


def list_models(session: Session) -> list[Model]:
    """Every model, by name."""
    return list(repo.list_models(session))


def list_versions(session: Session, name: str) -> list[ModelVersion]:
    """The versions of model ``name``, oldest first."""
    return list(repo.list_versions(session, get_model(session, name).id))


def get_version(session: Session, name: str, ref: int | str) -> ModelVersion:
    """Version ``ref`` (a number) or the version alias ``ref`` (a name) points at, or a 404."""
    model = get_model(session, name)
    if isinstance(ref, int):
        found = repo.get_version(session, model.id, ref)
    else:
        alias = repo.get_alias(session, model.id, ref)
        found = repo.get_version_by_id(session, alias.version_id) if alias else None
    if found is None:
        raise ModelVersionNotFoundError(f"model {name!r} has no version {ref!r}")
    return found


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries a fitted model depends on."""
    found: dict[str, str] = {}
    for library in LIBRARIES:
        try:
            found[library] = metadata.version(library)
        except metadata.PackageNotFoundError:
            continue
    return found


def add_version(
    session: Session,
    store: ArtifactStore,
    *,
    name: str,
    fitted: Any,
    data_fingerprint: str,
    training_seconds: float,
    metrics: dict[str, Any] | None = None,
    backtest: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
) -> ModelVersion:
    """Store ``fitted`` as the model's next version (1, 2, …) with its artifact and SHA-256.

    The model row is locked first (PostgreSQL; SQLite runs writers one at a time), and the
    (model, version) pair is unique, so two trainers never share a number. The artifact key
    holds the hash, so an aborted attempt never overwrites a recorded artifact.
    """
    model = get_model(session, name, for_update=True)
    number = repo.max_version(session, model.id) + 1
    data = dump_model(fitted)
    digest = sha256_of(data)
    uri, _ = store.put(data, f"models/{name}/v{number}-{digest[:16]}.joblib")
    if params is None:
        get_params = getattr(fitted, "get_params", None)
        params = dict(get_params()) if callable(get_params) else dict(model.params)
    version = ModelVersion(
        model_id=model.id,
        version=number,
        status="ready",
        metrics=dict(metrics or {}),
        backtest=backtest,
        params=params,
        data_fingerprint=data_fingerprint,
        library_versions=library_versions(),
        trained_at=utcnow(),
        training_seconds=training_seconds,
        artifact_uri=uri,
        artifact_sha256=digest,
    )
    session.add(version)
    model.updated_at = utcnow()
    session.flush()
    return version


def _stack(session: Session, model_id: int, alias: str) -> list[int]:
    """The version ids ``alias`` has pointed at, replayed from its log; current one last."""
    stack: list[int] = []
    for event in repo.alias_events(session, model_id, alias):
        if event.action == "promote":
            stack.append(event.version_id)
        else:
            while stack and stack[-1] != event.version_id:
                stack.pop()
    return stack


def _point(session: Session, model: Model, alias: str, version: ModelVersion, action: str) -> None:
    """Set ``alias`` to ``version`` and log the change."""
    row = repo.get_alias(session, model.id, alias)
    if row is None:
        session.add(ModelAlias(model_id=model.id, alias=alias, version_id=version.id))
    else:
        row.version_id = version.id
        row.updated_at = utcnow()
    session.add(
        ModelAliasEvent(model_id=model.id, alias=alias, action=action, version_id=version.id)
    )
    session.flush()


def promote(session: Session, name: str, version: int, *, alias: str = CHAMPION) -> ModelVersion:
    """Point ``alias`` at ``version``; only a ``ready`` version can be promoted (else 409)."""
    if not NAME_PATTERN.match(alias):
        raise InvalidInputError(f"invalid alias {alias!r}")
    model = get_model(session, name, for_update=True)
    target = get_version(session, name, version)
    if target.status != "ready":
        raise ModelVersionStateError(
            f"version {version} of {name!r} is {target.status}; "
            f"only a ready version can become {alias!r}"
        )
    current = repo.get_alias(session, model.id, alias)
    if current is None or current.version_id != target.id:
        _point(session, model, alias, target, "promote")
    return target


def rollback(session: Session, name: str, *, alias: str = CHAMPION) -> ModelVersion:
    """Point ``alias`` back at its previous non-archived version; 409 if there is none."""
    model = get_model(session, name, for_update=True)
    stack = _stack(session, model.id, alias)
    current = stack[-1] if stack else None
    while stack and stack[-1] == current:
        stack.pop()
    while stack:
        earlier = repo.get_version_by_id(session, stack[-1])
        if earlier is not None and earlier.status != "archived":
            _point(session, model, alias, earlier, "rollback")
            return earlier
        stack.pop()
    raise ModelVersionStateError(f"{alias!r} of {name!r} has no earlier version to roll back to")


def archive(session: Session, name: str, version: int) -> ModelVersion:
    """Mark ``version`` archived; a version an alias points at cannot be archived (409)."""
    model = get_model(session, name, for_update=True)
    target = get_version(session, name, version)
    pointing = [a.alias for a in repo.list_aliases(session, model.id) if a.version_id == target.id]
    if pointing:
        raise ModelVersionStateError(
            f"version {version} of {name!r} is {', '.join(pointing)}; promote another first"
        )
    target.status = "archived"
    session.flush()
    return target


def load_version(
    session: Session, store: ArtifactStore, name: str, ref: int | str = CHAMPION
) -> Any:
    """The fitted model of version or alias ``ref``, its artifact's SHA-256 verified first."""
    version = get_version(session, name, ref)
    if version.artifact_uri is None or version.artifact_sha256 is None:
        raise ModelVersionStateError(
            f"version {version.version} of {name!r} has no single artifact "
            f"(status {version.status}); a catalogue version keeps one per series"
        )
    return store.load_model(version.artifact_uri, version.artifact_sha256)
