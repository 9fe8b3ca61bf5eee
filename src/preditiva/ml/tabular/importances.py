"""Feature importances of a fitted tabular pipeline, mapped back to the dataset's columns.

``impurity`` (random forest, gradient boosting) and ``gain`` (LightGBM) are the trees' own
importances, summed over the model features made from a column (a date's parts).
``coef_spread`` (ridge, logistic) reads the coefficients on the transformed features: a
column's importance is the standard deviation, over the training rows, of its summed term
``Σ coef_j · x_j`` (for a standardised number exactly ``|coef|``; for a category, its one-hot
terms together, weighted by how often each level occurs), averaged over classes for a
multiclass model. The figures are shares that add up to 1, largest first, with every feature
column present.
"""

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from preditiva.ml.tabular.features import CategoryCodes, source_column
from preditiva.ml.tabular.schema import DatasetSchema


def model_feature_names(pipeline: Pipeline) -> list[str]:
    """The names of the columns the final estimator sees, as ``TabularFeatures`` named them."""
    preprocess = pipeline.named_steps["preprocess"]
    if isinstance(preprocess, CategoryCodes):
        return list(preprocess.input_columns_)
    return [str(name) for name in preprocess.get_feature_names_out()]


def feature_importances(
    pipeline: Pipeline, schema: DatasetSchema, kind: str, features: pd.DataFrame
) -> dict[str, float]:
    """Each feature column's share of the importance, largest first (``features``: training)."""
    model = pipeline.named_steps["model"]
    sources = [source_column(name) for name in model_feature_names(pipeline)]
    totals = dict.fromkeys(schema.features, 0.0)
    if kind == "coef_spread":
        totals.update(_coefficient_spreads(pipeline, features, sources))
    else:
        raw = np.asarray(model.feature_importances_, dtype=np.float64)
        for source, value in zip(sources, raw, strict=True):
            totals[source] += float(value)
    whole = sum(totals.values())
    shares = {name: value / whole if whole > 0 else 0.0 for name, value in totals.items()}
    return dict(sorted(shares.items(), key=lambda item: (-item[1], item[0])))


def _coefficient_spreads(
    pipeline: Pipeline, features: pd.DataFrame, sources: list[str]
) -> dict[str, float]:
    """Per column, the standard deviation of its summed linear term, averaged over classes."""
    coefficients = np.atleast_2d(np.asarray(pipeline.named_steps["model"].coef_, np.float64))
    matrix = pipeline[:-1].transform(features)
    if hasattr(matrix, "tocsc"):  # one-hot columns come sparse
        matrix = matrix.tocsc()
    positions: dict[str, list[int]] = {}
    for position, source in enumerate(sources):
        positions.setdefault(source, []).append(position)
    spreads: dict[str, float] = {}
    for source, columns in positions.items():
        terms = np.asarray(matrix[:, columns] @ coefficients[:, columns].T, dtype=np.float64)
        spreads[source] = float(terms.std(axis=0).mean())
    return spreads
