"""In-process caches of the serving path: resolved answers, verified models, and their watcher.

``AnswerCache`` keeps finished answers (any value, e.g. encoded JSON) keyed by the request,
for one registry *generation*: when the generation changes (an alias moved, a version was
added, finished or archived) every answer is dropped. Each answer is stored with the cache
*epoch* read before it was computed, so an answer computed across a change is never kept.
``ModelCache`` keeps fitted models by the SHA-256 of their artifact: the hash names the
content, so an entry never goes stale, and the artifact is verified before it is unpickled.
``RegistryWatcher`` is a daemon thread that reads the generation every ``interval`` seconds.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from preditiva.core.logging import get_logger
from preditiva.ml.contract import Forecaster
from preditiva.storage.artifacts import ArtifactStore

log = get_logger(__name__)
V = TypeVar("V")


class AnswerCache(Generic[V]):
    """A bounded LRU of answers, emptied whenever the registry generation changes."""

    def __init__(self, maxsize: int = 4096) -> None:
        """Keep at most ``maxsize`` answers."""
        self.maxsize = maxsize
        self.generation: str | None = None
        self.epoch = 0
        self.checked_at = 0.0
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """Number of answers kept."""
        return len(self._items)

    def get(self, key: Hashable) -> V | None:
        """The answer kept for ``key``, marked as recently used."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V, *, epoch: int) -> bool:
        """Keep ``value`` unless the cache was emptied since ``epoch`` was read."""
        with self._lock:
            if epoch != self.epoch:
                return False
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)
            return True

    def sync(self, generation: str) -> bool:
        """Record a generation just read; empty the cache if it differs. True when emptied."""
        with self._lock:
            self.checked_at = time.monotonic()
            if generation == self.generation:
                return False
            self._clear(generation)
            return True

    def clear(self, generation: str | None = None) -> None:
        """Drop every answer (and remember ``generation`` when given)."""
        with self._lock:
            self._clear(generation)

    def _clear(self, generation: str | None) -> None:
        self._items.clear()
        self.epoch += 1
        if generation is not None:
            self.generation = generation
            self.checked_at = time.monotonic()

    def stale(self, max_age: float) -> bool:
        """True when the generation was not read in the last ``max_age`` seconds."""
        return time.monotonic() - self.checked_at > max_age


class ModelCache:
    """Fitted models by artifact SHA-256, verified before unpickling, least recently used out."""

    def __init__(self, store: ArtifactStore, maxsize: int = 32) -> None:
        """Load from ``store``; keep at most ``maxsize`` models."""
        self.store = store
        self.maxsize = maxsize
        self._items: OrderedDict[str, Forecaster] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """Number of models kept."""
        return len(self._items)

    def load(self, uri: str, sha256: str) -> Forecaster:
        """The model at ``uri``; a mismatching hash raises ``ArtifactIntegrityError``."""
        key = sha256.lower()
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        model: Forecaster = self.store.load_model(uri, sha256)
        with self._lock:
            self._items[key] = model
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)
        return model

    def peek(self, sha256: str) -> Forecaster | None:
        """The loaded model of this artifact, or None; the store is never read."""
        return self._items.get(sha256.lower())

    def clear(self) -> None:
        """Forget every model."""
        with self._lock:
            self._items.clear()


class RegistryWatcher:
    """A daemon thread calling ``check`` every ``interval`` seconds until stopped."""

    def __init__(self, check: Callable[[], object], interval: float) -> None:
        """``check`` reads the generation and syncs the caches; errors are logged, not raised."""
        self.check = check
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def alive(self) -> bool:
        """True while the thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread (once)."""
        if self.alive:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="registry-watcher", daemon=True)
        self._thread.start()
        log.info("registry watcher started", interval=self.interval)

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to end and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        failing = False
        while True:
            try:
                self.check()
            except Exception as error:  # a database blip must not end the watcher
                if not failing:  # once per outage, not once per interval
                    log.warning(
                        "registry generation check failing",
                        error=f"{type(error).__name__}: {error}",
                    )
                failing = True
            else:
                if failing:
                    log.info("registry generation check works again")
                failing = False
            if self._stop.wait(self.interval):
                return
