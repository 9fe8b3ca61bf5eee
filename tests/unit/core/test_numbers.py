"""Numbers sent by people read as finite floats, or refused."""

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from preditiva.core.numbers import finite_float


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3, 3.0), (2.5, 2.5), (np.float32(1.5), 1.5), (Fraction(1, 4), 0.25), (-(10**20), -1e20)],
)
def test_real_numbers_are_read_as_floats(value: object, expected: float) -> None:
    assert finite_float(value) == expected


@pytest.mark.parametrize(
    "value",
    [10**400, -(10**400), float("inf"), float("nan"), True, "3", None, [1.0], Decimal("1")],
)
def test_anything_else_is_none(value: object) -> None:
    assert finite_float(value) is None
