"""Model registry bodies: recipes, versions and fits, each with its skill against naive."""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from preditiva.api.schemas.jobs import JobRead

TARGET_HELP = (
    'What the model is trained on: {"series": key}, {"tag": tag} or {"group": tag} for a '
    'forecast; {"dataset": name} or {"series": key} for regression and classification.'
)
PARAMS_HELP = (
    "Engine parameters, plus the training options include_synthetic, levels and n_windows "
    "(forecast); dataset_version and cv_folds (on a dataset); include_synthetic, lags, "
    "windows, calendar and n_folds (regression or classification on a series)."
)


class ModelCreate(BaseModel):
    """A model recipe to define; ``train`` also submits its first training job."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=200, examples=["phones-auto"])
    task: Literal["forecast", "regression", "classification"] = Field(
        "forecast",
        description="forecast a series; or predict a dataset's target or a series' "
        "next move (regression, classification).",
    )
    engine: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        examples=["auto", "ets", "lightgbm"],
        description="Forecasting engine or algorithm; auto for a forecast, else lightgbm.",
    )
    horizon: int | None = Field(
        None, ge=1, le=10_000, description="Steps ahead: 30 for a forecast, else 1."
    )
    target: dict[str, Any] = Field(..., description=TARGET_HELP, examples=[{"tag": "phones"}])
    params: dict[str, Any] = Field(default_factory=dict, description=PARAMS_HELP)
    description: str = Field("", max_length=2000)
    train: bool = Field(False, description="Submit a train.model job now.")


class TrainRequest(BaseModel):
    """Options of a training run."""

    model_config = ConfigDict(extra="forbid")

    force: bool = Field(False, description="Retrain series whose data did not change.")
    promote: bool = Field(True, description="Make the new version champion when ready.")
    chunk_size: int = Field(100, ge=1, le=10_000, description="Series per child job.")


class AliasRequest(BaseModel):
    """Which alias to move."""

    model_config = ConfigDict(extra="forbid")

    alias: str = Field("champion", min_length=1, max_length=64, examples=["champion"])


class SkillRead(BaseModel):
    """Skill against naive: ``1 - MASE / MASE of naive`` (above 0 beats naive), in words too.

    For regression and classification models the same figures compare with their own
    ``baseline`` instead (``1 - loss / baseline loss``): the mean, the majority class, the
    naive last value or the base rate of ups.
    """

    skill_vs_naive: float | None
    beats_naive: bool | None
    beats_naive_share: float | None = Field(
        None, description="Share of backtested series where the model beats naive."
    )
    verdict: str = Field(..., examples=["3.2% better than naive (MASE)"])
    baseline: str = Field(
        "naive", description="What the skill compares with: naive, mean, majority, base_rate."
    )


class VersionRead(BaseModel):
    """One version: status, metrics, skill, provenance, and the aliases pointing at it."""

    version: int
    status: str
    aliases: list[str]
    skill: SkillRead
    metrics: dict[str, Any]
    params: dict[str, Any]
    data_fingerprint: str | None
    library_versions: dict[str, Any]
    trained_at: datetime | None
    training_seconds: float | None
    artifact_uri: str | None
    artifact_sha256: str | None
    job_id: uuid.UUID | None
    created_at: datetime


class FitCountsRead(BaseModel):
    """How a version's series ended."""

    total: int
    trained: int
    carried_over: int
    skipped: int
    failed: int


class VersionDetailRead(VersionRead):
    """A version with its fits counted and, for one series, its full backtest."""

    fits: FitCountsRead
    backtest: dict[str, Any] | None


class VersionList(BaseModel):
    """A model's versions, oldest first."""

    model: str
    items: list[VersionRead]


class ModelRead(BaseModel):
    """A model: recipe, aliases, champion and latest versions, and the skill of the one shown."""

    name: str
    task: str
    engine: str
    horizon: int
    target: dict[str, Any]
    params: dict[str, Any]
    description: str
    created_at: datetime
    updated_at: datetime
    aliases: dict[str, int] = Field(..., description="Alias → version number.")
    skill: SkillRead = Field(..., description="The champion's skill, else the latest version's.")
    skill_version: int | None
    champion: VersionRead | None
    latest: VersionRead | None


class ModelDefined(ModelRead):
    """A model just defined, and its training job when ``train`` was asked."""

    job: JobRead | None


class ModelList(BaseModel):
    """Every model, by name."""

    items: list[ModelRead]


class FitRead(BaseModel):
    """One series' part of a version: trained, carried over, skipped or failed, and why."""

    series_key: str
    status: str
    reason: str | None
    carried_over: bool
    skill: SkillRead
    metrics: dict[str, Any]
    n_obs: int
    data_end: datetime | None
    engine_detail: str | None
    trained_at: datetime


class FitPage(BaseModel):
    """A page of a version's fits, by series key."""

    items: list[FitRead]
    total: int
    limit: int
    offset: int
