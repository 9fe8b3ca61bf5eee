"""Detecting a series' frequency from its timestamps."""

from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np

#: Frequency codes (pandas offset aliases) and their typical spacing in days.
FREQUENCIES: dict[str, float] = {
    "h": 1 / 24,
    "D": 1.0,
    "W": 7.0,
    "MS": 30.44,
    "QS": 91.31,
    "YS": 365.25,
}
BUSINESS_DAY = "B"
ZERO = timedelta(0)


def detect_frequency(timestamps: Sequence[datetime]) -> str | None:
    """The frequency code that best fits these timestamps, or None with fewer than 3."""
    if len(timestamps) < 3:
        return None
    naive = sorted(
        moment.replace(tzinfo=None) - (moment.utcoffset() or ZERO) for moment in timestamps
    )
    ordered = np.array(naive, dtype="datetime64[s]")
    gaps = np.diff(ordered).astype("float64") / 86_400.0
    gaps = gaps[gaps > 0]
    if gaps.size == 0:
        return None
    median = float(np.median(gaps))
    code = min(FREQUENCIES, key=lambda name: abs(np.log(FREQUENCIES[name] / median)))
    if code == "D" and _looks_like_business_days(ordered):
        return BUSINESS_DAY
    return code


def _looks_like_business_days(ordered: np.ndarray) -> bool:
    weekdays = (ordered.astype("datetime64[D]").astype("int64") + 3) % 7
    return bool(np.mean(weekdays >= 5) < 0.02) and ordered.size >= 10
