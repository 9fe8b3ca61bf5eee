"""Requests per second and latency of API endpoints under load, beside a bare FastAPI app.

Cases: ``forecast``, GET /v1/series/{key}/forecast on series whose champion stored a 30-step
forecast at levels 80/95; ``predict``, POST /v1/models/{name}/predict with one Ames row,
cycling over ``--rows`` different rows (cache misses: the model runs every time), and
``predict-repeat``, the same row over and over (cache hits), both for a LightGBM regressor
of the sale price trained and promoted in-process. The script prepares a fresh SQLite home,
starts ``preditiva api`` and records the real answers once; then it starts the bare
reference under uvicorn with the same settings: ``bare_endpoint_app.py`` (FastAPI answering
the recorded bytes) or, for a case with its own ``bare`` app, that app
(``bare_predict_app.py``: FastAPI calling the same model artifact), whose answers are
recorded too. It loads both, alternating, from a second process (``http_load.py``:
keep-alive connections, each sending its next request as soon as it has the answer, or, for
a load given as ``C@R``, at a fixed rate with latency counted from when each request was
due). A case that ``resets`` gets ``POST /v1/models/reload`` (every cached answer dropped)
and one warming request before each Preditiva run, so no run is served answers cached by
the recording or an earlier run.

Adding a case: write a ``prepare`` function that creates what the endpoint needs (it gets a
``Fixture`` with the settings and a session factory, before the API starts) and returns the
``Call`` list to cycle through (method, path, body), then add it to ``CASES``.
"""

import argparse
import base64
import contextlib
import functools
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
from preditiva.ml.tabular import train_tabular
from preditiva.services import registry
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
_REGISTERED: set[Path] = set()
AMES = ROOT.parent / "shared" / "data" / "house_prices_ames.parquet"
PREDICT_MODEL, PREDICT_TARGET = "ames-price", "Sale_Price"


@dataclass(frozen=True)
class Fixture:
    """What a case's ``prepare`` gets: the database is migrated, the API not yet started."""

    settings: Settings
    factory: sessionmaker[Session]
    series: int
    horizon: int
    rows: int


@dataclass(frozen=True)
class Case:
    """One endpoint to load: its route template and how to make its calls."""

    name: str
    method: str
    template: str
    prepare: Callable[[Fixture], list[Call]]
    note: str
    #: The bare app calling the same thing, and its environment; None: replay the answers.
    bare: Callable[[Fixture], tuple[str, dict[str, str]]] | None = None
    #: Empty Preditiva's caches before each of its runs (a case about cache misses).
    resets: bool = False


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


@functools.cache
def ames_rows() -> list[dict[str, Any]]:
    """Every Ames house without its price, as a client sends it (JSON values)."""
    frame = pd.read_parquet(AMES).drop(columns=[PREDICT_TARGET])
    rows: list[dict[str, Any]] = json.loads(frame.to_json(orient="records"))
    return rows


def predict_model(fixture: Fixture) -> None:
    """Train the LightGBM regressor of the sale price on all of Ames and promote it (once)."""
    if fixture.settings.home in _REGISTERED:
        return
    _REGISTERED.add(fixture.settings.home)
    sys.path.insert(0, str(ROOT))  # the test helpers register a fitted model directly
    from tests.support.predictions import add_fitted

    started = time.perf_counter()
    fitted = train_tabular(pd.read_parquet(AMES), PREDICT_TARGET, algorithm="lightgbm")
    log(f"trained lightgbm on Ames in {time.perf_counter() - started:.1f}s")
    add_fitted(
        fixture.factory,
        fixture.settings,
        model=PREDICT_MODEL,
        fitted=fitted,
        target={"dataset": "ames"},
        task="regression",
        engine="lightgbm",
    )


def predict_call(row: dict[str, Any]) -> Call:
    """POST one row to the model's predict endpoint."""
    body = json.dumps({"rows": [row]}).encode()
    return Call("POST", f"/v1/models/{PREDICT_MODEL}/predict", body, "application/json")


