"""Closing a training version: the summary of its fits, fingerprint, artifact and status.

``finish_version`` counts the version's fits (trained, carried over, skipped with reasons,
failed with errors) and their skill against naive, fingerprints the observations they saw,
stores the artifact (the one series' model, or a manifest of every series' model), marks
the version ready, failed or cancelled, and promotes it when asked.
"""

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from preditiva.core.clock import utcnow
from preditiva.core.errors import ModelVersionNotFoundError
from preditiva.core.settings import Settings
from preditiva.services import registry
from preditiva.services.job_kind import Outcome
from preditiva.storage.artifacts import get_store, sha256_of
from preditiva.storage.db.models import Model, ModelVersion
from preditiva.storage.db.repositories import registry as registry_repo

#: Skipped and failed series listed by name in a summary; the counts cover them all.
SHOWN_PROBLEMS = 100


def finish_version(
    session: Session, settings: Settings, version_id: int, *, promote: bool, cancelled: bool = False
) -> Outcome:
    """Summarise a version's fits, mark it ready (or failed/cancelled), promote if asked."""
    version = registry_repo.get_version_by_id(session, version_id)
    if version is None:
        raise ModelVersionNotFoundError(f"no model version with id {version_id}")
    model = registry_repo.get_model_by_id(session, version.model_id)
    fits = registry_repo.fit_summaries(session, version_id)
    summary = summarise(fits)
    summary.update(model=model.name, version=version.version)
    now = utcnow()
    version.metrics = {
        k: v for k, v in summary.items() if k not in ("skipped_series", "failed_series")
    }
    version.trained_at = now
    version.training_seconds = (now - version.created_at).total_seconds()
    version.data_fingerprint = _combined_fingerprint(fits)
    usable = summary["trained"] + summary["carried_over"]
    if cancelled:
        version.status = "cancelled"
        return Outcome("cancelled", result=summary, message=_describe(summary, "cancelled: "))
    if usable == 0:
        version.status = "failed"
        return Outcome("failed", result=summary, error=_no_fit_error(summary))
    _store_manifest(settings, model, version, fits)
    version.status = "ready"
    if len(fits) == 1:
        fit = registry_repo.fits_of_version(session, version_id)[0]
        version.backtest = fit.backtest
    session.flush()
    if promote:
        registry.promote(session, model.name, version.version)
    summary["promoted"] = promote
    return Outcome("succeeded", result=summary, message=_describe(summary))


def summarise(fits: Sequence[Any]) -> dict[str, Any]:
    """Counts, reasons and the skill against naive over a version's fits."""
    skipped = [{"series": f.series_key, "reason": f.reason} for f in fits if f.status == "skipped"]
    failed = [{"series": f.series_key, "error": f.reason} for f in fits if f.status == "failed"]
    trained = [f for f in fits if f.status == "trained"]
    scored = [f.metrics for f in trained if f.metrics.get("mase") is not None]
    skills = [f.skill for f in trained if f.skill is not None]
    mase = float(np.mean([m["mase"] for m in scored])) if scored else None
    naive = (
        float(np.mean([m["naive_mase"] for m in scored if m.get("naive_mase")])) if scored else None
    )
    return {
        "series": len(fits),
        "trained": sum(1 for f in trained if not f.carried_over),
        "carried_over": sum(1 for f in trained if f.carried_over),
        "skipped": len(skipped),
        "failed": len(failed),
        "backtested": len(scored),
        "mase": mase,
        "naive_mase": naive,
        "skill_vs_naive": (1 - mase / naive) if mase is not None and naive else None,
        "beats_naive_share": (sum(1 for s in skills if s > 0) / len(skills)) if skills else None,
        "skipped_series": skipped[:SHOWN_PROBLEMS],
        "failed_series": failed[:SHOWN_PROBLEMS],
    }


def _describe(summary: dict[str, Any], prefix: str = "") -> str:
    """One line: counts and the skill against naive."""
    skill = summary.get("skill_vs_naive")
    verdict = ""
    if skill is not None:
        verdict = f"; {abs(skill):.1%} {'better' if skill > 0 else 'worse'} than naive (MASE)"
    return (
        f"{prefix}{summary['trained']} trained, {summary['carried_over']} unchanged, "
        f"{summary['skipped']} skipped, {summary['failed']} failed{verdict}"
    )


def _no_fit_error(summary: dict[str, Any]) -> str:
    """Why a version got no usable fit, naming the first problem."""
    problems = summary["skipped_series"] + summary["failed_series"]
    first = problems[0] if problems else {}
    detail = first.get("reason") or first.get("error") or "no series"
    return (
        f"no series could be trained ({summary['skipped']} skipped, {summary['failed']} failed); "
        f"first: {first.get('series', '-')}: {detail}"
    )


def _combined_fingerprint(fits: Sequence[Any]) -> str:
    """SHA-256 over each series' key and data fingerprint: which observations it saw."""
    digest = hashlib.sha256()
    for fit in fits:
        digest.update(f"{fit.series_key}\0{fit.data_fingerprint or ''}\n".encode())
    return digest.hexdigest()


def _store_manifest(
    settings: Settings, model: Model, version: ModelVersion, fits: Sequence[Any]
) -> None:
    """The version's artifact: the one series' model, or a manifest of every series' model."""
    trained = [f for f in fits if f.status == "trained"]
    if len(fits) == 1 and trained:
        version.artifact_uri, version.artifact_sha256 = (
            trained[0].artifact_uri,
            trained[0].artifact_sha256,
        )
        return
    manifest = {
        "model": model.name,
        "version": version.version,
        "series": {
            f.series_key: {"artifact_uri": f.artifact_uri, "sha256": f.artifact_sha256}
            for f in trained
        },
    }
    data = json.dumps(manifest, sort_keys=True).encode()
    key = f"models/{model.name}/v{version.version}/manifest-{sha256_of(data)[:16]}.json"
    version.artifact_uri, version.artifact_sha256 = get_store(settings).put(data, key)
