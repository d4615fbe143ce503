"""The Procfile worker (`python -m checker.sms.worker`) as a real process on the real Redis,
sending through the real twilio client to the fake Twilio: its own periodic sweep finds a lost
job, and one worker keeps one HTTP connection to Twilio for all its jobs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER
from rq.job import Job, JobStatus
from sms_support import dispatcher

from checker.crypto import new_key
from checker.sms.dispatch import Dispatcher
from checker.sms.messages import Message, State
from checker.sms.schedule import utc_now

pytestmark = pytest.mark.slow  # starts processes or Redis servers of its own

ROOT = Path(__file__).resolve().parent.parent
LOST = "+12025550143"
LATER = "+12025550144"


@pytest.fixture
def worker_env(redis_url, sms_prefix, fake_twilio) -> dict[str, str]:
    return {**os.environ, "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": sms_prefix,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": FROM_NUMBER, "TWILIO_API_URL": fake_twilio.url,
            "TWILIO_TIMEOUT": "5", "SMS_SWEEP_SECONDS": "1",
            "SECRET_KEY": "worker-process-test", "ENCRYPTION_KEYS": new_key()}


@pytest.fixture
def core(worker_env) -> Dispatcher:
    """This process's side (real clock, the worker's settings and keys): records and jobs as
    the web app would write them."""
    return dispatcher(worker_env)


def start_worker(env: dict[str, str], *flags: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "checker.sms.worker", *flags], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def stop(worker: subprocess.Popen) -> str:
    """Warm shutdown (SIGTERM, as the Procfile's process manager does); the worker's log."""
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
    try:
        _, err = worker.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()
        _, err = worker.communicate()
    return err.decode(errors="replace")


def stop_when_done(worker: subprocess.Popen, seconds: float = 30) -> str:
    """Let a --burst worker empty the queue and exit (stopped anyway after `seconds`)."""
    try:
        worker.wait(seconds)
    except subprocess.TimeoutExpired:
        pass
    return stop(worker)


def wait_for(done: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if done():
            return True
        time.sleep(0.1)
    return done()


def lose_job(core: Dispatcher, message: Message) -> None:
    """As if Redis lost the RQ job (restart without AOF, a deleted queue): only the record
    is left."""
    Job.fetch(core.job_id(message.key), connection=core.redis).delete()


def sweep_results(core: Dispatcher) -> list[dict]:
    """What the sweeps the worker ran on its own reported."""
    pattern = f"rq:job:{core.sweep_job_id(utc_now()).rsplit('-', 1)[0]}-*"
    results = []
    for key in core.redis.scan_iter(match=pattern):
        job = Job.fetch(key.decode().removeprefix("rq:job:"), connection=core.redis)
        if job.get_status() == JobStatus.FINISHED:
            results.append(job.return_value())
    return results


def test_the_workers_own_sweep_sends_a_due_text_whose_job_was_lost(core, worker_env,
                                                                   fake_twilio):
    now = utc_now()
    # Due a minute ago (older than the sweep's grace), and a reminder due tomorrow: both jobs lost.
    lost = Message(key="guidance:s1:a", kind="guidance", to=LOST, body="Advice",
                   due=now - timedelta(minutes=1), sid="s1")
    later = Message(key="reminder:s1:1", kind="reminder", to=LATER, body="Reminder",
                    due=now + timedelta(days=1), sid="s1")
    for message in (lost, later):
        assert core.schedule(message)
        lose_job(core, message)
    assert core.queue.count == 0 and core.queue.scheduled_job_registry.count == 0

    worker = start_worker(worker_env)
    try:
        sent = wait_for(lambda: core.messages.state(lost.key) == State.SENT, 15)
    finally:
        log = stop(worker)
    assert sent, log[-3000:]
    assert fake_twilio.violations == []
    assert len(fake_twilio.sent_to(LOST)) == 1 and fake_twilio.sent_to(LATER) == []
    assert core.messages.state(later.key) == State.SCHEDULED  # the sweep never sends early
    assert any(result["enqueued"] >= 1 for result in sweep_results(core)), log[-3000:]
    # The sweep keeps itself going: the next one waits on the scheduler.
    assert any("-sms-sweep-" in job_id
               for job_id in core.queue.scheduled_job_registry.get_job_ids())


def test_one_worker_sends_every_text_once_over_one_connection(core, worker_env,
                                                              fake_twilio):
    numbers = [f"+120255501{n:02d}" for n in range(12)]
    for n, number in enumerate(numbers):
        core.schedule(Message(key=f"guidance:s{n}:a", kind="guidance", to=number, body="Advice",
                              due=utc_now(), sid=f"s{n}"))
    log = stop_when_done(start_worker(worker_env, "--burst", "--no-scheduler"))
    assert sorted(r["To"] for r in fake_twilio.requests) == numbers, log[-3000:]
    assert fake_twilio.violations == []
    # The worker keeps its twilio client and HTTP session across jobs: one kept-alive
    # connection instead of one per text (a forked work horse per job cannot keep one).
    assert len(set(fake_twilio.connections)) == 1
    assert {core.messages.state(f"guidance:s{n}:a") for n in range(12)} == {State.SENT}

