"""Requests per second and latency of API endpoints under load, beside a bare FastAPI app.

For each case (today ``forecast``: GET /v1/series/{key}/forecast on series whose champion
stored a 30-step forecast at levels 80/95) the script prepares a fresh SQLite home, starts
``preditiva api`` and records the real answers once; then it starts ``bare_endpoint_app.py``
(FastAPI answering those exact bytes) under uvicorn with the same settings, and loads both,
alternating, from a second process (``http_load.py``: keep-alive connections, each sending
its next request as soon as it has the answer, or, for a load given as ``C@R``, at a fixed
rate with latency counted from when each request was due).

Adding a case: write a ``prepare`` function that creates what the endpoint needs (it gets a
``Fixture`` with the settings and a session factory, before the API starts) and returns the
``Call`` list to cycle through (method, path, body), then add it to ``CASES``.
"""

import argparse
import base64
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
from http_load import Call, LoadResult  # this script's folder is on sys.path
from sqlalchemy.orm import Session, sessionmaker

from preditiva.core.settings import Settings
from preditiva.services import series as series_service
from preditiva.storage.db.engine import get_engine, get_session_factory
from preditiva.storage.db.migrate import upgrade
from preditiva.storage.db.repositories import observations as observations_repo

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
START_TIMEOUT, STOP_GRACE = 60.0, 10.0
TARGETS = ("preditiva", "bare")


@dataclass(frozen=True)
class Fixture:
    """What a case's ``prepare`` gets: the database is migrated, the API not yet started."""

    settings: Settings
    factory: sessionmaker[Session]
    series: int
    horizon: int


@dataclass(frozen=True)
class Case:
    """One endpoint to load: its route template and how to make its calls."""

    name: str
    method: str
    template: str
    prepare: Callable[[Fixture], list[Call]]
    note: str


@dataclass(frozen=True)
class Row:
    """One run: a target loaded by one case at one load (connections, offered rate)."""

    case: str
    connections: int
    rate: float | None
    round: int
    target: str
    load_average: float
    result: LoadResult


def prepare_forecast(fixture: Fixture) -> list[Call]:
    """Series ``bench-0…`` with a naive champion and its stored forecast; GET each one."""
    sys.path.insert(0, str(ROOT))  # the test helpers build fits straight in the database
    from tests.support.forecasts import add_version, prices

    keys = [f"bench-{number}" for number in range(fixture.series)]
    histories = {key: prices(seed, days=365) for seed, key in enumerate(keys)}
    with fixture.factory.begin() as session:
        for key, history in histories.items():
            series = series_service.create(session, key=key, tags=["bench"], frequency="D")
            stamps = pd.DatetimeIndex(history.index).tz_localize("UTC").to_pydatetime()
            rows = [
                {"series_id": series.id, "ts": ts, "source": "bench", "value": value}
                for ts, value in zip(stamps, history, strict=True)
            ]
            observations_repo.upsert(session, rows)
    for key, history in histories.items():
        add_version(
            fixture.factory,
            fixture.settings,
            model=f"naive-{key}",
            histories={key: history},
            target={"series": key},
            horizon=fixture.horizon,
        )
    return [Call("GET", f"/v1/series/{key}/forecast") for key in keys]


CASES = {
    "forecast": Case(
        "forecast",
        "GET",
        "/v1/series/{key}/forecast",
        prepare_forecast,
        "GET /v1/series/{key}/forecast (no query), the stored naive forecast of the series' "
        "champion (30 steps, levels 80/95), cycling over the series",
    ),
}


def log(message: str) -> None:
    """A progress line on stderr, so stdout stays the report."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def child_env(settings: dict[str, str]) -> dict[str, str]:
    """This environment without Preditiva or bare-app settings, plus ``settings``."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("PREDITIVA_", "BARE_"))}
    return inherited | {"PYTHONUNBUFFERED": "1"} | settings


def pinned(command: list[str], cpus: str | None) -> list[str]:
    """``command`` run on the CPUs listed (``taskset``), or as is."""
    return ["taskset", "--cpu-list", cpus, *command] if cpus else command


