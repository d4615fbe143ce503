"""The Procfile worker (`python -m checker.sms.worker`, a real RQ worker process on the embedded
Redis's unix socket) killed with SIGKILL in the middle of a send: the text is never sent twice,
and the sweep marks it "unknown" for staff.

By default the worker sends from its own process (no work horse); with `--fork` a horse forked
per job sends. Both are killed while the process holding the connection to Twilio is waiting
for the answer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER
from rq import SimpleWorker
from sms_support import Clock, dispatcher

from checker.crypto import new_key
from checker.sms.messages import Message, State

pytestmark = pytest.mark.slow  # starts processes or Redis servers of its own

ROOT = Path(__file__).resolve().parent.parent
HELD = "+12025550143"
OTHER = "+12025550144"


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:
            continue
        if stat and int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def socket_owner(port: int, pids: list[int]) -> int | None:
    """Which of `pids` holds the local TCP socket on 127.0.0.1:`port`."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == f"0100007F:{port:04X}":
            inodes.add(f"socket:[{fields[9]}]")
    for pid in pids:
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd) in inodes:
                    return pid
            except OSError:
                continue
    return None


@pytest.mark.parametrize("fork", [False, True], ids=["in-process", "work-horse"])
def test_worker_killed_mid_send_never_sends_twice(redis_url, sms_prefix, fake_twilio,
                                                  fork):
    env = {**os.environ, "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": sms_prefix,
           "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
           "TWILIO_FROM_NUMBER": FROM_NUMBER, "TWILIO_API_URL": fake_twilio.url,
           "TWILIO_TIMEOUT": "20", "SMS_SWEEP_SECONDS": "3600",
           # The worker reads the records this process encrypts: same keys, from its env.
           "SECRET_KEY": "worker-kill-test", "ENCRYPTION_KEYS": new_key()}
    clock = Clock(datetime.now(UTC))
    core = dispatcher(env, clock)
    assert core.settings.twilio_configured and core.settings.prefix == sms_prefix
    fake_twilio.hold_numbers.add(HELD)  # Twilio "receives" the request but does not answer
    core.schedule(Message(key="guidance:k:1", kind="guidance", to=HELD, body="Advice",
                          due=clock()))
    command = [sys.executable, "-m", "checker.sms.worker", *(["--fork"] if fork else [])]
    worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, start_new_session=True)
    try:
        assert fake_twilio.request_arrived.wait(30), worker.stderr.read1().decode()  # type: ignore[union-attr]
        # The process waiting for Twilio's answer: the worker itself, or its forked horse.
        [(_, port)] = fake_twilio.connections
        family = children(worker.pid)  # the RQ scheduler (forked), and a horse with --fork
        sender = socket_owner(port, [worker.pid, *family])
        assert (sender in family) if fork else (sender == worker.pid)
    finally:
        # The worker and its children (scheduler, horse in its own process group), as when
        # the machine or container dies; a surviving horse would finish the send.
        for pid in [worker.pid, *children(worker.pid)]:
            os.kill(pid, signal.SIGKILL)
        worker.wait(10)
        worker.stderr.close()  # type: ignore[union-attr]
    fake_twilio.hold_released.set()
    time.sleep(0.2)  # a surviving horse would record "sent" now
    assert core.messages.get("guidance:k:1").state == State.CLAIMED

    # A new worker (and the job, re-enqueued as RQ or the sweep would) cannot send it again.
    core.enqueue(core.messages.get("guidance:k:1"))
    core.schedule(Message(key="guidance:k:2", kind="guidance", to=OTHER, body="Advice",
                          due=clock()))
    SimpleWorker([core.queue], connection=core.redis).work(burst=True)
    assert len(fake_twilio.sent_to(OTHER)) == 1
    assert len(fake_twilio.received) == 2  # the held one once, the other once

    # Once the claim outlives any possible send, the sweep shows it to staff as unknown.
    assert core.sweep().marked_unknown == 0
    clock.advance(seconds=core.settings.claim_lease + 60)
    assert core.sweep().marked_unknown == 1
    record = core.messages.get("guidance:k:1")
    assert record.state == State.UNKNOWN and "check with the person" in record.error
    SimpleWorker([core.queue], connection=core.redis).work(burst=True)
    assert len(fake_twilio.received) == 2
