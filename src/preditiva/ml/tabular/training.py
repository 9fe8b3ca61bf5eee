"""Training a tabular model: check the data, cross-validate beside a baseline, refit on all rows.

``train_tabular`` returns a ``TabularModel``: the fitted pipeline (preprocessing included, so
it takes raw columns), the schema, the class labels, the cross-validated scores and the
feature importances. It holds only plain values, dataclasses and scikit-learn / LightGBM
objects, so it pickles and predicts the same after a round trip.
"""

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from lightgbm import LGBMModel
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from preditiva.core.errors import DataValidationError, InvalidInputError
from preditiva.ml.tabular.algorithms import get_algorithm
from preditiva.ml.tabular.evaluation import (
    CrossValidation,
    aligned_probabilities,
    class_probabilities,
    cross_validate,
)
from preditiva.ml.tabular.features import CategoryCodes, TabularFeatures
from preditiva.ml.tabular.importances import feature_importances
from preditiva.ml.tabular.schema import DatasetSchema, Task, infer_schema, task_for
from preditiva.ml.tabular.small_frames import FeatureBlocks, is_small, lightgbm_outputs
from preditiva.ml.tabular.validation import check_records, records_frame, validate_frame
from preditiva.ml.tabular.values import SMALL_COLUMN, to_classes, to_numbers

#: Fewest rows a dataset needs, whatever the number of folds.
MIN_ROWS = 10


@dataclass(frozen=True, eq=False)
class TabularPrediction:
    """One prediction per row and, for a classifier, each class's probability."""

    values: npt.NDArray[Any]
    probabilities: pd.DataFrame | None = None

    def to_records(self) -> list[dict[str, Any]]:
        """One JSON-ready object per row: ``prediction`` and, for classes, ``probabilities``."""
        records: list[dict[str, Any]] = [{"prediction": value} for value in self.values.tolist()]
        if self.probabilities is not None:
            labels = [str(label) for label in self.probabilities.columns]
            for record, shares in zip(records, self.probabilities.to_numpy().tolist(), strict=True):
                record["probabilities"] = dict(zip(labels, shares, strict=True))
        return records


@dataclass(frozen=True, eq=False)
class TabularModel:
    """A fitted pipeline with its schema, classes, scores, importances and effective settings."""

    task: Task
    algorithm: str
    params: dict[str, Any]
    schema: DatasetSchema
    pipeline: Pipeline
    classes: tuple[Any, ...]
    evaluation: CrossValidation
    feature_importances: dict[str, float]
    importance_kind: str
    n_rows: int

    def predict(self, rows: pd.DataFrame) -> TabularPrediction:
        """Predictions for a frame of raw feature columns (extra columns are left alone)."""
        missing = [name for name in self.schema.features if name not in rows.columns]
        if missing:
            raise DataValidationError(
                f"{len(missing)} column(s) missing",
                details=[{"field": name, "message": "missing column"} for name in missing],
            )
        features = rows[list(self.schema.features)]
        read = self.pipeline.steps[0][1]
        if is_small(features) and isinstance(read, TabularFeatures):
            return self._predict_blocks(read.blocks(features), rows.index)
        if self.task == "regression":
            return TabularPrediction(np.asarray(self.pipeline.predict(features), dtype=np.float64))
        probabilities = class_probabilities(self.pipeline, features, self.classes)
        return self._classified(probabilities, rows.index)

    @property
    def reads_one_matrix(self) -> bool:
        """True when a few rows are predicted from one matrix, no pandas or scikit-learn step.

        That is LightGBM after ``CategoryCodes``: well under a millisecond for a row, where the
        other pipelines' scikit-learn steps take several milliseconds.
        """
        return self._matrix_steps() is not None

    def _matrix_steps(self) -> tuple[CategoryCodes, LGBMModel] | None:
        """The encoder and LightGBM model that predict from one matrix, if the pipeline has them."""
        read, preprocess, model = (step for _, step in self.pipeline.steps)
        if not isinstance(read, TabularFeatures) or not isinstance(preprocess, CategoryCodes):
            return None
        return (preprocess, model) if isinstance(model, LGBMModel) else None

    def predict_rows(self, rows: Sequence[Mapping[str, Any]]) -> TabularPrediction:
        """Predictions for raw request rows, checked first (``check_records``).

        A request of at most ``SMALL_COLUMN`` rows is read into blocks straight from its
        records, without the typed frame ``check_rows`` would build (the same values).
        """
        records = check_records(rows, self.schema)
        read = self.pipeline.steps[0][1]
        if len(records) <= SMALL_COLUMN and isinstance(read, TabularFeatures):
            return self._predict_blocks(read.record_blocks(records), pd.RangeIndex(len(records)))
        return self.predict(records_frame(records, self.schema))

    def to_dict(self) -> dict[str, Any]:
        """Everything but the pipeline, JSON-ready, as a model version stores it."""
        return {
            "task": self.task,
            "algorithm": self.algorithm,
            "params": dict(self.params),
            "schema": self.schema.to_dict(),
            "classes": list(self.classes),
            "evaluation": self.evaluation.to_dict(),
            "feature_importances": dict(self.feature_importances),
            "importance_kind": self.importance_kind,
            "n_rows": self.n_rows,
        }

    def _predict_blocks(self, blocks: FeatureBlocks, index: pd.Index) -> TabularPrediction:
        """Predictions from ``TabularFeatures``' blocks of a few rows (``small_frames``).

        A LightGBM pipeline predicts from one matrix, pandas skipped; the others run the rest
        of the pipeline on the frame the blocks make.
        """
        if steps := self._matrix_steps():
            encoder, booster = steps
            outputs = lightgbm_outputs(booster, encoder.matrix(blocks))
        else:
            rest, frame = self.pipeline[1:], blocks.frame(index)
            regression = self.task == "regression"
            outputs = rest.predict(frame) if regression else rest.predict_proba(frame)
        if self.task == "regression":
            return TabularPrediction(np.asarray(outputs, dtype=np.float64))
        learnt = self.pipeline.classes_
        return self._classified(aligned_probabilities(outputs, learnt, self.classes), index)

    def _classified(self, probabilities: Any, index: pd.Index) -> TabularPrediction:
        """The most probable class of each row, beside every class's probability."""
        labels = np.asarray(self.classes)[np.argmax(probabilities, axis=1)]
        frame = pd.DataFrame(probabilities, columns=list(self.classes), index=index)
        return TabularPrediction(labels, frame)


