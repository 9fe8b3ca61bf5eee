"""Serving stored series' forecasts: which model answers, which version, and reading its fit.

Which model serves a series when none is named: among the models that have a ``champion``,

1. a model whose target is that series (``{"series": key}``), or, for a group's index series
   ``^<tag>``, the global model of that group (``{"group": tag}``);
2. else a model whose target is a tag the series carries (``{"tag": t}``); a group model
   never serves the members of its group, only their index;
3. within the first of those tiers that has any, the one whose champion moved most recently
   (``model_alias.updated_at``), then the name in alphabetical order.

Naming ``model`` skips the rule (any model, with or without a champion); ``version`` picks
a version number or another alias instead of ``champion``. The version must be ready (or
archived) and hold a trained fit for the series; a skipped or failed fit answers 409 with
its reason. When the stored forecast (made at training time) has the ``h`` steps and the
levels asked for, serving is a slice of it; otherwise the fit's artifact is loaded (its
SHA-256 verified first, then kept by hash) and asked to predict.
"""

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from preditiva.core.errors import (
    ForecastNotFoundError,
    ForecastUnavailableError,
    InvalidInputError,
    ModelVersionStateError,
)
from preditiva.ml.contract import DEFAULT_LEVELS, check_levels
from preditiva.services import group_index, registry
from preditiva.services import series as series_service
from preditiva.services.forecast_answers import (
    ForecastAnswer,
    covers,
    forecast_points,
    stored_points,
    stored_skill,
    utc,
)
from preditiva.services.forecast_cache import ModelCache
from preditiva.storage.db.models import Model, ModelFit, ModelVersion, Series
from preditiva.storage.db.repositories import forecasts as repo
from preditiva.storage.db.repositories import registry as registry_repo

MAX_H = 1000
SERVABLE = ("ready", "archived")
BATCH_CHUNK = 200


def check_request(h: int | None, levels: Sequence[int] | None) -> None:
    """Refuse (422) a horizon outside 1..MAX_H or levels outside (0, 100)."""
    if levels is not None:
        check_levels(levels)
    if h is not None and not 1 <= h <= MAX_H:
        raise InvalidInputError(
            f"h must be between 1 and {MAX_H} steps, got {h}",
            details=[{"field": "h", "message": f"between 1 and {MAX_H}"}],
        )


def registry_generation(session: Session) -> str:
    """A short fingerprint of the registry's serving state; it changes when an alias moves."""
    return hashlib.sha256(repr(repo.generation(session)).encode()).hexdigest()[:16]


def _serves_exactly(target: dict[str, Any], key: str) -> bool:
    """True when the target is the series itself, or the group whose index the series is."""
    group = target.get("group")
    return target == {"series": key} or (
        isinstance(group, str) and group_index.index_key(group) == key
    )


def choose_model(candidates: Sequence[Any], key: str, tags: Sequence[str]) -> str | None:
    """The serving model for a series among ``(name, target, updated_at)`` rows (module rule)."""
    carried = set(tags)
    exact = [row for row in candidates if _serves_exactly(row.target, key)]
    tagged = [row for row in candidates if row.target.get("tag") in carried]
    for tier in (exact, tagged):
        if tier:
            best = min(tier, key=lambda row: (-row.updated_at.timestamp(), row.name))
            name: str = best.name
            return name
    return None


def serving_model(session: Session, series: Series) -> str:
    """The name of the model that serves ``series``, or a 404 saying how to get one."""
    candidates = repo.aliased_models(session, registry.CHAMPION)
    name = choose_model(candidates, series.key, series.tags)
    if name is None:
        raise ForecastNotFoundError(
            f"no trained model covers series {series.key!r}; define one with POST /v1/models "
            "(target the series or one of its tags) and train it"
        )
    return name


def servable_version(session: Session, model: str, ref: int | str) -> ModelVersion:
    """Version ``ref`` of ``model`` if it can serve (ready or archived), else 404/409."""
    version = registry.get_version(session, model, ref)
    if version.status not in SERVABLE:
        raise ModelVersionStateError(
            f"version {version.version} of {model!r} is {version.status}; it serves nothing"
        )
    return version


def usable_fit(fit: ModelFit | None, model: str, version: int, key: str) -> ModelFit:
    """The fit if trained; 404 when the version has none for the series, 409 if it was not."""
    if fit is None:
        raise ForecastNotFoundError(
            f"version {version} of model {model!r} has no fit for series {key!r} "
            "(the series joined after training); train the model again"
        )
    if fit.status != "trained":
        raise ForecastUnavailableError(
            f"version {version} of model {model!r} {fit.status} series {key!r}: {fit.reason}",
            details=[{"series": key, "status": fit.status, "reason": fit.reason}],
        )
    return fit


