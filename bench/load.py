"""Load test: the Procfile's processes against one Redis; N simulated phones, stepwise.

Starts the Procfile's `web` process (gunicorn, as deployed: CLOTCHECK_ENV=production, CSRF,
encryption and rate limits on; PROXY_FIX_HOPS=1 so each simulated phone has its own client
address through X-Forwarded-For) and its `worker` process if the Procfile has one, against a
real Redis (REDIS_URL if set, else an embedded server for this run). Then, for each N in
--steps (default 16, 64, 256), N phones complete screenings over HTTP for --seconds each
(the five outcome paths in turn), every request a fresh connection as a phone's would be.

A phone pauses --think seconds (jittered ±50 %) before each tap (POST), as a person reads the
question; the pause is not part of any latency. --think 0 gives a closed loop (saturation).

Prints per step: screenings/s and requests/s, p50/p99 per request and per answer step
(POST + redirected GET), errors, Redis memory per finished screening, and CPU; then where it
saturates. Targets: zero errors at every N, p99 <= 250 ms at N = 256.

Run: `.venv/bin/python bench/load.py` (about 3.5 minutes) or `--seconds 10` for a quick look.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from honcho.environ import parse_procfile  # noqa: E402

from bench.common import (  # noqa: E402
    HX,
    PATHS,
    Browser,
    Samples,
    deployed,
    percentile,
    planned_answers,
    run_clients,
    screening,
    tree_cpu_seconds,
)
from checker.crypto import new_key  # noqa: E402

TARGET_P99_MS = 250.0
TARGET_AT = 256


class Phone(Browser):
    """A phone: one address, a person's pause before each tap, every latency recorded."""

    def __init__(self, port: int, think: float, latencies: list[float]):
        super().__init__(port)
        self.think = think
        self.latencies = latencies

    def request(self, method, path, form=None, headers=None):  # type: ignore[override]
        if method == "POST" and self.think:
            time.sleep(self.think * random.uniform(0.5, 1.5))
        response = super().request(method, path, form, headers)
        self.latencies.append(response.seconds)
        return response


@contextmanager
def other_processes(env: dict[str, str]) -> Iterator[list[str]]:
    """Every Procfile process except `web` (e.g. the RQ worker), stopped on exit."""
    kinds = [k for k in parse_procfile((ROOT / "Procfile").read_text()) if k.name != "web"]
    procs = [subprocess.Popen(k.command, shell=True, cwd=ROOT, env=env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
             for k in kinds]
    try:
        yield [k.name for k in kinds]
    finally:
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)


def run_step(n: int, seconds: float, think: float, port: int, web_pid: int, rclient,
             plans: Mapping[str, list]) -> dict[str, float | int | list[str]]:
    levels = list(PATHS)
    per_thread: list[list[float]] = [[] for _ in range(n)]
    counter = iter(range(10**9))
    lock = threading.Lock()

    def work(k: int, out: Samples) -> None:
        with lock:
            number = next(counter)
        level = levels[number % len(levels)]
        address = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"
        phone = Phone(port, think, per_thread[k])
        screening(phone, level, plans[level], out, {**HX, "X-Forwarded-For": address})

    memory0 = rclient.info("memory")["used_memory"]
    cpu0 = tree_cpu_seconds(web_pid)
    samples, wall, client_cpu = run_clients(n, seconds, work)
    web_cpu = tree_cpu_seconds(web_pid) - cpu0
    memory1 = rclient.info("memory")["used_memory"]
    latencies = [x for values in per_thread for x in values]
    steps = samples.seconds["step"]
    return {
        "n": n, "wall": wall, "screenings": samples.screenings, "requests": len(latencies),
        "p50": percentile(latencies, 50) * 1000, "p99": percentile(latencies, 99) * 1000,
        "step_p50": percentile(steps, 50) * 1000, "step_p99": percentile(steps, 99) * 1000,
        "errors": samples.errors, "memory": memory1 - memory0,
        "web_cpu": web_cpu / wall, "client_cpu": client_cpu / wall,
    }


