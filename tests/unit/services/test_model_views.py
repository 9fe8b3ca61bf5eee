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


@pytest.mark.parametrize(
    ("metrics", "words"),
    [
        (
            {
                "skill_vs_baseline": 0.7,
                "baseline_kind": "mean",
                "skill_metric": "rmse",
                "cv": {"r2": 0.912, "rmse": 21000.0},
            },
            "R² 0.91; RMSE 70.0% better than the mean baseline",
        ),
        (
            {
                "skill_vs_baseline": -0.05,
                "baseline_kind": "majority",
                "skill_metric": "log_loss",
                "cv": {"accuracy": 0.874},
            },
            "accuracy 0.87; log loss 5.0% worse than the majority-class baseline",
        ),
        (
            {
                "skill_vs_baseline": 0.021,
                "baseline_kind": "naive",
                "skill_metric": "mae",
                "cv": {"mae": 1.5},
            },
            "MAE 2.1% better than the naive baseline (last value)",
        ),
        (
            {"skill_vs_baseline": None, "baseline_kind": "base_rate", "skill_metric": "log_loss"},
            "no backtest: skill unknown",
        ),
    ],
)
def test_models_with_a_baseline_of_their_own_are_judged_against_it(
    metrics: dict[str, object], words: str
) -> None:
    skill = skill_of(metrics)

    assert skill.verdict == words
    assert skill.baseline == metrics["baseline_kind"]
    assert skill.skill_vs_naive == metrics["skill_vs_baseline"]
    if skill.skill_vs_naive is None:
        assert skill.beats_naive is None
    else:
        assert skill.beats_naive is ("better" in words)
