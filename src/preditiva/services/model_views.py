"""Models and versions as people see them: each with its skill against naive, said in words.

The verdict wording lives here alone, so the API, the CLI and job summaries agree:
``"3.2% better than naive (MASE)"``, ``"loses to naive by 1.8% (MASE)"`` or why it is unknown.
Regression and classification models compare with their own baseline instead (their
metrics hold ``skill_vs_baseline``): ``"R² 0.91; RMSE 70.0% better than the mean baseline"``.
"""

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from preditiva.core.numbers import finite_float
from preditiva.services import registry
from preditiva.storage.db.models import Model, ModelFit, ModelVersion
from preditiva.storage.db.repositories import registry_reads

NO_BACKTEST = "no backtest: skill unknown"
NOT_TRAINED = "not trained yet: skill unknown"
TRAINING = "still training: skill unknown"
MAX_PAGE = 500
BASELINE_WORDS = {
    "mean": "the mean baseline",
    "majority": "the majority-class baseline",
    "naive": "the naive baseline (last value)",
    "base_rate": "the base-rate baseline (share of ups)",
}
METRIC_WORDS = {"rmse": "RMSE", "mae": "MAE", "log_loss": "log loss"}
#: The score a verdict leads with, when the metrics have it: R², else accuracy.
HEADLINES = (("r2", "R²"), ("accuracy", "accuracy"))


@dataclass(frozen=True)
class Skill:
    """Skill against naive (``1 - MASE / MASE of naive``), whether it beats naive, in words."""

    skill_vs_naive: float | None
    beats_naive: bool | None
    beats_naive_share: float | None
    verdict: str
    #: what the skill compares with: naive (forecasts), mean, majority, naive or base_rate
    baseline: str = "naive"


@dataclass(frozen=True)
class VersionView:
    """A version, the aliases pointing at it and its skill."""

    version: ModelVersion
    aliases: list[str]
    skill: Skill


@dataclass(frozen=True)
class ModelView:
    """A model, where its aliases point, its champion and latest versions and its skill."""

    model: Model
    aliases: dict[str, int]
    champion: VersionView | None
    latest: VersionView | None
    skill: Skill
    skill_version: int | None


@dataclass(frozen=True)
class FitCounts:
    """How a version's series ended: trained anew, carried over unchanged, skipped, failed."""

    total: int
    trained: int
    carried_over: int
    skipped: int
    failed: int


@dataclass(frozen=True)
class FitPage:
    """One page of a version's fits and how many match in all."""

    items: Sequence[ModelFit]
    total: int


def verdict(skill: float | None, *, unknown: str = NO_BACKTEST) -> str:
    """The skill against naive in words; ``unknown`` when there is none."""
    if skill is None or not math.isfinite(skill):
        return unknown
    if skill > 0:
        return f"{skill:.1%} better than naive (MASE)"
    if skill < 0:
        return f"loses to naive by {-skill:.1%} (MASE)"
    return "ties with naive (MASE)"


def skill_of(
    metrics: Mapping[str, Any] | None,
    backtest: Mapping[str, Any] | None = None,
    *,
    unknown: str = NO_BACKTEST,
) -> Skill:
    """The skill block of a version's metrics (or, failing that, its backtest)."""
    if metrics and "skill_vs_baseline" in metrics:
        return baseline_skill(metrics, unknown=unknown)
    value = finite_float((metrics or {}).get("skill_vs_naive"))
    if value is None:
        value = finite_float((backtest or {}).get("skill_vs_naive"))
    share = finite_float((metrics or {}).get("beats_naive_share"))
    beats = None if value is None else value > 0
    return Skill(value, beats, share, verdict(value, unknown=unknown))


def baseline_verdict(metrics: Mapping[str, Any], *, unknown: str = NO_BACKTEST) -> str:
    """A regression or classification model's headline score and skill against its baseline."""
    skill = finite_float(metrics.get("skill_vs_baseline"))
    if skill is None:
        return unknown
    kind = str(metrics.get("baseline_kind", "baseline"))
    baseline = BASELINE_WORDS.get(kind, f"the {kind} baseline")
    measure = METRIC_WORDS.get(str(metrics.get("skill_metric")), str(metrics.get("skill_metric")))
    if skill > 0:
        comparison = f"{measure} {skill:.1%} better than {baseline}"
    elif skill < 0:
        comparison = f"{measure} {-skill:.1%} worse than {baseline}"
    else:
        comparison = f"{measure} ties with {baseline}"
    cv = metrics.get("cv")
    scores: Mapping[str, Any] = cv if isinstance(cv, Mapping) else {}
    for name, label in HEADLINES:
        value = finite_float(scores.get(name))
        if value is not None:
            return f"{label} {value:.2f}; {comparison}"
    return comparison


