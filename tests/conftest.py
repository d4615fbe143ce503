"""Shared fixtures: a real Redis (embedded, or REDIS_URL), the app in its test, deployed,
two-location and SMS forms, the fake Twilio and an injected clock.

Each test gets its own key prefix and deletes only its own keys afterwards, so tests can also
run against a shared Redis (REDIS_URL) without touching anybody else's data. Helpers that are
not fixtures live in plain modules beside this one (flows, browserlike, sms_support, ...).
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from browserlike import deployed_app
from fake_twilio import FakeTwilio, start_fake_twilio
from flask import Flask
from flask.testing import FlaskClient
from redis_keys import delete_sms_keys, delete_test_keys
from sms_support import NY, STAFF, Clock
from staff_support import PUBLIC_BASE_URL, TWO_LOCATIONS

from checker.redis_conn import connect
from devtools.embedded_redis import EmbeddedRedis


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


@pytest.fixture
def staff_app(app_config: dict, redis_client: redis.Redis, tmp_path: Path) -> Flask:
    """The real app with two locations (staff_support.TWO_LOCATIONS) and a public address."""
    from checker.web import create_app

    path = tmp_path / "locations.toml"
    path.write_text(TWO_LOCATIONS, encoding="utf-8")
    return create_app({**app_config, "CLOTCHECK_LOCATIONS": str(path),
                       "PUBLIC_BASE_URL": PUBLIC_BASE_URL})


@pytest.fixture
def deployed(app_config: dict, redis_url: str, key_prefix: str, redis_client) -> Iterator[Flask]:
    """The app as deployed: CSRF on, explicit encryption keys, Twilio's token."""
    app = deployed_app(app_config)
    yield app
    delete_sms_keys(redis_url, key_prefix)


@pytest.fixture
def clock() -> Clock:
    # A Tuesday, 15:00 in New York (EDT, UTC-4).
    return Clock(datetime(2031, 6, 10, 19, 0, tzinfo=UTC))


@pytest.fixture
def sms_app(app_config, redis_url, key_prefix, redis_client, clock) -> Iterator[Flask]:
    """The app with a staff alert number, New York time and the injected clock."""
    from checker.web import create_app

    app = create_app({**app_config, "STAFF_ALERT_NUMBERS": STAFF, "CLINIC_TIMEZONE": NY,
                      "PUBLIC_BASE_URL": "https://clinic.example",
                      "TWILIO_AUTH_TOKEN": "t" * 32}, clock=clock)
    yield app
    delete_sms_keys(redis_url, key_prefix)


@pytest.fixture
def web(sms_app: Flask) -> FlaskClient:
    return sms_app.test_client()


@pytest.fixture
def sms_prefix(redis_url: str) -> Iterator[str]:
    """A unique key prefix; every key under it and its RQ keys are deleted afterwards."""
    prefix = f"test-sms-{secrets.token_hex(4)}:"
    yield prefix
    delete_sms_keys(redis_url, prefix)


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    fake = start_fake_twilio()
    yield fake
    fake.hold_released.set()
    assert fake.server is not None
    fake.server.shutdown()
    fake.server.server_close()
