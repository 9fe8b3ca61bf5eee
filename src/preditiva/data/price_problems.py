"""Row-level problems found in a price file, and the tracker of duplicate (key, ts) pairs."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

MAX_PROBLEMS = 100
NO_ROW = -1

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (row, column) and what."""

    row: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        """The problem as plain JSON-ready values."""
        return {"row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        """The problem as one readable line."""
        where = [f"row {self.row}"] if self.row is not None else []
        where += [f"column {self.column!r}"] if self.column is not None else []
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class ProblemLog:
    """The first ``limit`` problems of an import and how many there were in all."""

    limit: int = MAX_PROBLEMS
    items: list[Problem] = field(default_factory=list)
    total: int = 0

    @property
    def room(self) -> int:
        """How many more problems are kept in full."""
        return max(self.limit - len(self.items), 0)

    def add(self, problem: Problem) -> None:
        """Count a problem, keeping it while there is room."""
        self.total += 1
        if self.room:
            self.items.append(problem)


@dataclass(order=True)
class _Candidate:
    """A problem not yet described, sortable by row and by check."""

    row: int
    order: int
    column: str | None = field(compare=False)
    describe: Callable[[int], str] = field(compare=False)
    index: int = field(compare=False)


class ChunkProblems:
    """Problems of one chunk, gathered check by check, kept in row order, built lazily."""

    def __init__(self, log: ProblemLog, rows: IntArray) -> None:
        """Gather into ``log`` the problems of rows numbered ``rows``."""
        self._log = log
        self._rows = rows
        self._candidates: list[_Candidate] = []
        self._order = 0

    def add(self, mask: BoolArray, column: str | None, describe: Callable[[int], str]) -> None:
        """Count a problem for every row where ``mask`` holds; ``describe(i)`` says what."""
        self._order += 1
        count = int(np.count_nonzero(mask))
        if not count:
            return
        self._log.total += count
        room = self._log.room
        for index in np.flatnonzero(mask)[:room]:
            position = int(index)
            self._candidates.append(
                _Candidate(int(self._rows[position]), self._order, column, describe, position)
            )

    def add_one(self, row: int | None, column: str | None, message: str) -> None:
        """Count one problem that is already described."""
        self._order += 1
        self._log.total += 1
        if self._log.room:
            where = NO_ROW if row is None else row
            self._candidates.append(_Candidate(where, self._order, column, lambda _: message, 0))

    def flush(self) -> None:
        """Keep the earliest problems (by row, then by check) while the log has room."""
        self._candidates.sort()
        for candidate in self._candidates[: self._log.room]:
            row = None if candidate.row == NO_ROW else candidate.row
            message = candidate.describe(candidate.index)
            self._log.items.append(Problem(row, candidate.column, message))
        self._candidates.clear()


class DuplicateTracker:
    """Remembers every (key, ts) already accepted, in 24 bytes each, to spot repeats."""

    def __init__(self) -> None:
        """Nothing seen yet."""
        self._key_ids: dict[str, int] = {}
        self._seen = np.empty(0, dtype=np.complex128)
        self._first_rows: IntArray = np.empty(0, dtype=np.int64)

    def key_ids(self, keys: list[str]) -> IntArray:
        """Small integer ids for keys, stable for the whole file."""
        ids = [self._key_ids.setdefault(key, len(self._key_ids)) for key in keys]
        return np.asarray(ids, dtype=np.int64)

    def check(self, key_ids: IntArray, ts_us: IntArray, rows: IntArray) -> IntArray:
        """For each pair, the row that first had it (0 when new); new pairs are remembered.

        Pairs are packed as ``key_id + 1j * ts`` (exact: microseconds fit a double's 53 bits
        until year 2255), so numpy sorts and searches them without Python objects.
        """
        size = key_ids.size
        if size == 0:
            return np.zeros(0, dtype=np.int64)
        packed = key_ids.astype(np.float64) + 1j * ts_us.astype(np.float64)
        order = np.argsort(packed, kind="stable")
        ordered, ordered_rows = packed[order], rows[order]
        found = np.searchsorted(self._seen, ordered)
        clipped = np.minimum(found, max(self._seen.size - 1, 0))
        earlier = np.zeros(size, dtype=bool)
        if self._seen.size:
            earlier = (found < self._seen.size) & (self._seen[clipped] == ordered)
        repeat = np.zeros(size, dtype=bool)
        repeat[1:] = ordered[1:] == ordered[:-1]
        run_start = np.maximum.accumulate(np.where(repeat, 0, np.arange(size)))
        first = np.where(repeat, ordered_rows[run_start], 0)
        if self._seen.size:
            first = np.where(earlier, self._first_rows[clipped], first)
        fresh = ~earlier & ~repeat
        slots = found[fresh]
        self._seen = np.insert(self._seen, slots, ordered[fresh])
        self._first_rows = np.insert(self._first_rows, slots, ordered_rows[fresh])
        result = np.empty(size, dtype=np.int64)
        result[order] = first
        return result
