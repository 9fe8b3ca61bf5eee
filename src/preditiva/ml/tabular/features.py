"""Pipeline steps that turn raw columns into model inputs, so a saved model takes raw rows.

``TabularFeatures`` comes first in every pipeline: numbers as float64 (infinities made
missing), each date split into ``DATE_PARTS`` (``sold_on␟year``, …), categories as text.
``CategoryCodes`` follows it for LightGBM: pandas categoricals with the levels seen in
training (an unseen level is missing), columns renamed ``f0, f1, …`` because LightGBM refuses
some characters in feature names. A frame of a few rows (a prediction request's) is read in
blocks rather than column by column (``small_frames``), to the same values.
"""

from collections.abc import Mapping, Sequence
from typing import Any, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from preditiva.ml.tabular.schema import DatasetSchema
from preditiva.ml.tabular.small_frames import (
    FeatureBlocks,
    FloatArray,
    feature_blocks,
    is_small,
    lightgbm_matrix,
    record_blocks,
)
from preditiva.ml.tabular.values import (
    DATE_PARTS,
    PART_SEPARATOR,
    date_parts,
    to_dates,
    to_labels,
    to_numbers,
)

ObjectArray = npt.NDArray[np.object_]


def numeric_outputs(schema: DatasetSchema) -> list[str]:
    """The float columns ``TabularFeatures`` makes: numeric features, then date parts."""
    parts = [f"{name}{PART_SEPARATOR}{part}" for name in schema.dates for part in DATE_PARTS]
    return [*schema.numeric, *parts]


def categorical_outputs(schema: DatasetSchema) -> list[str]:
    """The text columns ``TabularFeatures`` makes: the categorical features."""
    return list(schema.categorical)


def one_hot_name(feature: str, category: Any) -> str:
    """A one-hot column's name: the feature, the separator, the category."""
    return f"{feature}{PART_SEPARATOR}{category}"


def source_column(feature_name: str) -> str:
    """The input column a model feature comes from (the part before the separator)."""
    return feature_name.split(PART_SEPARATOR, 1)[0]


class TabularFeatures(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Raw columns in; numbers as float64, each date as its parts, categories as text out."""

    def __init__(
        self,
        numeric: tuple[str, ...] = (),
        categorical: tuple[str, ...] = (),
        dates: tuple[str, ...] = (),
    ) -> None:
        """The input columns of each kind."""
        self.numeric = numeric
        self.categorical = categorical
        self.dates = dates

    @classmethod
    def for_schema(cls, schema: DatasetSchema) -> "TabularFeatures":
        """The step for a dataset schema's features."""
        return cls(numeric=schema.numeric, categorical=schema.categorical, dates=schema.dates)

    def fit(self, frame: pd.DataFrame, y: Any = None) -> Self:
        """Remember the output column names; nothing is learnt."""
        self.columns_ = [
            *self.numeric,
            *(f"{name}{PART_SEPARATOR}{part}" for name in self.dates for part in DATE_PARTS),
            *self.categorical,
        ]
        return self

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The model-ready columns, in ``columns_`` order, on the same index."""
        if is_small(frame):
            return self.blocks(frame).frame(frame.index)
        columns: dict[str, Any] = {}
        for name in self.numeric:
            numbers = to_numbers(frame[name])
            columns[name] = numbers.where(np.isfinite(numbers))
        for name in self.dates:
            for part, values in date_parts(to_dates(frame[name])).items():
                columns[f"{name}{PART_SEPARATOR}{part}"] = values
        for name in self.categorical:
            columns[name] = to_labels(frame[name])
        return pd.DataFrame(columns, index=frame.index)

    def blocks(self, frame: pd.DataFrame) -> FeatureBlocks:
        """``transform``'s values of a small frame as two blocks: numbers and labels."""
        return feature_blocks(frame, self.numeric, self.categorical, self.dates)

    def record_blocks(self, records: Sequence[Mapping[str, Any]]) -> FeatureBlocks:
        """``blocks`` of ``check_rows``' typed frame of a few checked request rows."""
        return record_blocks(records, self.numeric, self.categorical, self.dates)

    def get_feature_names_out(self, input_features: Any = None) -> ObjectArray:
        """The output column names."""
        return np.asarray(self.columns_, dtype=object)


class CategoryCodes(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """LightGBM inputs: categories as pandas categoricals of the training levels, ``f<i>`` names."""

    def __init__(self, categorical: tuple[str, ...] = ()) -> None:
        """The columns to make categorical; the others pass through as numbers."""
        self.categorical = categorical

    def fit(self, frame: pd.DataFrame, y: Any = None) -> Self:
        """Remember the input columns and each categorical column's levels (sorted)."""
        self.input_columns_ = [str(name) for name in frame.columns]
        self.levels_ = {
            name: sorted(str(level) for level in frame[name].dropna().unique())
            for name in self.categorical
        }
        return self

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Columns renamed ``f0, f1, …``; categorical ones coded with the training levels."""
        columns: dict[str, Any] = {}
        for position, name in enumerate(self.input_columns_):
            values = frame[name]
            if name in self.levels_:
                values = pd.Series(
                    pd.Categorical(values, categories=self.levels_[name]), index=frame.index
                )
            columns[f"f{position}"] = values
        return pd.DataFrame(columns, index=frame.index)

    def matrix(self, blocks: FeatureBlocks) -> FloatArray:
        """``transform`` of ``TabularFeatures``' blocks as the float64 matrix LightGBM reads."""
        return lightgbm_matrix(blocks, self.input_columns_, self.levels_)

    def get_feature_names_out(self, input_features: Any = None) -> ObjectArray:
        """The output column names, ``f0, f1, …``."""
        return np.asarray([f"f{i}" for i in range(len(self.input_columns_))], dtype=object)