def train_tabular(
    frame: pd.DataFrame,
    target: str,
    *,
    algorithm: str,
    task: str | None = None,
    params: Mapping[str, Any] | None = None,
    cv_folds: int = 5,
    schema: DatasetSchema | None = None,
) -> TabularModel:
    """Validate ``frame``, cross-validate ``algorithm`` beside its baseline, refit on all rows.

    The schema is inferred unless given (a dataset version's stored one); ``task`` overrides
    the inferred task. Any problem in the data raises DataValidationError listing them.
    """
    schema = _schema(frame, target, task, schema)
    chosen = get_algorithm(schema.task, algorithm)
    pipeline = chosen.build(schema, params)
    _check_size(len(frame), cv_folds)
    validate_frame(frame, schema, min_class_rows=cv_folds).raise_if_invalid()
    rows = frame.reset_index(drop=True)
    features = rows[list(schema.features)]
    if schema.task == "regression":
        y = to_numbers(rows[schema.target])
        classes: tuple[Any, ...] = ()
    else:
        y = to_classes(rows[schema.target])
        classes = tuple(np.unique(y.to_numpy()).tolist())
    # the first step reads each row on its own and learns nothing: read every row once, and
    # cross-validate the rest of the pipeline on the result
    model_inputs = pipeline.named_steps["features"].fit_transform(features)
    evaluation = cross_validate(
        pipeline[1:], model_inputs, y, task=schema.task, classes=classes, n_folds=cv_folds
    )
    fitted = clone(pipeline).fit(features, y.to_numpy())
    return TabularModel(
        task=schema.task,
        algorithm=chosen.name,
        params=chosen.settings(params),
        schema=schema,
        pipeline=fitted,
        classes=classes,
        evaluation=evaluation,
        feature_importances=feature_importances(fitted, schema, chosen.importance, features),
        importance_kind=chosen.importance,
        n_rows=len(rows),
    )


def _schema(
    frame: pd.DataFrame, target: str, task: str | None, schema: DatasetSchema | None
) -> DatasetSchema:
    """The given schema (with ``task`` applied) or one inferred from ``frame``."""
    if schema is None:
        return infer_schema(frame, target, task=task)
    if schema.target != target:
        raise InvalidInputError(
            f"the schema's target is {schema.target!r}, not {target!r}",
            details=[{"field": "target", "message": f"expected {schema.target!r}"}],
        )
    if task is None or task == schema.task:
        return schema
    if target not in frame.columns:
        raise InvalidInputError(
            f"no column named {target!r}",
            details=[{"field": "target", "message": f"no column named {target!r}"}],
        )
    return dataclasses.replace(schema, task=task_for(frame[target], task))


def _check_size(n_rows: int, cv_folds: int) -> None:
    """At least two folds, and enough rows for them."""
    if isinstance(cv_folds, bool) or not isinstance(cv_folds, int) or cv_folds < 2:
        raise InvalidInputError(
            "cross-validation needs at least 2 folds",
            details=[{"field": "cv_folds", "message": "must be a whole number of at least 2"}],
        )
    needed = max(MIN_ROWS, 2 * cv_folds)
    if n_rows < needed:
        raise InvalidInputError(
            f"{n_rows} row(s): training with {cv_folds} folds needs at least {needed}",
            details=[{"field": "rows", "message": f"at least {needed} rows needed"}],
        )
