"""SMS pipeline benchmark: enqueue -> RQ worker -> (fake) Twilio, reminder lateness, sweep cost.

    .venv/bin/python bench/sms_pipeline.py [--messages 200] [--reminders 20] [--sweep 10000]
                                           [--fork-worker]

Runs on its own embedded Redis and the tests' fake Twilio (real twilio client, real
`python -m checker.sms.worker` processes), then prints a table. `--fork-worker` runs the
workers with `--fork` (a work horse forked per job, RQ's default) for comparison.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import redis  # noqa: E402
from fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, start_fake_twilio  # noqa: E402

from checker.services import build  # noqa: E402
from checker.settings import Settings  # noqa: E402
from checker.sms.dispatch import Dispatcher  # noqa: E402
from checker.sms.messages import Message  # noqa: E402
from devtools.embedded_redis import EmbeddedRedis  # noqa: E402

PREFIX = "bench-sms:"


WORKER_FLAGS: list[str] = []  # ["--fork"] with --fork-worker


def worker(env: dict, *flags: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "checker.sms.worker", *flags, *WORKER_FLAGS],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def phone(n: int) -> str:
    return f"+1202555{n % 10000:04d}"


def throughput(core: Dispatcher, fake, env: dict, count: int) -> dict[str, float]:
    """Enqueue rate; end-to-end rate (including the worker's start-up); the worker's steady
    rate (first to last request at the fake); TCP connections the worker opened to it."""
    start = time.perf_counter()
    for n in range(count):
        core.schedule(Message(key=f"guidance:t{n}:x", kind="guidance", to=phone(n), body="b",
                              due=core.clock()))
    enqueued = time.perf_counter() - start
    worker(env, "--burst", "--no-scheduler").wait(600)
    elapsed = time.perf_counter() - start
    assert len(fake.requests) >= count, "not every message reached the fake Twilio"
    times = fake.arrival_times
    steady = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    return {"enqueue": count / enqueued, "end": count / elapsed, "steady": steady,
            "connections": len(set(fake.connections))}


def reminder_delay(core: Dispatcher, fake, env: dict, count: int) -> list[float]:
    fake.requests.clear()
    due: dict[str, datetime] = {}
    base = datetime.now(UTC) + timedelta(seconds=3)
    for n in range(count):
        when = base + timedelta(milliseconds=150 * n)
        to = phone(5000 + n)
        due[to] = when
        core.schedule(Message(key=f"reminder:r{n}:1", kind="reminder", to=to, body="r",
                              due=when))
    proc = worker(env)
    seen: dict[str, float] = {}
    deadline = time.monotonic() + 60
    while len(seen) < count and time.monotonic() < deadline:
        for request in list(fake.requests):
            seen.setdefault(request["To"], time.time())
        time.sleep(0.02)
    proc.terminate()
    proc.wait(30)
    return sorted(seen[to] - due[to].timestamp() for to in seen)


def sweep_cost(client: redis.Redis, count: int) -> tuple[float, float, int]:
    clock_now = [datetime(2031, 1, 6, 15, 0, tzinfo=UTC)]
    settings = Settings.from_env({}, {"REDIS_KEY_PREFIX": "bench-sweep:",
                                      "SECRET_KEY": "bench sweep " * 3})
    core = build(settings, redis_client=client, clock=lambda: clock_now[0]).sms.dispatcher
    pipe_start = clock_now[0]
    for n in range(count):
        core.schedule(Message(key=f"reminder:s{n}:1", kind="reminder", to=phone(n), body="r",
                              due=pipe_start + timedelta(days=14, seconds=n)))
    start = time.perf_counter()
    core.sweep()
    idle = time.perf_counter() - start
    clock_now[0] += timedelta(days=30)  # every reminder due, each with its RQ job scheduled
    start = time.perf_counter()
    report = core.sweep(limit=count)
    busy = time.perf_counter() - start
    return idle, busy, report.enqueued


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--reminders", type=int, default=20)
    parser.add_argument("--sweep", type=int, default=10_000)
    parser.add_argument("--fork-worker", action="store_true",
                        help="workers fork a work horse per job (RQ's default)")
    args = parser.parse_args()
    if args.fork_worker:
        WORKER_FLAGS.append("--fork")
    with tempfile.TemporaryDirectory(prefix="sms-bench-") as tmp:
        server = EmbeddedRedis(tmp).start()
        fake = start_fake_twilio()
        try:
            env = {**os.environ, "REDIS_URL": server.url, "REDIS_KEY_PREFIX": PREFIX,
                   "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                   "TWILIO_FROM_NUMBER": FROM_NUMBER, "TWILIO_API_URL": fake.url}
            client = redis.Redis.from_url(server.url)
            env["SECRET_KEY"] = env.get("SECRET_KEY") or "sms pipeline bench " * 2
            core = build(Settings.from_env(env), redis_client=client).sms.dispatcher
            rates = throughput(core, fake, env, args.messages)
            delays = reminder_delay(core, fake, env, args.reminders)
            idle, busy, enqueued = sweep_cost(client, args.sweep)
        finally:
            fake.server.shutdown()
            server.stop()
    mode = "forked work horse per job" if args.fork_worker else "jobs in the worker process"
    print(f"worker: {mode}")
    rows = [
        ("enqueue (web side: record + RQ job)", f"{rates['enqueue']:,.0f} msg/s"),
        ("enqueue -> fake Twilio, 1 worker", f"{rates['end']:,.1f} msg/s ({args.messages} "
         "msgs, worker start-up included)"),
        ("  worker steady rate (first -> last send)", f"{rates['steady']:,.1f} msg/s"),
        ("  TCP connections to (fake) Twilio", f"{rates['connections']:,}"),
        ("reminder due -> sent, median", f"{delays[len(delays) // 2]:.2f} s"
         if delays else "none sent"),
        ("reminder due -> sent, max", f"{max(delays):.2f} s ({len(delays)}/{args.reminders})"
         if delays else "-"),
        (f"sweep, {args.sweep:,} scheduled, none due", f"{idle * 1000:.1f} ms"),
        (f"sweep, {args.sweep:,} due, RQ jobs scheduled", f"{busy * 1000:.0f} ms "
         f"({enqueued:,} re-enqueued)"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  result")
    print(f"{'-' * width}  {'-' * 30}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
