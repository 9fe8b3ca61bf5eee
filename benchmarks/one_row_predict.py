"""One-row tabular predictions in process: ``TabularModel.predict_rows([row])`` per algorithm.

Issue 5. Each default algorithm is trained on all 2,930 Ames houses (sale price, or a
yes/no "above the median" class), then asked for one row at a time as a client sends it
(JSON values), ``--calls`` calls over distinct rows after 20 warm-up calls. The answers
of the first 50 calls are checked equal (to 1e-9) to ``pipeline.predict`` on a pandas frame
of the same row, the bare scikit-learn / LightGBM call, which is timed too.

    .venv/bin/python benchmarks/one_row_predict.py [--calls 500]
"""

import argparse
import json
import os
import platform
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from preditiva.ml.tabular import TabularModel, train_tabular

ROOT = Path(__file__).resolve().parents[1]
AMES = ROOT.parent / "shared" / "data" / "house_prices_ames.parquet"
TARGET = "Sale_Price"
CASES = (
    ("regression", "linear"),
    ("regression", "random_forest"),
    ("regression", "gradient_boosting"),
    ("regression", "lightgbm"),
    ("classification", "logistic"),
    ("classification", "random_forest"),
    ("classification", "lightgbm"),
)


def timings(call: Callable[[dict[str, Any]], object], rows: list[dict[str, Any]]) -> list[float]:
    """Milliseconds of ``call`` on each row, after 20 warm-up calls."""
    for row in rows[:20]:
        call(row)
    spent = []
    for row in rows:
        started = time.perf_counter()
        call(row)
        spent.append((time.perf_counter() - started) * 1e3)
    return spent


def bare_output(model: TabularModel, row: dict[str, Any]) -> np.ndarray[Any, Any]:
    """The pipeline's own answer for one row in a pandas frame."""
    frame = pd.DataFrame([row])
    if model.task == "regression":
        return np.asarray(model.pipeline.predict(frame), dtype=np.float64)
    return np.asarray(model.pipeline.predict_proba(frame), dtype=np.float64)


def platform_output(model: TabularModel, row: dict[str, Any]) -> np.ndarray[Any, Any]:
    """``predict_rows``' answer for one row, as the bare call shapes it."""
    prediction = model.predict_rows([row])
    if prediction.probabilities is None:
        return np.asarray(prediction.values, dtype=np.float64)
    return np.asarray(prediction.probabilities.to_numpy(), dtype=np.float64)


def main() -> None:
    """Train, check, time, print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500, help="timed calls per model")
    args = parser.parse_args()
    frame = pd.read_parquet(AMES)
    labelled = frame.assign(Expensive=np.where(frame[TARGET] > frame[TARGET].median(), "yes", "no"))
    features = frame.drop(columns=[TARGET])
    rows: list[dict[str, Any]] = json.loads(features.to_json(orient="records"))[: args.calls]
    revision = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    print(
        f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; revision {revision}; "
        f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}; "
        f"load average {'/'.join(f'{v:.2f}' for v in os.getloadavg())}; {len(rows)} calls\n"
    )
    print(
        "| task | algorithm | predict_rows median ms | p99 ms | bare predict median ms | p99 ms |"
    )
    print("|---|---|--:|--:|--:|--:|")
    for task, algorithm in CASES:
        data = frame if task == "regression" else labelled.drop(columns=[TARGET])
        target = TARGET if task == "regression" else "Expensive"
        model = train_tabular(data, target, algorithm=algorithm, cv_folds=2)
        for row in rows[:50]:
            np.testing.assert_allclose(
                platform_output(model, row), bare_output(model, row), rtol=1e-9, atol=1e-9
            )
        ours = timings(lambda row, m=model: m.predict_rows([row]), rows)
        bare = timings(lambda row, m=model: bare_output(m, row), rows)
        print(
            f"| {task} | {algorithm} | {np.median(ours):.2f} | {np.percentile(ours, 99):.2f} | "
            f"{np.median(bare):.2f} | {np.percentile(bare, 99):.2f} |"
        )


if __name__ == "__main__":
    main()
