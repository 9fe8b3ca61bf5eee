"""The API's fixtures: a client of the app built for ``db_settings``."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from preditiva.api.app import create_app
from preditiva.core.settings import Settings


@pytest.fixture
def client(db_settings: Settings) -> Iterator[TestClient]:
    """A client of the API built for ``db_settings``."""
    with TestClient(create_app(db_settings)) as client:
        yield client