def report(rows: list[dict], args: argparse.Namespace, redis_desc: str, others: list[str],
           sample_bytes: int | None) -> bool:
    out = [
        f"ClotCheck load test: {args.seconds:.0f} s per step, think {args.think:g} s per tap, "
        f"gunicorn workers={os.environ.get('WEB_CONCURRENCY', '3 (Procfile default)')}, "
        f"other processes: {', '.join(others) or 'none in the Procfile'}, {os.cpu_count()} "
        f"CPUs; Redis: {redis_desc}",
        "",
        "| phones | screenings/s | requests/s | p50 ms | p99 ms | step p50 ms | step p99 ms "
        "| errors | Redis bytes per screening | web CPU | client CPU |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        per = r["memory"] / r["screenings"] if r["screenings"] else float("nan")
        out.append(
            f"| {r['n']} | {r['screenings'] / r['wall']:.1f} | {r['requests'] / r['wall']:.0f} "
            f"| {r['p50']:.1f} | {r['p99']:.1f} | {r['step_p50']:.1f} | {r['step_p99']:.1f} "
            f"| {len(r['errors'])} | {per:.0f} | {r['web_cpu']:.2f} | {r['client_cpu']:.2f} |")
    out.append("")
    if sample_bytes is not None:
        out.append(f"MEMORY USAGE of one finished screening hash: {sample_bytes} bytes "
                   "(the per-screening column also counts rate-limit keys and allocator "
                   "overhead).")
    out.append(saturation(rows))
    target_row = next((r for r in rows if r["n"] == TARGET_AT), None)
    errors_ok = all(not r["errors"] for r in rows)
    p99_ok = target_row is None or target_row["p99"] <= TARGET_P99_MS
    out.append(f"Targets: zero errors at every N: {'ok' if errors_ok else 'MISSED'}; "
               f"p99 <= {TARGET_P99_MS:.0f} ms at N = {TARGET_AT}: "
               + ("not run" if target_row is None else
                  f"{target_row['p99']:.1f} ms {'ok' if p99_ok else 'MISSED'}"))
    for r in rows:
        out += [f"error at N={r['n']}: {e}" for e in r["errors"][:3]]
    print("\n".join(out))
    return errors_ok and p99_ok


def saturation(rows: list[dict]) -> str:
    """Where more phones stop bringing more throughput (or latency leaves the target)."""
    for before, after in zip(rows, rows[1:], strict=False):
        rate0 = before["requests"] / before["wall"]
        rate1 = after["requests"] / after["wall"]
        expected = rate0 * after["n"] / before["n"]
        if rate1 < 0.8 * expected or after["p99"] > TARGET_P99_MS:
            return (f"Saturation: between N = {before['n']} and N = {after['n']} - "
                    f"{rate1:.0f} requests/s where {expected:.0f} would scale linearly; "
                    f"p99 {before['p99']:.1f} -> {after['p99']:.1f} ms.")
    last = rows[-1]
    return (f"Saturation: not reached up to N = {last['n']} "
            f"({last['requests'] / last['wall']:.0f} requests/s, web CPU "
            f"{last['web_cpu']:.2f} of {os.cpu_count()} cores).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="duration of each step")
    parser.add_argument("--steps", default="16,64,256", help="phones per step")
    parser.add_argument("--think", type=float, default=1.0,
                        help="seconds a person pauses before each tap (0: closed loop)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    steps = [int(n) for n in args.steps.split(",") if n.strip()]

    plans = {level: planned_answers(level) for level in PATHS}
    rows: list[dict] = []
    sample_bytes = None
    production = {"CLOTCHECK_ENV": "production",
                  "ENCRYPTION_KEYS": os.environ.get("ENCRYPTION_KEYS") or new_key(),
                  "PROXY_FIX_HOPS": "1"}
    with deployed("load", **production) as run, other_processes(run.env) as others:
        port, rclient = run.port, run.redis
        run_clients(8, 2.0, lambda k, out: screening(
            Phone(port, 0, []), "proceed", plans["proceed"], out,
            {**HX, "X-Forwarded-For": f"10.255.0.{k}"}))  # warm-up: every worker connected
        for n in steps:
            rows.append(run_step(n, args.seconds, args.think, port, run.web.pid, rclient, plans))
            print(f"N={n}: done", file=sys.stderr)
        key = next(rclient.scan_iter(match=f"{run.prefix}*:screening", count=1000), None)
        if key is not None:
            sample_bytes = rclient.memory_usage(key)
        redis_desc = run.redis_desc
    met = report(rows, args, redis_desc, others, sample_bytes)
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    sys.exit(main())
