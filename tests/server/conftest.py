"""Fixtures of the server tests: an in-process app on the test database, through TestClient.

Modules that need a variant (a data folder of their own, generous rate limits) define their own
``client``, which takes precedence over this one.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sync_server.app import create_app


@pytest.fixture
def client(engine: Engine) -> TestClient:
    return TestClient(create_app(engine))
