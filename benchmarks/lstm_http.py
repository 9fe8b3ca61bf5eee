"""The HTTP half of ``lstm_speed.py``: a real ``preditiva api`` answering an lstm champion.

A fresh embedded home (SQLite, filesystem store) gets the fitted forecaster as version 1 of
``msft-lstm``, promoted, the way a training job leaves it; ``preditiva api`` serves it, and
``http_load.py`` (its own process, one keep-alive connection, each request sent when the
previous answer is in) posts ``{"history": [60 prices]}`` to ``/v1/models/msft-lstm/predict``:
first a different history every time (the answer cache misses), then one history over and
over (it hits).
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import numpy.typing as npt
from http_load import Call, LoadResult  # this script's folder is on sys.path
from import_throughput import free_port, process

from preditiva.core.settings import Settings
from preditiva.ml.engines.lstm import LSTMForecaster
from preditiva.services import registry
from preditiva.storage.artifacts import get_store
from preditiva.storage.db.engine import get_session_factory
from preditiva.storage.db.migrate import upgrade

HERE = Path(__file__).resolve().parent
MODEL = "msft-lstm"
PATH = f"/v1/models/{MODEL}/predict"
START_TIMEOUT, WARMUP = 60.0, 1.0

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class HttpFigures:
    """Both load runs, how many distinct histories the first had, whether torch was loaded."""

    miss: LoadResult
    hit: LoadResult
    distinct: int
    torch_loaded: bool

    @property
    def all_distinct(self) -> bool:
        """True when the miss run sent (warm-up included) no more requests than histories."""
        return self.miss.per_second * (WARMUP + self.miss.duration) <= self.distinct


def register(home: Path, fitted: LSTMForecaster) -> dict[str, str]:
    """A migrated embedded platform under ``home`` whose champion of ``MODEL`` is ``fitted``."""
    settings = Settings(home=home)
    upgrade(settings.effective_database_url)
    with get_session_factory(settings).begin() as session:
        registry.define(
            session, name=MODEL, engine="lstm", horizon=fitted.horizon, target={"series": "MSFT"}
        )
        registry.add_version(
            session,
            get_store(settings),
            name=MODEL,
            fitted=fitted,
            data_fingerprint="msft",
            training_seconds=0.0,
        )
        registry.promote(session, MODEL, 1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREDITIVA_")}
    return env | {
        "PREDITIVA_HOME": str(home),
        "PREDITIVA_PORT": str(free_port()),
        "PREDITIVA_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def wait_up(client: httpx.Client, log_path: Path) -> None:
    """Until ``/health`` answers."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            if client.get("/health").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"api not up after {START_TIMEOUT}s; see {log_path}")


def check_answers(client: httpx.Client, fitted: LSTMForecaster, window: list[float]) -> None:
    """The API answers what the model does in process; a first request misses, a repeat hits."""
    first = client.post(PATH, json={"history": window})
    again = client.post(PATH, json={"history": window})
    if first.status_code != 200:
        raise SystemExit(f"predict: {first.status_code} {first.text}")
    assert (first.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
    served = [point["mean"] for point in first.json()["forecast"]["points"]]
    expected = fitted.predict_from_history(window).mean
    np.testing.assert_allclose(served, expected, rtol=1e-12)


def call(window: FloatArray) -> Call:
    """The predict request for one window of prices."""
    body = json.dumps({"history": [float(value) for value in window]}).encode()
    return Call("POST", PATH, body, "application/json")


def load(spec: Path, port: int, pid: int, duration: float) -> LoadResult:
    """``http_load.py`` in its own process: one connection, closed loop; its figures."""
    command = [sys.executable, str(HERE / "http_load.py"), "--spec", str(spec)]
    command += ["--port", str(port), "--connections", "1", "--watch-pid", str(pid)]
    command += ["--warmup", str(WARMUP), "--duration", str(duration)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    data = json.loads(done.stdout)
    data.pop("loop")
    return LoadResult(**data)


def serve_and_load(fitted: LSTMForecaster, windows: FloatArray, duration: float) -> HttpFigures:
    """Serve ``fitted``; load it with every window but the last (misses), then the last (hits)."""
    with tempfile.TemporaryDirectory(prefix="preditiva-lstm-bench-") as folder:
        work = Path(folder)
        env = register(work / "home", fitted)
        port = int(env["PREDITIVA_PORT"])
        with (
            process(["api"], env, work / "api.log") as pid,
            httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
        ):
            wait_up(client, work / "api.log")
            check_answers(client, fitted, [float(value) for value in windows[-1]])
            results = {}
            for case, calls in (("miss", windows[:-1]), ("hit", windows[-1:])):
                spec = work / f"{case}.json"
                spec.write_text(json.dumps([call(window).to_json() for window in calls]))
                results[case] = load(spec, port, pid, duration)
            torch_loaded = "libtorch" in Path(f"/proc/{pid}/maps").read_text()
    return HttpFigures(results["miss"], results["hit"], len(windows) - 1, torch_loaded)
