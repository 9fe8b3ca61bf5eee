"""Real API processes pick up a new champion by themselves, or at once when told to reload."""

import contextlib
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx
import pytest

from preditiva.services import series as series_service
from tests.support.backends import Backend, make_backend
from tests.support.forecasts import add_version, prices
from tests.support.processes import PreditivaProcess, wait_until


@dataclass
class Api:
    """A ``preditiva api`` process and a client of it."""

    process: PreditivaProcess
    client: httpx.Client

    def version_served(self, key: str) -> int:
        """The version that answers the series' forecast now."""
        response = self.client.get(f"/v1/series/{key}/forecast")
        assert response.status_code == 200, response.text
        version: int = response.json()["version"]
        return version


@dataclass
class Servers:
    """One back end, an API polling the registry every second, one that almost never polls."""

    backend: Backend
    polling: Api
    lazy: Api


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _start(backend: Backend, log: Path, *args: str, **env: str) -> Api:
    port = _free_port()
    variables = {**backend.env, "PREDITIVA_PORT": str(port), **env}
    process = PreditivaProcess(["api", *args], variables, log).start()
    return Api(process, httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10))


def _children(pid: int) -> list[int]:
    """The pids of the processes whose parent is ``pid`` (read from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _healthy(api: Api) -> bool:
    try:
        return api.client.get("/health").status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """Two APIs on one embedded back end: two processes polling every second, one lazy one."""
    home = tmp_path_factory.mktemp("hot-reload")
    with make_backend("embedded", home / "home") as backend:
        polling = _start(backend, home / "polling.log", "--workers", "2")
        lazy = _start(backend, home / "lazy.log", PREDITIVA_RELOAD_INTERVAL="600")
        try:
            for api in (polling, lazy):
                wait_until(partial(_healthy, api), timeout=30, what="API", log=api.process.log)
            yield Servers(backend, polling, lazy)
        finally:
            for api in (polling, lazy):
                api.client.close()
                api.process.stop()


def _served_series(servers: Servers, key: str) -> None:
    """A series with a champion version 1 of its own model."""
    with servers.backend.factory.begin() as session:
        series_service.create(session, key=key)
    add_version(
        servers.backend.factory, servers.backend.settings, model=key, histories={key: prices(1)}
    )


def _promote_version_2(servers: Servers, key: str) -> None:
    add_version(
        servers.backend.factory, servers.backend.settings, model=key, histories={key: prices(2)}
    )


def test_a_running_api_serves_a_new_champion_within_seconds(servers: Servers) -> None:
    _served_series(servers, "hot")
    assert servers.polling.version_served("hot") == 1

    _promote_version_2(servers, "hot")
    promoted = time.monotonic()
    wait_until(
        lambda: servers.polling.version_served("hot") == 2,
        timeout=10,
        what="the new champion to be served",
        log=servers.polling.process.log,
    )

    assert time.monotonic() - promoted < 3.0
    assert "registry watcher started" in servers.polling.process.log.read_text()


def test_every_process_of_a_multi_process_api_serves_the_new_champion(servers: Servers) -> None:
    assert len(_children(servers.polling.process.pid)) >= 2  # uvicorn's --workers 2
    _served_series(servers, "many")
    base = str(servers.polling.client.base_url)

    def served() -> set[int]:
        """The versions served over 20 new connections (the kernel spreads them)."""
        answers = [httpx.get(f"{base}/v1/series/many/forecast", timeout=10) for _ in range(20)]
        assert all(answer.status_code == 200 for answer in answers), answers[0].text
        return {answer.json()["version"] for answer in answers}

    assert served() == {1}
    _promote_version_2(servers, "many")
    time.sleep(3.0)  # each process polls the registry every second

    assert served() == {2}
    assert servers.polling.process.log.read_text().count("registry watcher started") == 2


def test_reload_makes_a_new_champion_served_at_once(servers: Servers) -> None:
    _served_series(servers, "cold")
    assert servers.lazy.version_served("cold") == 1
    _promote_version_2(servers, "cold")
    assert servers.lazy.version_served("cold") == 1  # cached, and no check for 600 s

    reloaded = servers.lazy.client.post("/v1/models/reload")

    assert reloaded.status_code == 200 and reloaded.json()["reloaded"] is True
    assert servers.lazy.version_served("cold") == 2