def prepare_predict(fixture: Fixture) -> list[Call]:
    """The champion regressor, and one call per Ames row, ``fixture.rows`` different rows."""
    predict_model(fixture)
    rows = ames_rows()
    if fixture.rows >= len(rows):
        raise ValueError(f"--rows must be below {len(rows)} (one row is kept for warming)")
    return [predict_call(row) for row in rows[: fixture.rows]]


def prepare_predict_repeat(fixture: Fixture) -> list[Call]:
    """The champion regressor, and one call: the first Ames row, again and again."""
    predict_model(fixture)
    return [predict_call(ames_rows()[0])]


def bare_predict(fixture: Fixture) -> tuple[str, dict[str, str]]:
    """``bare_predict_app.py`` on the champion's artifact file, found from its registry row."""
    with fixture.factory() as session:
        version = registry.get_version(session, PREDICT_MODEL, registry.CHAMPION)
        uri, number = version.artifact_uri, version.version
    if uri is None or not uri.startswith("file://"):
        raise RuntimeError(f"the champion's artifact is not a local file: {uri}")
    artifact = uri.removeprefix("file://")
    env = {"BARE_ARTIFACT": artifact, "BARE_MODEL": PREDICT_MODEL, "BARE_VERSION": str(number)}
    return "bare_predict_app.py", env


