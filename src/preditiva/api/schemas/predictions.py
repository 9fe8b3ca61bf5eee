"""Prediction requests and answers: one model's, and every model's of a series."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from preditiva.api.schemas.forecasts import ForecastRead
from preditiva.services.prediction_inputs import PredictInput


class PredictCreate(PredictInput):
    """What to predict: ``rows`` (tabular), a ``history`` (series-feature, lstm) or nothing.

    Tabular models take up to ``PREDITIVA_PREDICT_MAX_ROWS`` rows; series-feature models a
    history or no body (their stored series up to now); lstm forecasters exactly their
    window of prices, with ``h`` and ``levels``.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"rows": [{"Gr_Liv_Area": 1710, "Neighborhood": "College_Creek"}]},
                {"history": [101.2, 100.8, 102.5], "h": 5, "levels": [80, 95]},
            ]
        },
    )


class RowPredictionRead(BaseModel):
    """One row's prediction: the value (or class label) and each class's probability."""

    value: Any = Field(description="The predicted number, or the predicted class label.")
    probabilities: dict[str, float] | None = Field(
        description="Classifiers: the probability of each class, keyed by label."
    )


class FeaturePredictionRead(BaseModel):
    """A series-feature model's prediction for ``horizon`` steps after the history's end."""

    series: str | None = Field(description="The stored series predicted; null for a history.")
    timestamp: datetime = Field(description="The time the prediction is for.")
    horizon: int
    last_price: float = Field(description="The last price of the history it read.")
    value: float | None = Field(description="Regression: the predicted price.")
    label: int | None = Field(description="Classification: 1 if the price goes up, else 0.")
    probability_up: float | None = Field(description="Classification: the chance of going up.")


class PredictionRead(BaseModel):
    """A model version's answer; the block that applies to its kind is set, the others null."""

    model: str
    version: int
    task: Literal["forecast", "regression", "classification"]
    kind: Literal["tabular", "series_feature", "forecast"]
    predictions: list[RowPredictionRead] | None = Field(description="Tabular: one per row.")
    classes: list[Any] | None = Field(description="Tabular classifiers: every class label.")
    prediction: FeaturePredictionRead | None = Field(description="Series-feature models.")
    forecast: ForecastRead | None = Field(description="lstm forecasters: the forecast.")


class SeriesModelPredictionRead(BaseModel):
    """One series-feature model's prediction of a stored series."""

    model: str
    version: int
    kind: Literal["regression", "classification"]
    algorithm: str
    timestamp: datetime
    horizon: int
    last_price: float
    value: float | None
    label: int | None
    probability_up: float | None


class PredictionProblemRead(BaseModel):
    """Why a model of the series gave no answer."""

    model: str
    version: int | None
    code: str
    message: str


class SeriesPredictionsRead(BaseModel):
    """Every model's prediction of a series and its forecast, in one answer."""

    series: str
    predictions: list[SeriesModelPredictionRead]
    forecast: ForecastRead | None = Field(description="The serving forecaster's forecast.")
    problems: list[PredictionProblemRead]
    hint: str | None = Field(description="What to do when the series has no model at all.")