def baseline_skill(metrics: Mapping[str, Any], *, unknown: str = NO_BACKTEST) -> Skill:
    """The skill block of a model compared with its own baseline (mean, majority, …)."""
    value = finite_float(metrics.get("skill_vs_baseline"))
    return Skill(
        skill_vs_naive=value,
        beats_naive=None if value is None else value > 0,
        beats_naive_share=None,
        verdict=baseline_verdict(metrics, unknown=unknown),
        baseline=str(metrics.get("baseline_kind", "baseline")),
    )


def version_skill(version: ModelVersion) -> Skill:
    """A version's skill block; a version still training says so."""
    unknown = TRAINING if version.status == "training" else NO_BACKTEST
    return skill_of(version.metrics, version.backtest, unknown=unknown)


def fit_skill(fit: ModelFit) -> Skill:
    """One series' skill block in a version."""
    value = finite_float(fit.skill)
    return Skill(value, None if value is None else value > 0, None, verdict(value))


def _view(version: ModelVersion, aliases: Sequence[str]) -> VersionView:
    return VersionView(version, sorted(aliases), version_skill(version))


def _model_views(session: Session, models: Sequence[Model]) -> list[ModelView]:
    """Views of these models from three queries, however many models there are."""
    ids = [model.id for model in models]
    aliases = registry_reads.aliases_of(session, ids)
    latest = registry_reads.latest_versions(session, ids)
    pointed = registry_reads.versions_by_id(session, [alias.version_id for alias in aliases])
    names: dict[int, list[str]] = defaultdict(list)
    for alias in aliases:
        names[alias.version_id].append(alias.alias)
    views = []
    for model in models:
        own = {a.alias: pointed[a.version_id] for a in aliases if a.model_id == model.id}
        champion_row = own.get(registry.CHAMPION)
        latest_row = latest.get(model.id)
        champion = _view(champion_row, names[champion_row.id]) if champion_row else None
        newest = _view(latest_row, names[latest_row.id]) if latest_row else None
        shown = champion or newest
        skill = shown.skill if shown else skill_of(None, unknown=NOT_TRAINED)
        views.append(
            ModelView(
                model=model,
                aliases={alias: row.version for alias, row in own.items()},
                champion=champion,
                latest=newest,
                skill=skill,
                skill_version=shown.version.version if shown else None,
            )
        )
    return views


def list_models(session: Session) -> list[ModelView]:
    """Every model by name, each with its champion, latest version and skill."""
    return _model_views(session, registry.list_models(session))


def model_view(session: Session, name: str) -> ModelView:
    """One model with its champion, latest version and skill; 404 if unknown."""
    return _model_views(session, [registry.get_model(session, name)])[0]


def version_views(session: Session, name: str) -> list[VersionView]:
    """A model's versions, oldest first, each with its aliases and skill."""
    model = registry.get_model(session, name)
    names: dict[int, list[str]] = defaultdict(list)
    for alias in registry_reads.aliases_of(session, [model.id]):
        names[alias.version_id].append(alias.alias)
    return [_view(row, names[row.id]) for row in registry.list_versions(session, name)]


def version_view(session: Session, version: ModelVersion) -> VersionView:
    """One version with the aliases now pointing at it and its skill."""
    aliases = registry_reads.aliases_of(session, [version.model_id])
    return _view(version, [a.alias for a in aliases if a.version_id == version.id])


def version_detail(session: Session, name: str, ref: int | str) -> tuple[VersionView, FitCounts]:
    """Version ``ref`` (number or alias) with how its series ended; 404 if unknown."""
    version = registry.get_version(session, name, ref)
    counts = registry_reads.fit_counts(session, version.id)
    fits = FitCounts(
        total=sum(counts.values()),
        trained=counts.get(("trained", False), 0),
        carried_over=counts.get(("trained", True), 0),
        skipped=sum(n for (status, _), n in counts.items() if status == "skipped"),
        failed=sum(n for (status, _), n in counts.items() if status == "failed"),
    )
    return version_view(session, version), fits


def fit_page(
    session: Session,
    name: str,
    ref: int | str,
    *,
    status: str | None = None,
    carried_over: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> FitPage:
    """A page of version ``ref``'s fits by series key, filtered by status and carry-over."""
    version = registry.get_version(session, name, ref)
    rows, total = registry_reads.fit_page(
        session, version.id, status=status, carried_over=carried_over, limit=limit, offset=offset
    )
    return FitPage(rows, total)