PREDICT_NOTE = (
    "POST /v1/models/{name}/predict with one row (73 Ames features, ~2 kB of JSON) to the "
    "champion LightGBM regressor of the sale price (300 trees, trained on all 2,930 houses)"
)
CASES = {
    "forecast": Case(
        "forecast",
        "GET",
        "/v1/series/{key}/forecast",
        prepare_forecast,
        "GET /v1/series/{key}/forecast (no query), the stored naive forecast of the series' "
        "champion (30 steps, levels 80/95), cycling over the series",
    ),
    "predict": Case(
        "predict",
        "POST",
        "/v1/models/{name}/predict",
        prepare_predict,
        PREDICT_NOTE + ", cycling over different rows, Preditiva's caches emptied before "
        "each run (every request a miss); bare: `bare_predict_app.py` on the same artifact",
        bare=bare_predict,
        resets=True,
    ),
    "predict-repeat": Case(
        "predict-repeat",
        "POST",
        "/v1/models/{name}/predict",
        prepare_predict_repeat,
        PREDICT_NOTE + ", the same row every time (Preditiva answers from its cache); bare: "
        "`bare_predict_app.py`, which calls the model every time",
        bare=bare_predict,
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
    parser.add_argument("--rows", type=int, default=2000, help="different rows predict cycles")
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
        f"Servers: `preditiva api` (SQLite home made for the run) and the bare reference: "
        "`bare_endpoint_app.py` (FastAPI, an async handler returning the recorded bytes) or "
        "the case's own bare app, each uvicorn with 1 process, default loop/parser, no access "
        f"log, log level {args.log_level}; {placement}",
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
    """Prepare, start the servers, record, then alternate the runs; every run's row."""
    settings = Settings(home=work / "home", log_level=args.log_level)
    upgrade(settings.effective_database_url)
    factory = get_session_factory(settings)
    fixture = Fixture(settings, factory, args.series, args.horizon, args.rows)
    planned = {case.name: case.prepare(fixture) for case in cases}
    bare_apps = {case.name: case.bare(fixture) for case in cases if case.bare is not None}
    get_engine(settings).dispose()
    real_port = free_port()
    real_env = {
        "PREDITIVA_HOME": str(settings.home),
        "PREDITIVA_HOST": HOST,
        "PREDITIVA_PORT": str(real_port),
        "PREDITIVA_LOG_LEVEL": args.log_level,
    }
    real_command = pinned([str(BIN / "preditiva"), "api"], args.server_cpus)
    real_probe = f"http://{HOST}:{real_port}/health"
    with contextlib.ExitStack() as stack:
        real = stack.enter_context(
            server(real_command, real_env, work / "preditiva-api.log", real_probe)
        )
        real_base = f"http://{HOST}:{real_port}"
        specs: dict[tuple[str, str], Path] = {}
        routes = []
        for case in cases:
            calls, route = record(real_base, case, planned[case.name])
            specs[case.name, "preditiva"] = write_spec(work / f"{case.name}-preditiva.json", calls)
            if case.bare is None:
                specs[case.name, "bare"] = specs[case.name, "preditiva"]
                routes.append(route)
        servers: dict[tuple[str, str], tuple[int, int]] = {}
        replayed = [case for case in cases if case.bare is None]
        if replayed:
            recording = work / "recording.json"
            recording.write_text(json.dumps(routes))
            port = free_port()
            env = bare_env(port, args, {"BARE_RECORDING": str(recording)})
            command = [sys.executable, str(HERE / "bare_endpoint_app.py")]
            probe = f"http://{HOST}:{port}{planned[replayed[0].name][0].path}"
            bare = stack.enter_context(
                server(pinned(command, args.server_cpus), env, work / "bare.log", probe)
            )
            servers.update({(case.name, "bare"): (port, bare.pid) for case in replayed})
        started: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[int, int]] = {}
        for case in cases:
            if case.bare is None:
                continue
            script, extra = bare_apps[case.name]
            key = (script, tuple(sorted(extra.items())))
            if key not in started:
                port = free_port()
                command = [sys.executable, str(HERE / script)]
                started[key] = (port, 0)
                log_path = work / f"bare-{case.name}.log"
                process = stack.enter_context(
                    server(
                        pinned(command, args.server_cpus),
                        bare_env(port, args, extra),
                        log_path,
                        f"http://{HOST}:{port}/docs",
                    )
                )
                started[key] = (port, process.pid)
            port, pid = started[key]
            servers[case.name, "bare"] = (port, pid)
            calls, same = record_bare(f"http://{HOST}:{port}", planned[case.name], specs, case)
            log(f"{case.name}: bare answers byte-identical to Preditiva's for {same}")
            specs[case.name, "bare"] = write_spec(work / f"{case.name}-bare.json", calls)
        for case in cases:
            servers[case.name, "preditiva"] = (real_port, real.pid)
        rows = []
        for setting in loads:
            for number in range(1, args.rounds + 1):
                order = TARGETS if number % 2 else TARGETS[::-1]
                for case in cases:
                    for target in order:
                        port, pid = servers[case.name, target]
                        if case.resets and target == "preditiva":
                            reset(real_base, case)
                        now = os.getloadavg()[0]
                        log(f"{case.name} {target}: {setting}, round {number}")
                        result = load(port, specs[case.name, target], args, setting, pid)
                        rows.append(Row(case.name, *setting, number, target, now, result))
    return rows


def bare_env(port: int, args: argparse.Namespace, extra: dict[str, str]) -> dict[str, str]:
    """A bare app's environment: where to listen, the log level, and its own settings."""
    return {"BARE_HOST": HOST, "BARE_PORT": str(port), "BARE_LOG_LEVEL": args.log_level} | extra


def write_spec(path: Path, calls: list[Call]) -> Path:
    """The calls as ``http_load.py``'s spec file."""
    path.write_text(json.dumps([call.to_json() for call in calls]))
    return path


def record_bare(
    base: str, calls: list[Call], specs: dict[tuple[str, str], Path], case: Case
) -> tuple[list[Call], str]:
    """A bare app's answer to each call, and how many equal Preditiva's byte for byte."""
    checked, _ = record(base, case, calls)
    real = json.loads(specs[case.name, "preditiva"].read_text())
    same = sum(
        Call.from_json(mine).expect_body == theirs.expect_body
        for mine, theirs in zip(real, checked, strict=True)
    )
    return checked, f"{same} of {len(checked)} calls"


def reset(base: str, case: Case) -> None:
    """Drop Preditiva's cached answers and models, then load the model with a row not loaded."""
    with httpx.Client(base_url=base, timeout=60) as client:
        client.post("/v1/models/reload").raise_for_status()
        warm = predict_call(ames_rows()[-1])
        headers = {"Content-Type": "application/json"}
        response = client.post(warm.path, content=warm.body, headers=headers)
        if response.status_code != 200 or response.headers.get("X-Cache") != "miss":
            raise RuntimeError(f"{case.name}: warming request answered {response.status_code}")


if __name__ == "__main__":
    main()
