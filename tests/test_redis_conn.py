"""The embedded redis-server and connection settings."""

from __future__ import annotations

import socket
import time

import pytest
import redis

from checker.redis_conn import EmbeddedRedis, connect, redis_for


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


def test_redis_for_prefers_redis_url(redis_url, tmp_path):
    client = redis_for({"REDIS_URL": redis_url, "INSTANCE_PATH": str(tmp_path / "unused")})
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


def test_redis_for_without_url_starts_one_embedded_server_per_data_dir(tmp_path):
    from checker import redis_conn

    data_dir = tmp_path / "instance"
    first = redis_for({"INSTANCE_PATH": str(data_dir)})
    second = redis_for({"INSTANCE_PATH": str(data_dir)})
    try:
        assert first.ping() and second.ping()
        assert first.connection_pool.connection_kwargs["path"] == \
            second.connection_pool.connection_kwargs["path"]
        assert (data_dir / "redis.socket").exists()
    finally:
        first.close()
        second.close()
        with redis_conn._embedded_lock:
            server = redis_conn._embedded.pop(data_dir.resolve())
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
