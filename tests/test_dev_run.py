"""`make run` (`python -m devtools.run`: honcho over the Procfile): the whole product starts on
embedded defaults, answers, and leaves no process behind when stopped or when one process
dies; a port in use is reported with how to choose another."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from honcho.environ import parse_procfile

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (children, grandchildren...), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    """Running and not a zombie (a reparented zombie waits for init, it runs nothing)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_for_health(url: str, serve: subprocess.Popen, log: Path, timeout: float = 45) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert serve.poll() is None, f"serve exited early:\n{log.read_text()}"
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass  # not listening yet, or workers still booting on a busy machine
        time.sleep(0.1)
    pytest.fail(f"{url} not healthy within {timeout} s:\n{log.read_text()}")


def wait_for_output(log: Path, prefix: str, text: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(line.split(" ", 1)[-1].startswith(prefix) and text in line
               for line in log.read_text().splitlines()):
            return
        time.sleep(0.1)
    pytest.fail(f"no {prefix!r} line with {text!r} within {timeout} s:\n{log.read_text()}")


def cleanup(serve: subprocess.Popen) -> None:
    """After a failure: stop serve the proper way (it stops its process groups and Redis);
    only if that fails, kill it and whatever it started, so no test leaves processes behind."""
    if serve.poll() is not None:
        return
    tree = descendants(serve.pid)
    serve.terminate()
    try:
        serve.wait(timeout=30)
    except subprocess.TimeoutExpired:
        serve.kill()
        serve.wait()
    for pid in tree:
        if alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def start_serve(tmp_path: Path, env: dict[str, str], *args: str) -> tuple[subprocess.Popen, Path]:
    log = tmp_path / "serve.log"
    serve = subprocess.Popen(
        [sys.executable, "-m", "devtools.run", *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    return serve, log


def test_serve_runs_the_product_on_embedded_redis_and_stops_everything(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}  # embedded Redis path
    env.update(PORT=str(port), WEB_CONCURRENCY="2", INSTANCE_PATH=str(tmp_path / "instance"))
    serve, log = start_serve(tmp_path, env)
    try:
        wait_for_health(f"http://127.0.0.1:{port}/healthz", serve, log)
        landing = requests.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert landing.status_code == 200
        assert 'data-action="start"' in landing.text

        tree = descendants(serve.pid)
        commands = {pid: command_line(pid) for pid in tree}
        assert any("redis-server" in c for c in commands.values()), commands
        # gunicorn master + 2 workers (a `sh -c` may sit above the master)
        assert sum("gunicorn" in c for c in commands.values()) >= 3, commands
        kinds = parse_procfile((ROOT / "Procfile").read_text()).processes
        for kind in kinds:
            assert f"{kind} started (pid=" in log.read_text()
        if "worker" in kinds:  # stop a running product, not one still starting up
            wait_for_output(log, "worker", "Listening on")

        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=20) == 0, log.read_text()
    finally:
        cleanup(serve)

    output = log.read_text()
    assert f"open http://127.0.0.1:{port}/" in output
    assert "embedded Redis stopped" in output
    assert "Traceback" not in output, output  # every process stopped before Redis did
    leftovers = {pid: commands[pid] for pid in tree if alive(pid)}
    assert not leftovers, f"orphans after SIGTERM: {leftovers}\n{output}"
    assert not (tmp_path / "instance" / "redis.socket").exists()


def test_serve_stops_the_rest_when_one_process_exits(tmp_path: Path) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_text(
        "# a long-running process and one that fails soon\n"
        "sleeper: sleep 60 & sleep 60; wait\n"
        "quitter: sleep 0.5; echo giving up; exit 3\n"
    )
    # A REDIS_URL skips the embedded server: these processes never use it.
    env = dict(os.environ, REDIS_URL="redis://127.0.0.1:1/0", INSTANCE_PATH=str(tmp_path))
    serve, log = start_serve(tmp_path, env, "--procfile", str(procfile))
    try:
        deadline = time.monotonic() + 5
        tree: set[int] = set()
        while sum("sleep 60" in command_line(pid) for pid in tree) < 2:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
            tree = descendants(serve.pid)
        assert serve.wait(timeout=20) == 3
    finally:
        cleanup(serve)
    output = log.read_text()
    assert "quitter | giving up" in output
    assert "quitter stopped (rc=3)" in output
    assert not [pid for pid in tree if alive(pid)], output


def test_the_procfile_web_process_is_gunicorn_on_port() -> None:
    kinds = parse_procfile((ROOT / "Procfile").read_text()).processes
    assert kinds["web"].startswith("gunicorn ")
    assert "${PORT:-8000}" in kinds["web"] and "app:app" in kinds["web"]


def test_make_run_says_when_the_port_is_taken_and_how_to_choose_another(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = dict(os.environ, PORT=str(port), INSTANCE_PATH=str(tmp_path))
        env.pop("MAKEFLAGS", None)
        result = subprocess.run(["make", "--no-print-directory", "run"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert f"port {port} is already in use" in output
    assert f"make run PORT={port + 1}" in output
    assert "Traceback" not in output and "started embedded Redis" not in output
