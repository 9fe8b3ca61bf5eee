"""Numbers sent by people, whatever their Python type: finite floats or nothing."""

import math
from numbers import Real


def finite_float(value: object) -> float | None:
    """``value`` as a finite float; None for non-numbers, booleans, NaN, ±inf and huge integers."""
    if isinstance(value, bool) or not isinstance(value, Real):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None