@contextlib.contextmanager
def server(
    command: list[str], env: dict[str, str], log_path: Path, probe: str
) -> Iterator[subprocess.Popen[bytes]]:
    """A server in its own session, ready when ``probe`` answers; stopped on exit."""
    with log_path.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=child_env(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"{command[-1]} exited; see {log_path}")
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(probe, timeout=2).status_code < 500:
                        break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{probe} not up after {START_TIMEOUT:.0f}s")
                time.sleep(0.2)
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(STOP_GRACE)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def record(base: str, case: Case, calls: list[Call]) -> tuple[list[Call], dict[str, Any]]:
    """Ask the real API each call once; the calls expecting those answers, and the route."""
    answers: dict[str, Any] = {}
    checked = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for call in calls:
            headers = {"Content-Type": call.content_type} if call.content_type else {}
            response = client.request(call.method, call.path, content=call.body, headers=headers)
            if response.status_code != 200:
                raise RuntimeError(
                    f"{call.method} {call.path}: {response.status_code} {response.text}"
                )
            answers[call.path] = {
                "status": response.status_code,
                "body": base64.b64encode(response.content).decode(),
                "media_type": response.headers["content-type"],
            }
            checked.append(
                Call(call.method, call.path, call.body, call.content_type, 200, response.content)
            )
    route = {"method": case.method, "template": case.template, "answers": answers}
    return checked, route


def load(
    port: int,
    spec: Path,
    args: argparse.Namespace,
    setting: tuple[int, float | None],
    server_pid: int,
) -> LoadResult:
    """Run ``http_load.py`` in its own process against ``port``; its figures."""
    connections, rate = setting
    command = [sys.executable, str(HERE / "http_load.py"), "--spec", str(spec)]
    command += ["--host", HOST, "--port", str(port), "--connections", str(connections)]
    command += ["--warmup", str(args.warmup), "--duration", str(args.duration)]
    command += ["--watch-pid", str(server_pid)]
    command += ["--rate", str(rate)] if rate else []
    done = subprocess.run(
        pinned(command, args.client_cpus), capture_output=True, text=True, check=True
    )
    data = json.loads(done.stdout)
    data.pop("loop")
    return LoadResult(**data)


def parse_load(text: str) -> tuple[int, float | None]:
    """``"8"`` as (8, None): closed loop; ``"8@200"`` as (8, 200.0): 200 requests/s offered."""
    connections, _, rate = text.partition("@")
    return int(connections), float(rate) if rate else None


def offered(rate: float | None) -> str:
    """The offered load as shown: ``closed`` or ``200/s``."""
    return f"{rate:g}/s" if rate else "closed"


