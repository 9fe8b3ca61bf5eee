"""Tabular models: a dataset frame in, a validated schema and a fitted, scored pipeline out.

Layout: ``values`` (reading numbers, dates and labels the same way everywhere), ``schema``
(what each column is, and regression or classification), ``validation`` (row-level problems
of training data; raw prediction rows checked and typed), ``features`` and ``algorithms``
(the scikit-learn pipelines, preprocessing included), ``scores`` and ``evaluation``
(cross-validated metrics beside a baseline), ``training`` (``train_tabular`` and the
picklable ``TabularModel``).
"""

from preditiva.ml.tabular.algorithms import algorithm_names, build_pipeline, get_algorithm
from preditiva.ml.tabular.evaluation import CrossValidation
from preditiva.ml.tabular.schema import ColumnSchema, DatasetSchema, infer_schema, task_for
from preditiva.ml.tabular.training import TabularModel, TabularPrediction, train_tabular
from preditiva.ml.tabular.validation import FrameCheck, check_rows, validate_frame

__all__ = [
    "ColumnSchema",
    "CrossValidation",
    "DatasetSchema",
    "FrameCheck",
    "TabularModel",
    "TabularPrediction",
    "algorithm_names",
    "build_pipeline",
    "check_rows",
    "get_algorithm",
    "infer_schema",
    "task_for",
    "train_tabular",
    "validate_frame",
]
