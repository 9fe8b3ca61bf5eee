"""``preditiva datasets`` and ``models define --task --dataset`` through Typer's runner."""

from pathlib import Path

from tests.support.backends import Backend
from tests.support.cli import Invoke
from tests.unit.cli.test_models_cli import jobs_run_in_process

ROWS = [f"{50 + i},{'flat' if i % 2 else 'house'},{100 + 3 * i}.5" for i in range(30)]
HOMES = "size,kind,price\n" + "\n".join(ROWS) + "\n"


def _file(tmp_path: Path, text: str = HOMES) -> str:
    path = tmp_path / "homes.csv"
    path.write_text(text)
    return str(path)


def test_upload_prints_the_version_its_columns_and_problems(cli: Invoke, tmp_path: Path) -> None:
    result = cli(
        "datasets",
        "upload",
        _file(tmp_path, HOMES + "70,flat,lots\n"),
        "--name",
        "homes",
        "--target",
        "price",
    )

    assert result.exit_code == 0, result.output
    assert "homes v1: regression on price, from homes.csv (csv)" in result.output
    assert "rows stored" in result.output and "30" in result.output
    assert "expected a number, got text 'lots'" in result.output
    assert "kind" in result.output and "categorical" in result.output


def test_strict_upload_of_a_file_with_problems_exits_2(cli: Invoke, tmp_path: Path) -> None:
    path = _file(tmp_path, HOMES + "70,flat,lots\n")

    result = cli("datasets", "upload", path, "--name", "homes", "--target", "price", "--strict")

    assert result.exit_code == 2
    assert "strict mode: 1 problem(s) in homes.csv" in result.output
    assert "32" in result.output and "expected a number, got text 'lots'" in result.output
    assert "homes" not in cli("datasets", "list").output


def test_list_and_show_give_the_latest_version_or_the_one_asked(
    cli: Invoke, tmp_path: Path
) -> None:
    path = _file(tmp_path)
    for _ in range(2):
        assert (
            cli("datasets", "upload", path, "--name", "homes", "--target", "price").exit_code == 0
        )

    listing = cli("datasets", "list")
    first = cli("datasets", "show", "homes", "--version", "1")
    missing = cli("datasets", "show", "nobody")

    assert listing.exit_code == 0 and "homes" in listing.output and "v2" in listing.output
    assert first.exit_code == 0 and "homes v1" in first.output
    assert missing.exit_code == 3 and "no dataset 'nobody'" in missing.output


def test_models_define_takes_a_task_and_a_dataset(cli: Invoke, tmp_path: Path) -> None:
    assert (
        cli("datasets", "upload", _file(tmp_path), "--name", "homes", "--target", "price").exit_code
        == 0
    )

    defined = cli(
        "models",
        "define",
        "homes-linear",
        "--task",
        "regression",
        "--engine",
        "linear",
        "--dataset",
        "homes",
        "-p",
        "cv_folds=3",
    )
    shown = cli("models", "show", "homes-linear")
    refused = cli("models", "define", "other", "--task", "regression", "--dataset", "nowhere")

    assert defined.exit_code == 0, defined.output
    assert "defined model homes-linear (regression, linear, dataset homes)" in defined.output
    assert "regression" in shown.output and "dataset homes" in shown.output
    assert refused.exit_code == 2 and "no dataset 'nowhere'" in refused.output


def test_train_prints_the_skill_against_the_baseline(
    cli: Invoke, platform: Backend, tmp_path: Path
) -> None:
    cli("datasets", "upload", _file(tmp_path), "--name", "homes", "--target", "price")
    cli(
        "models",
        "define",
        "homes-linear",
        "--task",
        "regression",
        "--engine",
        "linear",
        "--dataset",
        "homes",
        "-p",
        "cv_folds=3",
    )

    with jobs_run_in_process(platform):
        result = cli("train", "homes-linear", "--timeout", "60")

    assert result.exit_code == 0, result.output
    assert "homes-linear v1 is ready and promoted to champion" in result.output
    assert "skill: R² " in result.output and "than the mean baseline" in result.output
