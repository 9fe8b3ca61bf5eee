"""Frequency codes, season lengths and default horizons for regular price series.

``preditiva.data.frequency`` detects a frequency from raw timestamps for the catalogue; the
layer rule forbids ``ml`` from importing ``data``, and ``ml`` works on a ``DatetimeIndex``
that pandas can often read exactly (``pd.infer_freq``), so this module re-derives the same
codes from the index and falls back to the same median-spacing rule when there are gaps.
"""

import numpy as np
import pandas as pd

#: Typical spacing in days of each base frequency code, for gapped series.
SPACING_DAYS: dict[str, float] = {
    "h": 1 / 24,
    "D": 1.0,
    "W": 7.0,
    "MS": 30.44,
    "QS": 91.31,
    "YS": 365.25,
}

#: Season length (observations per seasonal cycle) by base frequency code.
SEASON_LENGTHS: dict[str, int] = {
    "h": 24,
    "D": 7,
    "B": 5,
    "W": 52,
    "MS": 12,
    "ME": 12,
    "QS": 4,
    "QE": 4,
    "YS": 1,
    "YE": 1,
}

#: A sensible forecast horizon by base frequency code (two weeks of days, a year of months).
DEFAULT_HORIZONS: dict[str, int] = {
    "h": 24,
    "D": 14,
    "B": 10,
    "W": 13,
    "MS": 12,
    "ME": 12,
    "QS": 4,
    "QE": 4,
    "YS": 3,
    "YE": 3,
}

#: Old or alternative pandas aliases mapped to the codes above.
ALIASES: dict[str, str] = {
    "H": "h",
    "M": "ME",
    "Q": "QE",
    "A": "YE",
    "Y": "YE",
    "AS": "YS",
    "BA": "YE",
    "AS-JAN": "YS",
    "YS-JAN": "YS",
    "YE-DEC": "YE",
    "QS-JAN": "QS",
    "QE-DEC": "QE",
    "W-SUN": "W",
    "1D": "D",
}

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


def normalise_frequency(freq: str) -> str:
    """The canonical spelling of a frequency code (``"M"`` → ``"ME"``, ``"W-SUN"`` → ``"W"``)."""
    code = freq.strip()
    code = ALIASES.get(code, ALIASES.get(code.upper(), code))
    base, _, anchor = code.partition("-")
    base = ALIASES.get(base, base)
    if anchor in MONTHS and base in ("QS", "QE"):
        # quarters anchored on any month of the same cycle are one grid: QS-OCT is QS-JAN
        residue = MONTHS.index(anchor) % 3
        anchor = MONTHS[residue] if base == "QS" else MONTHS[residue + 9]
    if anchor:
        return ALIASES.get(f"{base}-{anchor}", f"{base}-{anchor}")
    return base


def base_frequency(freq: str) -> str:
    """The frequency code without its anchor (``"W-WED"`` → ``"W"``, ``"QS-OCT"`` → ``"QS"``)."""
    return normalise_frequency(freq).partition("-")[0]


def season_length_for(freq: str) -> int:
    """Observations per seasonal cycle for this frequency; 1 when it has no usual season."""
    return SEASON_LENGTHS.get(base_frequency(freq), 1)


def default_horizon_for(freq: str) -> int:
    """A sensible forecast horizon for this frequency (used when none is given)."""
    return DEFAULT_HORIZONS.get(base_frequency(freq), 10)


def infer_frequency(index: pd.DatetimeIndex) -> str | None:
    """The frequency code of a sorted, unique index, or None with fewer than 3 timestamps."""
    if len(index) < 3:
        return None
    if index.freq is not None:
        return normalise_frequency(index.freq.freqstr)
    exact = pd.infer_freq(index)
    if exact is not None:
        return normalise_frequency(exact)
    return _frequency_from_spacing(index)


def _frequency_from_spacing(index: pd.DatetimeIndex) -> str:
    """The nearest code to the median spacing, anchored like the timestamps."""
    gaps = np.diff(index.asi8).astype("float64") / 86_400e9
    median = float(np.median(gaps[gaps > 0])) if np.any(gaps > 0) else 1.0
    code = min(SPACING_DAYS, key=lambda name: abs(np.log(SPACING_DAYS[name] / median)))
    if code == "D" and _looks_like_business_days(index):
        return "B"
    if code == "W":
        weekday = int(pd.Series(index.dayofweek).mode().iloc[0])
        return normalise_frequency(f"W-{WEEKDAYS[weekday]}")
    if code == "MS" and bool(np.all(index.is_month_end)) and not bool(np.all(index.day == 1)):
        return "ME"
    if code in ("QS", "YS"):
        first_month = int(index[0].month)
        anchor = MONTHS[(first_month - 1) % 3] if code == "QS" else MONTHS[first_month - 1]
        return normalise_frequency(f"{code}-{anchor}")
    return code


def _looks_like_business_days(index: pd.DatetimeIndex) -> bool:
    """True when (almost) no timestamp falls on a weekend."""
    weekend_share = float(np.mean(index.dayofweek >= 5))
    return weekend_share < 0.02 and len(index) >= 10
