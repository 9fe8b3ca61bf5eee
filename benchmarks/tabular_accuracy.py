"""Cross-validated accuracy and cost of each tabular algorithm on the real house sales.

Regression: all 2,930 Ames sales, target ``Sale_Price``. Classification: Ames with
``expensive`` (price above the median) instead of the price, and the 932 Sacramento sales
with their ``type`` (Residential, Condo, Multi_Family: three unbalanced classes). Every
algorithm runs with its production defaults and ``--folds`` folds; the baseline (mean, or
the training class shares) is scored on the same folds. Seconds cover the whole
``train_tabular`` call: validation, every fold and the final refit.

    .venv/bin/python benchmarks/tabular_accuracy.py [--folds 5]
"""

import argparse
import time
from pathlib import Path

import pandas as pd

from preditiva.ml.tabular import algorithm_names, train_tabular

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
REGRESSION = ("r2", "mae", "rmse", "mape")
CLASSIFICATION = ("accuracy", "f1", "roc_auc", "log_loss", "brier", "ece")


def cases() -> list[tuple[str, pd.DataFrame, str]]:
    """(name, frame, target) of each benchmark case."""
    ames = pd.read_parquet(DATA / "house_prices_ames.parquet")
    expensive = ames.drop(columns="Sale_Price")
    expensive["expensive"] = ames["Sale_Price"] > ames["Sale_Price"].median()
    sacramento = pd.read_parquet(DATA / "house_prices_sacramento.parquet")
    return [
        ("ames", ames, "Sale_Price"),
        ("ames", expensive, "expensive"),
        ("sacramento", sacramento, "type"),
    ]


def main() -> None:
    """Print one line per (case, algorithm) and one for its baseline."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    folds = parser.parse_args().folds
    for dataset, frame, target in cases():
        classification = frame[target].dtype == bool or frame[target].dtype == object
        task = "classification" if classification else "regression"
        names = [name for name in algorithm_names(task) if name != "ridge"]
        columns = CLASSIFICATION if classification else REGRESSION
        print(f"\n{dataset} → {target} ({task}, {len(frame)} rows, {folds} folds)")
        print(f"{'algorithm':<18}" + "".join(f"{c:>11}" for c in columns) + "   skill   seconds")
        baseline_line = ""
        for name in names:
            started = time.perf_counter()
            model = train_tabular(frame, target, algorithm=name, cv_folds=folds)
            seconds = time.perf_counter() - started
            evaluation = model.evaluation
            figures = "".join(f"{evaluation.metrics[c]:>11.4g}" for c in columns)
            print(f"{name:<18}{figures}{evaluation.skill:>8.3f}{seconds:>10.1f}")
            baseline = "".join(f"{evaluation.baseline[c]:>11.4g}" for c in columns)
            baseline_line = f"{'baseline ' + evaluation.baseline_name:<18}{baseline}"
        print(baseline_line)


if __name__ == "__main__":
    main()
