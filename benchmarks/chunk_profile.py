"""Where one ``train.chunk`` job body spends its time: the body run in this process, profiled.

``profile_chunk`` deletes some series' fits from a trained version and retrains them with
``services.training.train_fits`` (what ``train.chunk`` runs) three times: a warm-up, a timed
run, and a run under cProfile. The phases are the cumulative time of the functions named in
``PHASES``, as shares of the profiled total (cProfile slows Python code more than the
compiled parts, so read shares, not seconds).
"""

import contextlib
import cProfile
import pstats
import time
import uuid
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.orm import Session

from preditiva.core.settings import Settings
from preditiva.services import training
from preditiva.storage.db.engine import get_session_factory
from preditiva.storage.db.models import ModelFit

#: (label, end of the source path, function name); indented labels are parts of the one above.
PHASES = (
    ("load observations (SQL)", "repositories/observations.py", "values_of"),
    ("rows → pandas series", "services/training.py", "_histories"),
    ("data fingerprints", "ml/training.py", "data_fingerprint"),
    ("train_series, all of it", "ml/training.py", "train_series"),
    ("  prepare_series (all calls)", "ml/preparation.py", "prepare_series"),
    (
        "  backtest: naive + theta fits/forecasts, 3 windows",
        "ml/backtest.py",
        "window_forecasts",
    ),
    ("  backtest: seasonal naive + assembling", "ml/training.py", "_backtest"),
    (
        "  backtest: scoring (every method; seasonal naive's is also above)",
        "ml/backtest.py",
        "score_runs",
    ),
    ("  final fit (naive + theta)", "ml/engines/auto.py", "fit_with_selection"),
    ("  final 30-day forecast", "ml/engines/auto.py", "_predict_values"),
    ("fit row fields (JSON)", "services/training.py", "fit_fields"),
    ("artifact: serialise (joblib)", "storage/artifacts.py", "dump_model"),
    ("artifact: write file", "storage/artifacts.py", "put"),
    ("fit rows → database", "services/training.py", "_write"),
    ("across phases: Forecaster.future_index", "ml/contract.py", "future_index"),
    ("across phases: pandas infer_freq", "pandas/tseries/frequencies.py", "infer_freq"),
    (
        "across phases: statsforecast theta optimise",
        "~",
        "<built-in method statsforecast._lib.theta.optimize>",
    ),
)
TOP_FUNCTIONS = 15


class LocalContext:
    """A job context in this process, to run a chunk's body outside a worker."""

    def __init__(self, settings: Settings) -> None:
        """A context with its own job id and the settings' database."""
        self.job_id = uuid.uuid4()
        self.attempt = 1
        self.settings = settings
        self._factory = get_session_factory(settings)

    def transaction(self) -> contextlib.AbstractContextManager[Session]:
        """A session committed when the block ends."""
        return self._factory.begin()

    def progress(self, fraction: float, message: str | None = None) -> None:
        """Ignored (a worker writes progress at most every 0.2 s)."""

    def sleep(self, seconds: float) -> None:
        """Sleep."""
        time.sleep(seconds)

    def check_cancelled(self) -> None:
        """Never cancelled."""


def profile_chunk(settings: Settings, version_id: int, series_ids: list[int]) -> str:
    """Retrain ``series_ids`` in version ``version_id`` here; a Markdown report of the phases."""
    context = LocalContext(settings)
    factory = get_session_factory(settings)

    def retrain() -> float:
        with factory.begin() as session:
            chosen = ModelFit.series_id.in_(series_ids)
            session.execute(delete(ModelFit).where(ModelFit.version_id == version_id, chosen))
        started = time.perf_counter()
        training.train_fits(context, version_id, series_ids, force=True)
        return time.perf_counter() - started

    retrain()  # warm-up: imports, caches
    plain = retrain()
    profiler = cProfile.Profile()
    profiled = profiler.runcall(retrain)
    table = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(value[3] for key, value in table.items() if key[2] == "train_fits")
    count = len(series_ids)
    lines = [
        f"One chunk of {count} series (`services.training.train_fits`, the body of "
        f"`train.chunk`) in one process: {plain:.2f} s unprofiled ({1000 * plain / count:.0f} ms "
        f"a series, {count / plain:.1f} series/s on one core); {profiled:.2f} s under cProfile. "
        "Cumulative time per phase, as a share of the profiled total:",
        "",
        "| phase | profiled s | share | calls |",
        "|---|--:|--:|--:|",
    ]
    for label, suffix, function in PHASES:
        found = [
            (value[1], value[3])
            for (path, _, name), value in table.items()
            if name == function and path.endswith(suffix)
        ]
        seconds = sum(cumulative for _, cumulative in found)
        calls = sum(calls for calls, _ in found)
        lines.append(f"| {label} | {seconds:.2f} | {seconds / total:.0%} | {calls} |")
    lines += ["", "Top functions by own time (cProfile tottime):", "", "```"]
    top = sorted(table.items(), key=lambda item: item[1][2], reverse=True)[:TOP_FUNCTIONS]
    for (path, line, name), (_, calls, own, cumulative, _) in top:
        where = "/".join(Path(path).parts[-2:])
        lines.append(
            f"{own:7.3f} s own {cumulative:7.3f} s cum {calls:7d} calls {name} ({where}:{line})"
        )
    lines.append("```")
    return "\n".join(lines)
