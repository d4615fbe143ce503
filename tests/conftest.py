"""Shared fixtures: a real Redis (embedded, or REDIS_URL), an app and a client.

Each test gets its own key prefix and deletes only its own keys afterwards, so tests can also
run against a shared Redis (REDIS_URL) without touching anybody else's data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from redis_keys import delete_test_keys

from checker.redis_conn import EmbeddedRedis, connect


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """REDIS_URL if set, else an embedded redis-server for the whole test session."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def key_prefix() -> str:
    return f"cctest:{uuid.uuid4().hex[:12]}:"


@pytest.fixture
def redis_client(redis_url: str, key_prefix: str) -> Iterator[redis.Redis]:
    """A client to the test Redis; deletes the test's own keys (its prefix) afterwards."""
    client = connect(redis_url)
    try:
        yield client
    finally:
        delete_test_keys(client, key_prefix)
        client.close()


@pytest.fixture
def app_config(redis_url: str, key_prefix: str, redis_client: redis.Redis, tmp_path) -> dict:
    # Depends on redis_client so that every app built from it has its keys cleaned up.
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": key_prefix,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "CLINIC_NAME": "Test Clinic",
        "EMERGENCY_NUMBER": "911",
        # Most tests post forms directly. CSRF (on by default in the app) is tested with real
        # tokens from the rendered forms in test_security*.py and test_fuzz*.py.
        "WTF_CSRF_ENABLED": False,
    }


@pytest.fixture
def app(app_config: dict, redis_client: redis.Redis) -> Flask:
    from checker.web import create_app

    return create_app(app_config)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
