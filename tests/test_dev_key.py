"""Development without SECRET_KEY: every process of one checkout shares ONE key (issue 12.3).

The Procfile's gunicorn, run directly (as a platform would) with two workers, serves one
screening from both workers, and the SMS worker reads what the web wrote; no process ever
makes a key of its own."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from honcho.environ import parse_procfile
from sms_support import STAFF

from checker.services import build
from checker.settings import Settings

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
ACCESS = re.compile(r"^pid=<?(\d+)>? (GET|POST) (\S+) (\d{3})$", re.M)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def development_env(redis_url: str, key_prefix: str, instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "ENCRYPTION_KEYS", "PHONE_TAG_KEY", "CLOTCHECK_ENV")}
    bin_dir = os.path.dirname(sys.executable)
    env.update(REDIS_URL=redis_url, REDIS_KEY_PREFIX=key_prefix, INSTANCE_PATH=str(instance),
               STAFF_ALERT_NUMBERS=STAFF, PATH=f"{bin_dir}:{env.get('PATH', '')}")
    return env


def test_one_development_key_for_gunicorn_workers_the_worker_and_commands(
        redis_url, key_prefix, redis_client, tmp_path):
    instance = tmp_path / "instance"
    port = free_port()
    log = tmp_path / "web.log"
    env = development_env(redis_url, key_prefix, instance)
    web_env = dict(env, PORT=str(port), WEB_CONCURRENCY="2",
                   GUNICORN_CMD_ARGS="--access-logfile - --access-logformat "
                                     "'pid=%(p)s %(m)s %(U)s %(s)s'")
    command = parse_procfile((ROOT / "Procfile").read_text()).processes["web"]
    web = subprocess.Popen(command, shell=True, cwd=ROOT, env=web_env, stdout=log.open("wb"),
                           stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 45
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert web.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        # Started on one worker; each request a new connection (sync workers close it), until
        # both workers served it. The CSRF token and session cookie cross workers too.
        browser = requests.Session()
        landing = browser.get(f"{base}/", timeout=5).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', landing).group(1)
        first = browser.post(f"{base}/start", data={"loc": "main", "csrf_token": token},
                             allow_redirects=False, timeout=5)
        assert first.status_code == 303, first.text[:500]
        question = first.headers["Location"]
        for _ in range(50):
            # Several at once: a busy worker leaves the next connection to the other one.
            with ThreadPoolExecutor(4) as pool:
                pages = list(pool.map(lambda _: browser.get(base + question, timeout=5),
                                      range(4)))
            for page in pages:
                assert page.status_code == 200, (page.status_code, page.text[:300])
            if len({pid for pid, _, path, _ in ACCESS.findall(log.read_text())
                    if path == question}) >= 2:
                break
        else:
            pytest.fail("every request went to one gunicorn worker:\n" + log.read_text())
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        done = browser.post(base + question, allow_redirects=False, timeout=5,
                            data={"emergency_now": "breathless", "csrf_token": token})
        assert done.status_code == 303 and done.headers["Location"].endswith("/outcome")
        assert browser.get(base + done.headers["Location"], timeout=5).status_code == 200
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=20)
    assert "random key" not in log.read_text()

    # The SMS worker, started the same way without a key, reads the finish the web wrote
    # (an encrypted outcome) and writes the staff alert, which this process can read.
    worker = subprocess.run([sys.executable, "-m", "checker.sms.worker", "--burst"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert worker.returncode == 0, worker.stderr[-3000:]
    assert "does not decrypt" not in worker.stderr and "Traceback" not in worker.stderr
    services = build(Settings.from_env(env))
    alerts = [item for item in services.sms.outbox() if item["to"] == STAFF]
    assert alerts and "is EMERGENCY" in alerts[0]["body"], worker.stderr[-3000:]
    assert (instance / "secret_key").stat().st_mode & 0o077 == 0  # private to its owner
