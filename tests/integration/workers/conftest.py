"""A running platform per back end: database, broker and one real worker process."""

from collections.abc import Iterator

import pytest

from tests.support.backends import BACKENDS
from tests.support.platforms import Platform, serving_platform


@pytest.fixture(scope="module", params=BACKENDS)
def platform(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    """One platform per back end, shared by the tests of a module."""
    home = tmp_path_factory.mktemp(request.param.replace("+", "_"))
    with serving_platform(
        request.param, home, worker_name=f"lifecycle@{request.param}"
    ) as platform:
        yield platform
