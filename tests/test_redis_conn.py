"""The embedded redis-server and connection settings."""

from __future__ import annotations

import socket
import time

import pytest
import redis

from checker.redis_conn import connect
from checker.settings import Settings
from devtools.embedded_redis import EmbeddedRedis


def test_embedded_server_starts_keeps_data_and_stops(tmp_path):
    server = EmbeddedRedis(tmp_path / "data").start()
    try:
        assert server.url.startswith("unix://") and server.owned
        client = connect(server.url)
        client.set("cctest:persist", "1")
        client.close()
    finally:
        server.stop()
    assert not server.socket_path.exists()
    server.stop()  # idempotent
    again = EmbeddedRedis(tmp_path / "data").start()
    try:
        client = connect(again.url)
        assert client.get("cctest:persist") == b"1"  # saved at shutdown, loaded at start
        client.close()
    finally:
        again.stop()


def test_second_start_attaches_instead_of_starting_another_server(tmp_path):
    first = EmbeddedRedis(tmp_path).start()
    try:
        second = EmbeddedRedis(tmp_path).start()
        assert not second.owned and second.url == first.url
        second.stop()  # not ours: must not stop the first one's server
        assert connect(first.url).ping()
    finally:
        first.stop()


def test_long_data_dir_gets_a_short_socket_path(tmp_path):
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    server = EmbeddedRedis(deep).start()
    try:
        assert len(str(server.socket_path)) < 100
        assert connect(server.url).ping()
        assert (deep / "redis.lock").exists()
    finally:
        server.stop()
    assert not server.socket_path.parent.exists()


def test_settings_prefer_redis_url(redis_url, tmp_path):
    settings = Settings.from_env({"REDIS_URL": redis_url, "SECRET_KEY": "s" * 40,
                                  "INSTANCE_PATH": str(tmp_path / "unused")})
    assert settings.redis_url == redis_url
    client = connect(settings.redis_url)
    assert client.ping()
    assert not (tmp_path / "unused").exists()
    client.close()


def test_dead_server_fails_fast():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = connect(f"redis://127.0.0.1:{port}/0")
    started = time.monotonic()
    with pytest.raises(redis.ConnectionError):
        client.ping()
    assert time.monotonic() - started < 3


def test_without_url_development_uses_the_embedded_server_under_the_instance(tmp_path):
    """`make run` starts the embedded server there; every process finds it without a URL."""
    data_dir = tmp_path / "instance"
    settings = Settings.from_env({"INSTANCE_PATH": str(data_dir)})
    server = EmbeddedRedis(data_dir).start()
    first, second = connect(settings.redis_url), connect(settings.redis_url)
    try:
        assert settings.redis_url == server.url == f"unix://{data_dir.resolve()}/redis.socket"
        assert first.ping() and second.ping()
    finally:
        first.close()
        second.close()
        server.stop()


def test_a_forked_child_does_not_stop_its_parents_server(tmp_path):
    import os

    server = EmbeddedRedis(tmp_path).start()
    try:
        pid = os.fork()
        if pid == 0:  # a gunicorn worker forked after the app (and server) started
            server.stop()
            os._exit(0)
        os.waitpid(pid, 0)
        assert connect(server.url).ping()
    finally:
        server.stop()
