"""A bare FastAPI app calling a tabular model: the reference of the predict endpoint benchmark.

It loads the very artifact a Preditiva model version stored (``BARE_ARTIFACT``: the
``joblib``/pickle file the registry row points at, unpickled as is; the pipeline's own
preprocessing steps come with it) and serves ``POST /v1/models/{name}/predict`` the way one
would write it without a platform: a sync handler (FastAPI runs it in its threadpool) takes
``{"rows": [{column: value, ...}, ...]}``, builds a pandas frame of the rows, calls the
pipeline's ``predict`` (``predict_proba`` too for a classifier) and answers JSON of the
same shape as Preditiva's. No checks, no cache, no database. Run it as ``python
benchmarks/bare_predict_app.py`` with ``BARE_ARTIFACT``, ``BARE_MODEL``, ``BARE_VERSION``,
``BARE_HOST``, ``BARE_PORT`` and ``BARE_LOG_LEVEL``; it serves like ``bare_endpoint_app.py``.
"""

import os
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from bare_endpoint_app import serve  # this script's folder is on sys.path
from fastapi import FastAPI, HTTPException, Response
from pydantic import BaseModel
from pydantic_core import to_json


class Rows(BaseModel):
    """The request body: one object per row."""

    rows: list[dict[str, Any]]


def create_app(artifact: Path | None = None) -> FastAPI:
    """The app serving the model pickled at ``artifact`` (``BARE_ARTIFACT`` when not given)."""
    fitted = joblib.load(artifact or Path(os.environ["BARE_ARTIFACT"]))
    pipeline, task = fitted.pipeline, fitted.task
    name, version = os.environ.get("BARE_MODEL", "model"), int(os.environ.get("BARE_VERSION", 1))
    app = FastAPI(title="bare predict")

    @app.post("/v1/models/{model}/predict")
    def predict(model: str, body: Rows) -> Response:
        if model != name:
            raise HTTPException(404, f"no model {model!r}")
        frame = pd.DataFrame(body.rows)
        classes = None
        if task == "classification":
            shares = pipeline.predict_proba(frame)
            classes = [str(label) for label in pipeline.classes_]
            values = [classes[i] for i in np.argmax(shares, axis=1)]
            probabilities = [dict(zip(classes, row, strict=True)) for row in shares.tolist()]
        else:
            values = np.asarray(pipeline.predict(frame), dtype=np.float64).tolist()
            probabilities = [None] * len(values)
        answer = {
            "model": name,
            "version": version,
            "task": task,
            "kind": "tabular",
            "predictions": [
                {"value": value, "probabilities": shares}
                for value, shares in zip(values, probabilities, strict=True)
            ],
            "classes": classes,
            "prediction": None,
            "forecast": None,
        }
        return Response(to_json(answer), media_type="application/json")

    return app


if __name__ == "__main__":
    serve("bare_predict_app:create_app")
