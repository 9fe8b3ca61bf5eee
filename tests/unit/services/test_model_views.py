"""The skill against naive in words, the same wherever a model is shown."""

import math

import pytest

from preditiva.services.model_views import skill_of, verdict


@pytest.mark.parametrize(
    ("skill", "words"),
    [
        (0.032, "3.2% better than naive (MASE)"),
        (-0.018, "loses to naive by 1.8% (MASE)"),
        (0.0, "ties with naive (MASE)"),
        (None, "no backtest: skill unknown"),
        (math.nan, "no backtest: skill unknown"),
    ],
)
def test_verdict_says_how_the_model_compares_with_naive(skill: float | None, words: str) -> None:
    assert verdict(skill) == words


def test_skill_block_reads_metrics_then_the_backtest() -> None:
    from_metrics = skill_of({"skill_vs_naive": -0.05, "beats_naive_share": 0.25})
    from_backtest = skill_of({}, {"skill_vs_naive": 0.1})

    assert (from_metrics.beats_naive, from_metrics.beats_naive_share) == (False, 0.25)
    assert (from_backtest.skill_vs_naive, from_backtest.beats_naive) == (0.1, True)
    assert skill_of({"skill_vs_naive": "n/a"}).verdict == "no backtest: skill unknown"
