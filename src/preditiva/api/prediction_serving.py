"""The API process's prediction answers, kept fresh by the forecast serving state's watcher.

Two ``AnswerCache`` instances: resolved versions by ``(model, version ref)`` and encoded
answers by ``(model, version id, input digest)``. They hold no watcher of their own: before
each request they sync on the epoch of the forecast answer cache, which the registry watcher
(or ``POST /v1/models/reload``) bumps on every registry change, so a promotion empties them
exactly when it empties the cached forecasts. Models come from the forecast state's
``ModelCache``, by artifact SHA-256.
"""

import threading
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from pydantic_core import to_json

from preditiva.api.forecast_serving import Encoded, ForecastServing, serving_of
from preditiva.services import predictions
from preditiva.services.forecast_cache import AnswerCache
from preditiva.services.prediction_inputs import PredictInput
from preditiva.services.predictions import ResolvedVersion
from preditiva.storage.db.engine import read_only

JSON = "application/json"
#: Answers larger than this are sent but not kept.
MAX_CACHED_BYTES = 1 << 20
_create_lock = threading.Lock()


class PredictionServing:
    """Resolved versions and encoded answers, emptied whenever the forecast answers are."""

    def __init__(self, forecast: ForecastServing) -> None:
        """Caches beside ``forecast``, whose watcher and models they share."""
        self.forecast = forecast
        self.factory = forecast.factory
        self.settings = forecast.settings
        self.models = forecast.models
        self.versions: AnswerCache[ResolvedVersion] = AnswerCache(maxsize=1024)
        self.answers: AnswerCache[Encoded] = AnswerCache(maxsize=1024)

    async def ensure_fresh(self) -> None:
        """Follow the forecast cache: a new epoch there (a registry change) empties ours."""
        await self.forecast.ensure_fresh()
        signal = str(self.forecast.answers.epoch)
        self.versions.sync(signal)
        self.answers.sync(signal)

    def resolve(self, name: str, ref: int | str, epoch: int) -> ResolvedVersion:
        """Resolve the version in the database and keep it (runs in the threadpool)."""
        with self.factory() as session:
            read_only(session)
            resolved = predictions.resolve(session, name, ref)
        self.versions.put((name, ref), resolved, epoch=epoch)
        return resolved

    def compute(
        self,
        resolved: ResolvedVersion,
        data: PredictInput,
        key: tuple[object, ...] | None,
        epoch: int,
    ) -> Encoded:
        """Predict, encode, and keep the answer under ``key`` (in a thread unless quick)."""
        max_rows = self.settings.predict_max_rows
        if resolved.kind == "tabular":  # reads no database row: no session to open
            answer = predictions.predict_tabular(self.models, resolved, data, max_rows=max_rows)
        else:
            with self.factory() as session:
                read_only(session)
                answer = predictions.predict(
                    session, self.models, resolved, data, max_rows=max_rows
                )
        encoded = Encoded(to_json(answer), JSON)
        if key is not None and len(encoded.body) <= MAX_CACHED_BYTES:
            self.answers.put(key, encoded, epoch=epoch)
        return encoded


def prediction_serving_of(app: FastAPI) -> PredictionServing:
    """The app's prediction serving state, made on first use."""
    serving: PredictionServing | None = getattr(app.state, "prediction_serving", None)
    if serving is None:
        with _create_lock:
            serving = getattr(app.state, "prediction_serving", None)
            if serving is None:
                serving = PredictionServing(serving_of(app))
                app.state.prediction_serving = serving
    return serving


async def get_prediction_serving(request: Request) -> PredictionServing:
    """The prediction serving state (an async dependency: no thread hop when cached)."""
    return prediction_serving_of(request.app)


PredictionServingDep = Annotated[PredictionServing, Depends(get_prediction_serving)]
