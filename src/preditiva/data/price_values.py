"""Turning one column of a price file (text or typed) into numbers, timestamps or keys."""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

NUMBER_PATTERN = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
TS_TYPE = pa.timestamp("us", tz="UTC")
DATE_HINT = "expected ISO 8601, e.g. 2024-01-31 or 2024-01-31T16:00:00-03:00"

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class ParsedColumn:
    """Which cells of a column were filled in and which could not be read."""

    present: BoolArray
    bad: BoolArray
    raw: pa.Array

    def raw_text(self, index: int) -> str:
        """The cell as the file had it, for messages."""
        return str(self.raw[index].as_py())


@dataclass(frozen=True)
class ParsedNumbers(ParsedColumn):
    """A column read as floats (NaN where absent or unreadable)."""

    values: FloatArray


@dataclass(frozen=True)
class ParsedTimes(ParsedColumn):
    """A column read as UTC microseconds since 1970."""

    values: IntArray


def is_text(data_type: pa.DataType) -> bool:
    """Whether a column holds text (the form every CSV cell is read in)."""
    return bool(
        pa.types.is_string(data_type)
        or pa.types.is_large_string(data_type)
        or pa.types.is_string_view(data_type)
    )


def is_number_type(data_type: pa.DataType) -> bool:
    """Whether a typed (Parquet) column can be read as numbers."""
    return bool(
        is_text(data_type)
        or pa.types.is_integer(data_type)
        or pa.types.is_floating(data_type)
        or pa.types.is_decimal(data_type)
        or pa.types.is_null(data_type)
    )


def is_timestamp_type(data_type: pa.DataType) -> bool:
    """Whether a typed (Parquet) column can be read as timestamps."""
    return bool(
        is_text(data_type)
        or pa.types.is_timestamp(data_type)
        or pa.types.is_date(data_type)
        or pa.types.is_null(data_type)
    )


def is_key_type(data_type: pa.DataType) -> bool:
    """Whether a typed (Parquet) column can be read as series keys."""
    return bool(is_text(data_type) or pa.types.is_integer(data_type) or pa.types.is_null(data_type))


def plain(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous array, dictionary-decoded, text as ``string``."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if is_text(array.type) and not pa.types.is_string(array.type):
        array = array.cast(pa.string())
    return array


def _text(array: pa.Array) -> tuple[pa.Array, BoolArray]:
    """Text trimmed of spaces, and which cells are not blank."""
    trimmed = pc.utf8_trim_whitespace(array)
    present = pc.fill_null(pc.not_equal(trimmed, ""), False)
    return trimmed, present.to_numpy(zero_copy_only=False)


def blank(column: pa.Array | pa.ChunkedArray) -> BoolArray:
    """Which cells are empty (null, blank text, or NaN)."""
    array = plain(column)
    if is_text(array.type):
        return ~_text(array)[1]
    missing = pc.is_null(array, nan_is_null=True)
    return np.asarray(missing.to_numpy(zero_copy_only=False), dtype=bool)


def numbers(column: pa.Array | pa.ChunkedArray, *, decimal_comma: bool = False) -> ParsedNumbers:
    """Read a column as finite floats; empty cells are absent, anything else unreadable is bad.

    With ``decimal_comma`` (files separated by ``;``), ``1.234,5`` reads as 1234.5.
    """
    array = plain(column)
    if is_text(array.type):
        trimmed, present = _text(array)
        if decimal_comma:
            comma = pc.match_substring(trimmed, ",")
            swapped = pc.replace_substring(pc.replace_substring(trimmed, ".", ""), ",", ".")
            trimmed = pc.if_else(comma, swapped, trimmed)
        readable = pc.fill_null(pc.match_substring_regex(trimmed, NUMBER_PATTERN), False)
        kept = pc.if_else(readable, trimmed, pa.scalar(None, pa.string()))
        values = pc.cast(kept, pa.float64()).to_numpy(zero_copy_only=False)
    elif pa.types.is_null(array.type):
        values = np.full(len(array), np.nan)
        present = np.zeros(len(array), dtype=bool)
    else:
        values = pc.cast(array, pa.float64()).to_numpy(zero_copy_only=False)
        present = ~np.isnan(values)
    values = np.asarray(values, dtype=np.float64)
    bad = present & ~np.isfinite(values)
    return ParsedNumbers(values=values, present=present, bad=bad, raw=array)


def timestamps(column: pa.Array | pa.ChunkedArray) -> ParsedTimes:
    """Read a column as UTC microseconds; naive times are taken as UTC, aware ones converted."""
    array = plain(column)
    size = len(array)
    if is_text(array.type):
        trimmed, present = _text(array)
        text = trimmed.to_numpy(zero_copy_only=False)
        parsed = pd.to_datetime(
            pd.Series(np.where(present, text, None), dtype=object),
            format="ISO8601",
            utc=True,
            errors="coerce",
        )
        naive = parsed.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
        values = naive.view(np.int64)
        bad = present & np.asarray(parsed.isna(), dtype=bool)
        return ParsedTimes(values=values, present=present, bad=bad, raw=array)
    if pa.types.is_null(array.type):
        empty = np.zeros(size, dtype=bool)
        zeros = np.zeros(size, dtype=np.int64)
        return ParsedTimes(values=zeros, present=empty, bad=empty, raw=array)
    if pa.types.is_timestamp(array.type):
        array_utc = array.cast(pa.timestamp(array.type.unit, tz=array.type.tz or "UTC"))
    else:
        array_utc = array.cast(pa.timestamp("us")).cast(TS_TYPE)
    micro = pc.cast(array_utc, TS_TYPE, safe=False).cast(pa.int64())
    present = np.asarray(pc.is_valid(micro).to_numpy(zero_copy_only=False), dtype=bool)
    values = np.asarray(pc.fill_null(micro, 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    return ParsedTimes(values=values, present=present, bad=np.zeros(size, dtype=bool), raw=array)


def keys(column: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, BoolArray]:
    """Series keys as trimmed text, and which rows have one."""
    array = plain(column)
    if not is_text(array.type):
        array = array.cast(pa.string())
    return _text(array)
