"""Rolling-origin window arithmetic: which points each backtest window trains and tests on.

With ``n`` observations, horizon ``h``, ``n_windows`` windows and ``step`` (default ``h``),
the last window tests on the final ``h`` points and each earlier window ends ``step`` points
before the next. Window ``k`` (0 = earliest) tests on positions
``[n - (n_windows - 1 - k) * step - h, n - (n_windows - 1 - k) * step)`` and trains on every
position before that: an expanding window, so the origin rolls forward and no window ever
sees its own future.
"""

from dataclasses import dataclass

from preditiva.core.errors import SeriesTooShortError


@dataclass(frozen=True)
class Window:
    """Positions of one backtest window: train on ``[0, train_end)``, test on the next ``h``."""

    number: int
    train_end: int
    test_end: int

    @property
    def test_start(self) -> int:
        """First test position (the training part ends just before it)."""
        return self.train_end

    @property
    def horizon(self) -> int:
        """Number of test points."""
        return self.test_end - self.train_end


def rolling_windows(
    n: int, *, h: int, n_windows: int, step: int | None = None, min_train: int = 1
) -> list[Window]:
    """The ``n_windows`` windows over ``n`` points, earliest first; too short → with a reason."""
    if h < 1 or n_windows < 1:
        raise ValueError(f"h and n_windows must be at least 1, got h={h}, n_windows={n_windows}")
    stride = h if step is None else step
    if stride < 1:
        raise ValueError(f"step must be at least 1, got {stride}")
    required = min_train + h + (n_windows - 1) * stride
    if n < required:
        raise SeriesTooShortError(
            f"a backtest of {n_windows} window(s) of {h} steps every {stride} needs "
            f"{required} observations ({min_train} to train the first window); "
            f"the series has {n}",
            length=n,
            required=required,
        )
    windows = []
    for number in range(n_windows):
        test_end = n - (n_windows - 1 - number) * stride
        windows.append(Window(number=number, train_end=test_end - h, test_end=test_end))
    return windows
