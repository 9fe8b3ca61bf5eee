"""A small HTTP/1.1 load generator: N keep-alive connections, per-request latency.

Run as its own process (``python benchmarks/http_load.py --spec FILE …``) so that the load
comes from a second process, as wrk's would: each connection sends a request, reads the whole
response, checks it against the expected status and body, and sends the next one at once
(closed loop) or, with ``--rate``, when it is due (open loop, latency counted from then).
Requests cycle through the spec's calls; connection ``i`` starts at call ``i``, or with at
least two calls per connection at call ``i * (calls // connections)``, so that connections
do not send the same calls one after another. Only the responses that finish inside the
measured window (after the warm-up) count; the figures are printed as one JSON object on
stdout. With ``--watch-pid`` the CPU seconds of that process (the server), of this one and
of the whole machine over the window are reported too.
"""

import argparse
import asyncio
import base64
import contextlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

TICKS = os.sysconf("SC_CLK_TCK")
RECONNECT_PAUSE = 0.05


@dataclass(frozen=True)
class Call:
    """One request to send and the answer it must get back."""

    method: str
    path: str
    body: bytes = b""
    content_type: str | None = None
    expect_status: int = 200
    expect_body: bytes | None = None

    def wire(self, host: str, port: int) -> bytes:
        """The request as HTTP/1.1 bytes on a keep-alive connection."""
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}:{port}"]
        if self.body or self.method in {"POST", "PUT", "PATCH"}:
            lines.append(f"Content-Length: {len(self.body)}")
        if self.content_type:
            lines.append(f"Content-Type: {self.content_type}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe form (bytes as base64) for the spec file."""
        data = asdict(self)
        for name in ("body", "expect_body"):
            if data[name] is not None:
                data[name] = base64.b64encode(data[name]).decode()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Call":
        """The inverse of ``to_json``."""
        fields = dict(data)
        for name in ("body", "expect_body"):
            if fields.get(name) is not None:
                fields[name] = base64.b64decode(fields[name])
        return cls(**fields)


@dataclass
class Tally:
    """What the connections saw in the measured window."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        """Count one failed request."""
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


@dataclass(frozen=True)
class LoadResult:
    """The figures of one run, as printed."""

    connections: int
    rate: float | None
    duration: float
    requests: int
    errors: int
    error_kinds: dict[str, int]
    per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    server_cpu_s: float | None
    client_cpu_s: float
    machine_busy_s: float
    machine_total_s: float


class ProtocolError(Exception):
    """The server answered something this client cannot read."""


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Status and body of one response framed by Content-Length (no chunked bodies)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lowered = head.lower()
    at = lowered.find(b"\r\ncontent-length:")
    if at < 0:
        raise ProtocolError("response without Content-Length")
    end = lowered.index(b"\r\n", at + 2)
    length = int(lowered[at + 17 : end])
    body = await reader.readexactly(length) if length else b""
    if b"\r\nconnection: close" in lowered:
        raise ProtocolError("server closed the connection")
    return status, body


async def connection(
    host: str,
    port: int,
    calls: list[Call],
    offset: int,
    window: tuple[float, float],
    tally: Tally,
    interval: float | None = None,
    phase: float = 0.0,
) -> None:
    """Send requests until the window ends; record those finishing inside it.

    Without ``interval`` each request follows the previous answer at once (closed loop).
    With it, request ``k`` is due ``(phase + k) * interval`` after the start and its
    latency counts from when it was due, so a server that falls behind is charged for the
    wait (no coordinated omission, as in wrk2).
    """
    wires = [call.wire(host, port) for call in calls]
    start, end = window
    index = offset
    due = time.perf_counter() + (interval or 0.0) * phase
    writer: asyncio.StreamWriter | None = None
    while time.perf_counter() < end:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            call = calls[index % len(calls)]
            if interval is not None:
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                sent, due = due, due + interval
            else:
                sent = time.perf_counter()
            writer.write(wires[index % len(calls)])
            status, body = await read_response(reader)
            done = time.perf_counter()
            index += 1
            if not start <= done <= end:
                continue
            if status != call.expect_status:
                tally.error(f"status {status}")
            elif call.expect_body is not None and body != call.expect_body:
                tally.error("unexpected body")
            else:
                tally.latencies.append(done - sent)
        except (OSError, asyncio.IncompleteReadError, ProtocolError, ValueError) as error:
            if start <= time.perf_counter() <= end:
                tally.error(type(error).__name__)
            if writer is not None:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
            writer = None
            await asyncio.sleep(RECONNECT_PAUSE)
    if writer is not None:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def machine_cpu() -> tuple[float, float]:
    """Busy and total CPU seconds of the whole machine so far (all cores)."""
    numbers = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    total = sum(numbers[:8]) / TICKS  # user nice system idle iowait irq softirq steal
    return total - (numbers[3] + numbers[4]) / TICKS, total


def percentile(ordered: list[float], share: float) -> float:
    """The ``share`` quantile of sorted values (inclusive method), in milliseconds."""
    if not ordered:
        return float("nan")
    if len(ordered) == 1:
        return ordered[0] * 1000
    cuts = statistics.quantiles(ordered, n=1000, method="inclusive")
    return cuts[round(share * 1000) - 1] * 1000


async def run(
    host: str,
    port: int,
    calls: list[Call],
    *,
    connections: int,
    warmup: float,
    duration: float,
    watch_pid: int | None,
    rate: float | None = None,
) -> LoadResult:
    """Load ``host:port`` with ``calls`` (at ``rate`` requests/s in all when given)."""
    tally = Tally()
    start = time.perf_counter() + warmup
    window = (start, start + duration)
    interval = connections / rate if rate else None
    stride = max(1, len(calls) // connections)  # many calls: connections start far apart
    tasks = [
        asyncio.create_task(
            connection(host, port, calls, i * stride, window, tally, interval, i / connections)
        )
        for i in range(connections)
    ]
    await asyncio.sleep(max(0.0, start - time.perf_counter()))
    server_before = process_cpu(watch_pid) if watch_pid else None
    client_before, machine_before = time.process_time(), machine_cpu()
    await asyncio.sleep(max(0.0, window[1] - time.perf_counter()))
    server_after = process_cpu(watch_pid) if watch_pid else None
    client_after, machine_after = time.process_time(), machine_cpu()
    await asyncio.gather(*tasks)
    ordered = sorted(tally.latencies)
    server_cpu = None
    if server_before is not None and server_after is not None:
        server_cpu = server_after - server_before
    return LoadResult(
        connections=connections,
        rate=rate,
        duration=duration,
        requests=len(ordered),
        errors=tally.errors,
        error_kinds=tally.error_kinds,
        per_second=len(ordered) / duration,
        p50_ms=percentile(ordered, 0.50),
        p90_ms=percentile(ordered, 0.90),
        p99_ms=percentile(ordered, 0.99),
        max_ms=ordered[-1] * 1000 if ordered else float("nan"),
        server_cpu_s=server_cpu,
        client_cpu_s=client_after - client_before,
        machine_busy_s=machine_after[0] - machine_before[0],
        machine_total_s=machine_after[1] - machine_before[1],
    )


def runner() -> tuple[Callable[[Coroutine[Any, Any, LoadResult]], LoadResult], str]:
    """uvloop's runner when installed (a cheaper client), else asyncio's; and its name."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run, "asyncio"
    return uvloop.run, "uvloop"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spec", type=Path, required=True, help="JSON list of calls")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rate", type=float, help="requests/s in all (open loop); none: closed")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds not measured")
    parser.add_argument("--duration", type=float, default=12.0, help="seconds measured")
    parser.add_argument("--watch-pid", type=int, help="report this process's CPU seconds")
    args = parser.parse_args()
    calls = [Call.from_json(item) for item in json.loads(args.spec.read_text())]
    run_loop, loop = runner()
    result = run_loop(
        run(
            args.host,
            args.port,
            calls,
            connections=args.connections,
            warmup=args.warmup,
            duration=args.duration,
            watch_pid=args.watch_pid,
            rate=args.rate,
        )
    )
    json.dump(asdict(result) | {"loop": loop}, sys.stdout)


if __name__ == "__main__":
    main()
