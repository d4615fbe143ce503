"""`make run`: the whole product on one machine, as a platform would run it.

Starts an embedded Redis (data in INSTANCE_PATH) unless REDIS_URL is set, then every process
in the Procfile through honcho (a Procfile runner), output prefixed with each process's name,
and prints the address to open once the web process answers. Ctrl-C (or SIGTERM, or any one
process exiting) stops them all, then Redis. A port already in use is reported before
anything starts, with how to choose another.

    python -m devtools.run [--procfile PATH] [--port N]      (PORT= works too)
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import socket
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from honcho.environ import parse_procfile
from honcho.manager import Manager

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PORT = "8000"
STOPPED_ON_REQUEST = (130, 143)  # honcho's return codes after SIGINT, SIGTERM


def say(line: str) -> None:
    sys.stdout.write(f"run | {line}\n")
    sys.stdout.flush()


def port_problem(port: int) -> str | None:
    """Why the web process could not listen on `port` (None when it can)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"port {port} is already in use (another ClotCheck, or another "
                        f"program). Choose another port: make run PORT={port + 1}")
            return f"cannot listen on port {port}: {exc.strerror}"
    return None


@contextlib.contextmanager
def redis_url(env: dict[str, str], instance_path: Path) -> Iterator[str]:
    """REDIS_URL: the configured one, else an embedded server's (stopped on exit)."""
    if env.get("REDIS_URL"):
        yield env["REDIS_URL"]
        return
    from devtools.embedded_redis import EmbeddedRedis

    embedded = EmbeddedRedis(instance_path).start()
    say(f"started embedded Redis at {embedded.url} (data in {instance_path})")
    try:
        yield embedded.url
    finally:
        embedded.stop()
        say("embedded Redis stopped")


def with_scripts_dir(path: str) -> str:
    """PATH with this interpreter's bin directory first, so `gunicorn` and `python` in the
    Procfile are the virtualenv's even when it is not activated."""
    scripts = os.path.dirname(sys.executable)  # not resolved: a venv's python is a symlink
    return os.pathsep.join([scripts, *(p for p in path.split(os.pathsep) if p and p != scripts)])


def lan_address() -> str | None:
    """This machine's address on the local network, for phones at reception (no packet sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: connect() on UDP only picks a route
            address = probe.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


def announce(port: str, stop: threading.Event, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    say(f"ClotCheck is running: open http://127.0.0.1:{port}/")
                    address = lan_address()
                    if address:
                        say(f"phones on this network: http://{address}:{port}/")
                    say("press Ctrl-C to stop")
                    return
        except OSError:
            pass
        stop.wait(0.2)


def run(procfile: Path, env: dict[str, str]) -> int:
    processes = parse_procfile(procfile.read_text()).processes
    if not processes:
        raise SystemExit(f"{procfile} lists no processes")
    env.setdefault("PORT", DEFAULT_PORT)
    env.setdefault("PYTHONUNBUFFERED", "1")  # children's output shows up as it happens
    env["PATH"] = with_scripts_dir(env.get("PATH", ""))
    instance_path = Path(env.get("INSTANCE_PATH") or ROOT / "instance").resolve()
    env["INSTANCE_PATH"] = str(instance_path)
    if "web" in processes:
        problem = port_problem(int(env["PORT"]))
        if problem:
            say(problem)
            return 2
    stop = threading.Event()
    with redis_url(env, instance_path) as url:
        env["REDIS_URL"] = url
        manager = Manager()
        for name, command in processes.items():
            manager.add_process(name, command, env=env, cwd=str(ROOT))
        if "web" in processes:
            threading.Thread(target=announce, args=(env["PORT"], stop), daemon=True).start()
        try:
            manager.loop()  # until a signal, or any process exits; then stops the rest
        finally:
            stop.set()
    # Stopped on request (Ctrl-C, SIGTERM): success; a process that quit on its own: its code.
    return 0 if manager.returncode in STOPPED_ON_REQUEST else manager.returncode or 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--procfile", type=Path, default=ROOT / "Procfile")
    parser.add_argument("--port", help="port for the web process (default $PORT or 8000)")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    if args.port:
        env["PORT"] = args.port
    return run(args.procfile.resolve(), env)


if __name__ == "__main__":
    sys.exit(main())
