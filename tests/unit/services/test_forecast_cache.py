"""The serving caches: answers dropped on a new generation, never kept across one."""

import threading

import pytest

from preditiva.services.forecast_cache import AnswerCache, RegistryWatcher
from preditiva.services.model_views import verdict as skill_verdict


def test_a_new_generation_empties_the_cache() -> None:
    cache: AnswerCache[str] = AnswerCache()
    cache.sync("g1")
    cache.put("k", "v", epoch=cache.epoch)

    assert cache.sync("g1") is False and cache.get("k") == "v"
    assert cache.sync("g2") is True and cache.get("k") is None


def test_an_answer_computed_across_a_change_is_not_kept() -> None:
    cache: AnswerCache[str] = AnswerCache()
    epoch = cache.epoch
    cache.sync("g2")  # the registry moved while the answer was being computed

    assert cache.put("k", "old", epoch=epoch) is False and cache.get("k") is None


def test_the_least_recently_used_answer_goes_first() -> None:
    cache: AnswerCache[int] = AnswerCache(maxsize=2)
    for key in ("a", "b"):
        cache.put(key, 1, epoch=cache.epoch)
    cache.get("a")
    cache.put("c", 1, epoch=cache.epoch)

    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 1)


def test_the_watcher_checks_at_once_and_keeps_going_after_errors() -> None:
    calls: list[int] = []
    done = threading.Event()

    def check() -> None:
        calls.append(1)
        if len(calls) == 3:
            done.set()
        raise RuntimeError("database down")

    watcher = RegistryWatcher(check, interval=0.01)
    watcher.start()
    try:
        assert done.wait(5)
    finally:
        watcher.stop()
    assert not watcher.alive


@pytest.mark.parametrize(
    ("skill", "words"),
    [
        (0.0321, "3.2% better than naive (MASE)"),
        (-0.018, "loses to naive by 1.8% (MASE)"),
        (0.0, "ties with naive (MASE)"),
        (None, "no backtest: skill unknown"),
        (float("nan"), "no backtest: skill unknown"),
    ],
)
def test_the_skill_verdict_in_words(skill: float | None, words: str) -> None:
    assert skill_verdict(skill) == words
