"""Run the whole product on one machine: `python -m checker.serve` (what `make run` does).

Starts an embedded Redis when REDIS_URL is unset, then every process in the Procfile (as a
platform such as Heroku would), prefixes their output with the process name, and stops them
all - then Redis - on Ctrl-C, SIGTERM, or as soon as one of them exits.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PORT = "8000"
STOP_GRACE_SECONDS = 10.0
_PROCFILE_LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")


@dataclass(frozen=True)
class ProcessType:
    name: str
    command: str


def parse_procfile(text: str) -> list[ProcessType]:
    """Procfile lines `name: command`; blank lines and `#` comments are skipped."""
    types: list[ProcessType] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _PROCFILE_LINE.match(line)
        if not match:
            raise ValueError(f"Procfile line {number} is not `name: command`: {raw!r}")
        types.append(ProcessType(match.group(1), match.group(2)))
    if len({t.name for t in types}) != len(types):
        raise ValueError("Procfile names a process type twice")
    return types


class Child:
    """One Procfile process, in its own process group so the whole tree can be stopped."""

    def __init__(self, kind: ProcessType, env: Mapping[str, str], cwd: Path, width: int):
        self.kind = kind
        self.popen = subprocess.Popen(
            kind.command,
            shell=True,
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._prefix = f"{kind.name:<{width}} | "
        self.reader = threading.Thread(target=self._copy_output, daemon=True)
        self.reader.start()

    def _copy_output(self) -> None:
        assert self.popen.stdout is not None
        for raw in iter(self.popen.stdout.readline, b""):
            say(self._prefix + raw.decode("utf-8", "replace").rstrip("\n"))

    def signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass  # already gone

    def group_alive(self) -> bool:
        """True while any process of the group (shell, gunicorn master or a worker) remains."""
        try:
            os.killpg(self.popen.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


_print_lock = threading.Lock()


def say(line: str) -> None:
    with _print_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def stop_all(children: list[Child], grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM every group, wait up to `grace` seconds, then SIGKILL what is left."""
    for child in children:
        child.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children:
        try:
            child.popen.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    # The group leader may be gone while workers linger: wait for the whole group.
    while any(c.group_alive() for c in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    for child in children:
        if child.group_alive():
            say(f"serve | {child.kind.name} did not stop in {grace:.0f} s; killing it")
            child.signal_group(signal.SIGKILL)
        if child.popen.poll() is None:
            child.popen.wait()
        child.reader.join(timeout=2)


@contextmanager
def redis_url(env: dict[str, str], instance_path: Path) -> Iterator[str]:
    """Yield REDIS_URL: the configured one, else an embedded server's, stopped on exit."""
    if env.get("REDIS_URL"):
        yield env["REDIS_URL"]
        return
    from checker.redis_conn import EmbeddedRedis  # only needed without a real Redis

    embedded = EmbeddedRedis(instance_path).start()
    say(f"serve | started embedded Redis at {embedded.url} (data in {instance_path})")
    try:
        yield embedded.url
    finally:
        embedded.stop()
        say("serve | embedded Redis stopped")


def with_scripts_dir(path: str) -> str:
    """PATH with this interpreter's bin directory first, so `gunicorn` / `rq` in the Procfile are
    the virtualenv's even when it is not activated (`make run` calls .venv/bin/python)."""
    scripts = os.path.dirname(sys.executable)  # not resolved: a venv's python is a symlink
    parts = [p for p in path.split(os.pathsep) if p and p != scripts]
    return os.pathsep.join([scripts, *parts])


def ensure_secret_key(env: dict[str, str], instance_path: Path) -> None:
    """All web workers must sign sessions/CSRF tokens with one key: keep one under instance/."""
    if env.get("SECRET_KEY"):
        return
    path = instance_path / "secret_key"
    instance_path.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    env["SECRET_KEY"] = path.read_text().strip()


def wait_until_up(url: str, stop: threading.Event, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        stop.wait(0.1)
    return False


def lan_address() -> str | None:
    """This machine's address on the local network, for phones at reception (no packet sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: connect() on UDP only picks a route
            address = probe.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


def announce(port: str, stop: threading.Event) -> None:
    if wait_until_up(f"http://127.0.0.1:{port}/healthz", stop):
        say(f"serve | ClotCheck is running: open http://127.0.0.1:{port}/")
        address = lan_address()
        if address:
            say(f"serve | phones on this network: http://{address}:{port}/")
        say("serve | press Ctrl-C to stop")


def run(procfile: Path, env: dict[str, str]) -> int:
    kinds = parse_procfile(procfile.read_text())
    if not kinds:
        raise SystemExit(f"{procfile} lists no processes")
    env.setdefault("PORT", DEFAULT_PORT)
    env.setdefault("PYTHONUNBUFFERED", "1")  # children's output shows up as it happens
    env["PATH"] = with_scripts_dir(env.get("PATH", ""))
    instance_path = Path(env.get("INSTANCE_PATH") or ROOT / "instance").resolve()
    env["INSTANCE_PATH"] = str(instance_path)
    ensure_secret_key(env, instance_path)

    stop = threading.Event()
    stopped_by: list[str] = []

    def on_signal(signum: int, _frame: object) -> None:
        stopped_by.append(signal.Signals(signum).name)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)

    exited: Child | None = None
    with redis_url(env, instance_path) as url:
        env["REDIS_URL"] = url
        width = max(len(k.name) for k in kinds + [ProcessType("serve", "")])
        children: list[Child] = []
        try:
            for kind in kinds:
                children.append(Child(kind, env, ROOT, width))
                say(f"serve | started {kind.name} (pid {children[-1].popen.pid}): {kind.command}")
            if any(k.name == "web" for k in kinds):
                threading.Thread(target=announce, args=(env["PORT"], stop), daemon=True).start()
            exited = _wait_for_stop_or_exit(children, stop)
        finally:
            stop.set()
            stop_all(children)
    if exited is not None:
        code = exited.popen.returncode
        say(f"serve | {exited.kind.name} exited with code {code}; everything stopped")
        return code if code else 1  # a process that quits on its own is a failure of `run`
    say(f"serve | stopped ({stopped_by[0] if stopped_by else 'done'})")
    return 0


def _wait_for_stop_or_exit(children: list[Child], stop: threading.Event) -> Child | None:
    while not stop.wait(0.2):
        for child in children:
            if child.popen.poll() is not None:
                return child
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checker.serve", description=__doc__)
    parser.add_argument("--procfile", type=Path, default=ROOT / "Procfile",
                        help="processes to run (commands run in the project directory)")
    parser.add_argument("--port", help="port for the web process (default $PORT or 8000)")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    if args.port:
        env["PORT"] = args.port
    return run(args.procfile.resolve(), env)


if __name__ == "__main__":
    sys.exit(main())
