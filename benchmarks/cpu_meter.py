"""CPU seconds used by some processes and by the whole machine, read from /proc (Linux).

On a shared machine wall time alone mixes the work measured with everyone else's: the CPU
seconds of the processes doing the work say what it cost, and the machine's busy seconds
beside them say how much of it others took meanwhile.
"""

import contextlib
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CpuSample:
    """Counters at one moment: the work's CPU seconds, the machine's busy and total ones."""

    wall: float
    work: float
    busy: float
    total: float


@dataclass(frozen=True)
class CpuUse:
    """What happened between two samples."""

    wall: float
    work: float
    others: float
    machine: float

    @property
    def others_share(self) -> float:
        """The share of the machine's CPU time that other processes used."""
        return self.others / self.machine if self.machine else 0.0


def children(pid: int) -> list[int]:
    """Every live descendant of ``pid``."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def tree_cpu(pids: Sequence[int]) -> float:
    """CPU seconds of ``pids`` and their live descendants, with the children they reaped."""
    seconds = 0.0
    for pid in {*pids, *(child for parent in pids for child in children(parent))}:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            seconds += sum(int(value) for value in fields[11:15]) / TICKS  # utime … cstime
    return seconds


def sample(pids: Sequence[int] = ()) -> CpuSample:
    """Now: this process (with the children it reaped) plus ``pids``' trees, and the machine."""
    times = os.times()
    own = times.user + times.system + times.children_user + times.children_system
    numbers = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    total = sum(numbers[:8]) / TICKS  # user nice system idle iowait irq softirq steal
    idle = (numbers[3] + numbers[4]) / TICKS
    return CpuSample(time.monotonic(), own + tree_cpu(pids), total - idle, total)


def between(before: CpuSample, after: CpuSample) -> CpuUse:
    """The work's CPU seconds, other processes' and the machine's, from ``before`` to ``after``."""
    work = after.work - before.work
    return CpuUse(
        wall=after.wall - before.wall,
        work=work,
        others=max(0.0, after.busy - before.busy - work),
        machine=after.total - before.total,
    )