def answer_from_fit(
    fit: ModelFit,
    model: Model,
    version: ModelVersion,
    models: ModelCache | None,
    *,
    h: int | None,
    levels: Sequence[int] | None,
) -> ForecastAnswer:
    """The fit's forecast: a slice of the stored one, or a prediction of its verified artifact."""
    stored = fit.forecast or {}
    steps = h if h is not None else len(stored.get("mean", [])) or model.horizon
    wanted = check_levels(levels if levels is not None else stored.get("levels", DEFAULT_LEVELS))
    if covers(stored, steps, wanted):
        points, source = stored_points(stored, steps, wanted), "stored"
    else:
        if models is None:
            raise ForecastUnavailableError(
                f"the stored forecast of series {fit.series_key!r} does not cover h={steps} at "
                f"levels {list(wanted)}; ask GET /v1/series/{fit.series_key}/forecast"
            )
        if fit.artifact_uri is None or fit.artifact_sha256 is None:
            raise ForecastUnavailableError(f"the fit of {fit.series_key!r} kept no artifact")
        forecaster = models.load(fit.artifact_uri, fit.artifact_sha256)
        points, source = forecast_points(forecaster.predict(steps, wanted), wanted), "predicted"
    assert fit.data_end is not None
    return ForecastAnswer(
        series=fit.series_key,
        model=model.name,
        version=version.version,
        engine=model.engine,
        engine_detail=fit.engine_detail,
        data_end=utc(fit.data_end),
        trained_at=utc(fit.trained_at),
        freq=str(stored.get("freq", "")),
        h=steps,
        levels=wanted,
        source=source,
        points=points,
        skill=stored_skill(fit.skill, fit.metrics or {}),
    )


def series_forecast(
    session: Session,
    models: ModelCache,
    *,
    key: str,
    model: str | None = None,
    version: int | str = registry.CHAMPION,
    h: int | None = None,
    levels: Sequence[int] | None = None,
) -> ForecastAnswer:
    """The forecast of stored series ``key`` (see the module docstring for who serves it)."""
    check_request(h, levels)
    series = series_service.get(session, key)
    name = model or serving_model(session, series)
    served = servable_version(session, name, version)
    fit = usable_fit(
        registry_repo.get_fit(session, served.id, series.id), name, served.version, key
    )
    found = registry.get_model(session, name)
    return answer_from_fit(fit, found, served, models, h=h, levels=levels)


@dataclass(frozen=True)
class BatchItem:
    """One series of a batch: its answer, or the error that stands in for it."""

    series: str
    answer: ForecastAnswer | None = None
    error: dict[str, Any] | None = None


@dataclass(frozen=True)
class BatchPlan:
    """Which version serves each series of a batch, worked out before streaming."""

    groups: list[tuple[Model, ModelVersion, list[tuple[int, str]]]]
    missing: list[BatchItem]


def plan_batch(
    session: Session, *, tag: str | None, model: str | None, version: int | str = registry.CHAMPION
) -> BatchPlan:
    """Group the series asked for by the version serving them (errors before anything streams)."""
    if tag is None and model is None:
        raise InvalidInputError(
            "pass tag, model or both: GET /v1/forecasts?tag=… serves each series carrying the "
            "tag with its own model; ?model=… serves every series of that model",
            details=[{"field": "tag", "message": "tag or model is required"}],
        )
    if model is not None:
        served = servable_version(session, model, version)
        found = registry.get_model(session, model)
        pairs = [(row[0], row[1]) for row in repo.fit_series(session, served.id)]
        if tag is not None:
            keep = {series.id for series in repo.series_with_tag(session, tag)}
            pairs = [pair for pair in pairs if pair[0] in keep]
        return BatchPlan(groups=[(found, served, pairs)], missing=[])
    assert tag is not None
    candidates = repo.aliased_models(session, registry.CHAMPION)
    chosen: dict[str, list[tuple[int, str]]] = {}
    missing: list[BatchItem] = []
    for series in repo.series_with_tag(session, tag):
        name = choose_model(candidates, series.key, series.tags)
        if name is None:
            message = f"no trained model covers series {series.key!r}"
            missing.append(BatchItem(series.key, error=_error("forecast_not_found", message)))
        else:
            chosen.setdefault(name, []).append((series.id, series.key))
    groups = []
    for name, pairs in sorted(chosen.items()):
        served = servable_version(session, name, version)
        groups.append((registry.get_model(session, name), served, pairs))
    return BatchPlan(groups=groups, missing=missing)


def _error(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message}


def batch_forecasts(
    session: Session,
    plan: BatchPlan,
    *,
    h: int | None = None,
    levels: Sequence[int] | None = None,
) -> Iterator[BatchItem]:
    """Each planned series' stored forecast, read a chunk of fits at a time (no artifact load)."""
    check_request(h, levels)
    yield from plan.missing
    for found, served, pairs in plan.groups:
        for start in range(0, len(pairs), BATCH_CHUNK):
            chunk = pairs[start : start + BATCH_CHUNK]
            fits = repo.fits_for(session, served.id, [series_id for series_id, _ in chunk])
            for series_id, key in chunk:
                try:
                    fit = usable_fit(fits.get(series_id), found.name, served.version, key)
                    answer = answer_from_fit(fit, found, served, None, h=h, levels=levels)
                except (ForecastNotFoundError, ForecastUnavailableError) as error:
                    yield BatchItem(key, error=_error(error.code, error.message))
                    continue
                yield BatchItem(key, answer=answer)
            for fit in fits.values():
                session.expunge(fit)