def table(rows: list[Row]) -> str:
    """The runs as a Markdown table; ratios are Preditiva over bare in the same round."""
    lines = [
        "| case | conns | offered | round | target | load 1m | requests | req/s | p50 ms | p90 ms "
        "| p99 ms | max ms | errors | server CPU % | server CPU ms/req | client CPU % "
        "| others' CPU % "
        "| req/s ratio | p99 ratio |",
        "|---|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    bare = {(r.case, r.connections, r.rate, r.round): r.result for r in rows if r.target == "bare"}
    for row in rows:
        res = row.result
        server = res.server_cpu_s or 0.0
        others = max(0.0, res.machine_busy_s - server - res.client_cpu_s)
        ref = bare.get((row.case, row.connections, row.rate, row.round))
        cells = [row.case, str(row.connections), offered(row.rate), str(row.round), row.target]
        cells += [f"{row.load_average:.2f}"]
        cells += [str(res.requests), f"{res.per_second:.0f}", f"{res.p50_ms:.2f}"]
        cells += [f"{res.p90_ms:.2f}", f"{res.p99_ms:.2f}", f"{res.max_ms:.1f}", str(res.errors)]
        cells += [f"{100 * server / res.duration:.0f}"]
        cells += [f"{1000 * server / res.requests:.3f}" if res.requests else "—"]
        cells += [f"{100 * res.client_cpu_s / res.duration:.0f}"]
        cells += [f"{100 * others / res.machine_total_s:.0f}" if res.machine_total_s else "—"]
        if ref is None or row.target == "bare":
            cells += ["—", "—"]
        else:
            cells += [f"{res.per_second / ref.per_second:.2f}", f"{res.p99_ms / ref.p99_ms:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def verdicts(rows: list[Row], min_ratio: float, max_p99: float) -> list[str]:
    """Per case and load: median throughput ratio and Preditiva's worst p99."""
    lines = []
    keys = list(dict.fromkeys((row.case, row.connections, row.rate) for row in rows))
    for case, connections, rate in keys:
        runs = [
            row
            for row in rows
            if (row.case, row.connections, row.rate) == (case, connections, rate)
        ]
        mine = {row.round: row.result for row in runs if row.target == "preditiva"}
        bare = {row.round: row.result for row in runs if row.target == "bare"}
        ratios = [mine[n].per_second / bare[n].per_second for n in mine if n in bare]
        if not ratios:
            continue
        ratio = statistics.median(ratios)
        p99 = max(result.p99_ms for result in mine.values())
        latency = f"Preditiva p99 up to {p99:.1f} ms (target < {max_p99:.0f} ms)"
        if rate is None:
            met = ratio >= min_ratio and p99 < max_p99
            throughput = (
                f"req/s ratio {ratio:.2f} (median of {len(ratios)}; target ≥ {min_ratio:.2f})"
            )
        else:  # both should keep up with the offered rate; latency is the question
            served = min(result.per_second for result in mine.values())
            met = served >= 0.95 * rate and p99 < max_p99
            throughput = f"Preditiva served at least {served:.0f} of {rate:g} req/s offered"
        lines.append(
            f"{case}, {connections} connections, {offered(rate)}: {throughput}, {latency}: "
            + ("met" if met else "MISSED")
        )
    return lines


def main() -> None:
    """Parse the options, run every case and print the report (progress goes to stderr)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", default=",".join(CASES), help=f"of {', '.join(CASES)}")
    parser.add_argument(
        "--loads",
        default="8,32,8@200",
        help="comma-separated: C = C connections, closed loop; C@R = C connections offering "
        "R requests/s in all (open loop)",
    )
    parser.add_argument("--rounds", type=int, default=2, help="runs of each target per setting")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring")
    parser.add_argument("--duration", type=float, default=12.0, help="seconds measured per run")
    parser.add_argument("--series", type=int, default=8, help="series the forecast case cycles")
    parser.add_argument("--horizon", type=int, default=30, help="stored forecast steps")
    parser.add_argument("--log-level", default="INFO", help="both servers' (the default's INFO)")
    parser.add_argument("--server-cpus", default="0", help="taskset list for servers; '' = none")
    parser.add_argument("--client-cpus", default="1", help="taskset list for the load generator")
    parser.add_argument("--min-ratio", type=float, default=0.60, help="target req/s ratio")
    parser.add_argument("--max-p99", type=float, default=25.0, help="target p99 in ms")
    args = parser.parse_args()
    chosen = [CASES[name] for name in args.cases.split(",") if name in CASES]
    if len(chosen) != len(args.cases.split(",")):
        parser.error(f"unknown case in {args.cases!r}; known: {', '.join(CASES)}")
    args.server_cpus = args.server_cpus or None
    args.client_cpus = args.client_cpus or None
    loads = [parse_load(part) for part in args.loads.split(",")]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the clean-ups run
    started, load_at_start = datetime.now(UTC), os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="preditiva-endpoint-load-"))
    try:
        rows = bench(chosen, loads, args, work)
    except BaseException:
        log(f"failed; server logs kept in {work}")
        raise
    shutil.rmtree(work)
    git = ["git", "-C", str(ROOT), "describe", "--always", "--dirty"]
    revision = subprocess.run(git, capture_output=True, text=True).stdout.strip() or "unknown"
    machine = f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}"
    placement = (
        f"servers pinned to CPU {args.server_cpus}, load generator to CPU {args.client_cpus}"
        if args.server_cpus or args.client_cpus
        else "no pinning: servers and load generator share every CPU"
    )
    notes = [
        f"Date: {started:%Y-%m-%d %H:%M} UTC; revision {revision}",
        f"Machine: {machine}, {platform.platform()}; load average "
        + "/".join(f"{value:.2f}" for value in load_at_start)
        + " (1/5/15 min) at start",
        "Cases: " + "; ".join(f"{case.name}: {case.note}" for case in chosen),
        f"Servers: `preditiva api` (SQLite home made for the run, {args.series} series) and "
        f"`bare_endpoint_app.py` (FastAPI, an async handler returning the recorded bytes), "
        f"each uvicorn with 1 process, default loop/parser, no access log, log level "
        f"{args.log_level}; {placement}",
        f"Load: `http_load.py` in its own process over HTTP/1.1 keep-alive connections, closed "
        "loop (the next request as soon as the answer is in), or open loop at R req/s in all "
        "(`offered`; latency counted from when each request was due, as wrk2 does); "
        f"{args.warmup:g} s warm-up then {args.duration:g} s measured per run; every body "
        "checked against the recorded one (a mismatch is an error); targets alternate, the "
        "order flipping each round",
        "Columns: load 1m = 1-minute load average just before the run; server CPU % = the "
        "server process's CPU seconds / wall (100 = one core), client CPU % the same for the "
        "load generator; others' CPU % = machine busy "
        "time not used by the server or the load generator, as a share of all cores",
        "Ratios: Preditiva / bare in the same round",
    ]
    print("  \n".join(notes) + "\n\n" + table(rows) + "\n")
    print("\n".join(verdicts(rows, args.min_ratio, args.max_p99)))


def bench(
    cases: list[Case], loads: list[tuple[int, float | None]], args: argparse.Namespace, work: Path
) -> list[Row]:
    """Prepare, start both servers, record, then alternate the runs; every run's row."""
    settings = Settings(home=work / "home", log_level=args.log_level)
    upgrade(settings.effective_database_url)
    factory = get_session_factory(settings)
    fixture = Fixture(settings, factory, args.series, args.horizon)
    planned = {case.name: case.prepare(fixture) for case in cases}
    get_engine(settings).dispose()
    real_port, bare_port = free_port(), free_port()
    real_env = {
        "PREDITIVA_HOME": str(settings.home),
        "PREDITIVA_HOST": HOST,
        "PREDITIVA_PORT": str(real_port),
        "PREDITIVA_LOG_LEVEL": args.log_level,
    }
    real_command = pinned([str(BIN / "preditiva"), "api"], args.server_cpus)
    real_probe = f"http://{HOST}:{real_port}/health"
    with server(real_command, real_env, work / "preditiva-api.log", real_probe) as real:
        specs, routes = {}, []
        for case in cases:
            calls, route = record(f"http://{HOST}:{real_port}", case, planned[case.name])
            specs[case.name] = work / f"{case.name}-calls.json"
            specs[case.name].write_text(json.dumps([call.to_json() for call in calls]))
            routes.append(route)
        recording = work / "recording.json"
        recording.write_text(json.dumps(routes))
        bare_env = {
            "BARE_RECORDING": str(recording),
            "BARE_HOST": HOST,
            "BARE_PORT": str(bare_port),
            "BARE_LOG_LEVEL": args.log_level,
        }
        bare_command = pinned(
            [sys.executable, str(HERE / "bare_endpoint_app.py")], args.server_cpus
        )
        first = planned[cases[0].name][0].path
        bare_probe = f"http://{HOST}:{bare_port}{first}"
        with server(bare_command, bare_env, work / "bare.log", bare_probe) as bare:
            ports = {"preditiva": (real_port, real.pid), "bare": (bare_port, bare.pid)}
            rows = []
            for setting in loads:
                for number in range(1, args.rounds + 1):
                    order = TARGETS if number % 2 else TARGETS[::-1]
                    for case in cases:
                        for target in order:
                            port, pid = ports[target]
                            now = os.getloadavg()[0]
                            log(f"{case.name} {target}: {setting}, round {number}")
                            result = load(port, specs[case.name], args, setting, pid)
                            row = Row(case.name, *setting, number, target, now, result)
                            rows.append(row)
    return rows


if __name__ == "__main__":
    main()
