"""One renderer for structlog and standard logging: a JSON object per line, or console text."""

import json
import logging
from pathlib import Path
from typing import Any

import pytest
import structlog

from preditiva.core.logging import configure_logging, get_logger
from tests.support.backends import fast_settings

pytestmark = pytest.mark.usefixtures("restored_logging")


def configure(tmp_path: Path, log_format: str) -> None:
    configure_logging(fast_settings(tmp_path, log_format=log_format), process="x")


def json_lines(err: str) -> list[dict[str, Any]]:
    """Each stderr line parsed as JSON; fails on any line that is not one JSON object."""
    lines = err.splitlines()
    assert lines, "nothing was logged"
    parsed = [json.loads(line) for line in lines]
    assert all(isinstance(entry, dict) for entry in parsed)
    return parsed


def test_structlog_line_is_one_json_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(tmp_path, "json")

    get_logger("preditiva.test").info("priced", series_id=7)

    [entry] = json_lines(capsys.readouterr().err)
    assert entry["event"] == "priced"
    assert entry["series_id"] == 7
    assert entry["level"] == "info"
    assert entry["logger"] == "preditiva.test"
    assert entry["process"] == "x"
    assert entry["timestamp"].endswith("Z")


def test_standard_logging_line_is_one_json_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(tmp_path, "json")

    logging.getLogger("foreign").warning("disk %s full", "/var")

    [entry] = json_lines(capsys.readouterr().err)
    assert entry["event"] == "disk /var full"
    assert entry["level"] == "warning"
    assert entry["logger"] == "foreign"
    assert entry["process"] == "x"
    assert "timestamp" in entry


def test_exception_traceback_stays_inside_its_json_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(tmp_path, "json")

    try:
        raise ValueError("bad price")
    except ValueError:
        get_logger("preditiva.test").exception("failed")

    [entry] = json_lines(capsys.readouterr().err)
    assert entry["level"] == "error"
    assert "ValueError: bad price" in entry["exception"]


def test_bound_job_id_is_on_structlog_and_standard_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(tmp_path, "json")

    with structlog.contextvars.bound_contextvars(job_id="abc"):
        get_logger("preditiva.test").info("inside")
        logging.getLogger("foreign").info("inside too")
    get_logger("preditiva.test").info("outside")

    inside, inside_too, outside = json_lines(capsys.readouterr().err)
    assert inside["job_id"] == inside_too["job_id"] == "abc"
    assert "job_id" not in outside


def test_lines_below_the_configured_level_are_dropped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(fast_settings(tmp_path, log_format="json", log_level="warning"), process="x")

    get_logger("preditiva.test").info("quiet")
    logging.getLogger("foreign").info("quiet too")
    get_logger("preditiva.test").warning("loud")

    [entry] = json_lines(capsys.readouterr().err)
    assert entry["event"] == "loud"


def test_console_format_is_readable_text_not_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(tmp_path, "console")

    get_logger("preditiva.test").info("priced", series_id=7)

    [line] = capsys.readouterr().err.splitlines()
    assert "priced" in line
    assert "series_id=7" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)
