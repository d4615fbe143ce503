"""Step latency and throughput of the screening flow, served exactly as in production.

Starts the Procfile's `web` process (gunicorn) against a real Redis (REDIS_URL if set, else an
embedded server started and stopped here), then:

  1. drives complete screenings over HTTP with N concurrent clients for --seconds;
  2. hits /healthz with the same concurrency for --seconds (the baseline);
  3. measures page weight (gzip level 6) of the first visit and of an htmx step.

A *step* is one answer: POST /s/<sid>/q/<qid> -> 303 -> GET the next page, timed from the
POST's first byte sent to the GET's last byte read (POST and GET are also shown separately).
Start (POST /start -> first question) and finish (POST check -> outcome) are their own rows.

Prints a table with the targets beside the numbers. Exit status is 0 (it reports) unless
--check is given, then 1 when a target is missed. Run: `make bench` or
`.venv/bin/python bench/step_latency.py --seconds 20`.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from bench.common import (  # noqa: E402
    HX,
    PATHS,
    Browser,
    Response,
    Samples,
    deployed,
    expect,
    find_form,
    percentile,
    phone_encodings,
    planned_answers,
    run_clients,
    screening,
    tree_cpu_seconds,
)
from checker.flow import Answer  # noqa: E402

# Targets from issue 2.
TARGET_RATIO = 0.4  # step throughput / healthz throughput
TARGET_P99_MS = 25.0
TARGET_ROUND_TRIPS = 2.0
TARGET_FIRST_PAGE_KB = 30.0


def redis_counters(client: redis.Redis) -> dict[str, float]:
    stats = client.info("stats")
    cpu = client.info("cpu")
    counters = {
        "commands": stats["total_commands_processed"],
        # one read event per request or pipeline from a client: the server's view of round trips
        "reads": stats.get("total_reads_processed", float("nan")),
        "connections": stats["total_connections_received"],
        "cpu": cpu["used_cpu_sys"] + cpu["used_cpu_user"],
    }
    for name, data in client.info("commandstats").items():
        counters[name.removeprefix("cmdstat_")] = data["calls"]
    return counters


@dataclass
class Phase:
    name: str
    samples: Samples
    wall: float
    client_cpu: float
    web_cpu: float
    redis: dict[str, float]  # counter deltas


def measure(name: str, clients: int, seconds: float, work: Callable[[int, Samples], None],
            web_pid: int, rclient: redis.Redis) -> Phase:
    before, web0 = redis_counters(rclient), tree_cpu_seconds(web_pid)
    samples, wall, cpu = run_clients(clients, seconds, work)
    web1, after = tree_cpu_seconds(web_pid), redis_counters(rclient)
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    # The snapshots' own INFO calls: the `before` cpu + commandstats calls are counted, and
    # their reads plus the `after` stats call's read.
    delta["commands"] -= 2
    delta["reads"] -= 3
    return Phase(name, samples, wall, cpu, web1 - web0, delta)


# --- Redis cost of each request, measured one request at a time -------------------------------
_KINDS = (("GET", re.compile(r"^/$"), "landing GET /"),
          ("POST", re.compile(r"^/start$"), "start POST /start"),
          ("GET", re.compile(r"^/s/[^/]+/q/"), "question GET"),
          ("POST", re.compile(r"^/s/[^/]+/q/"), "answer POST"),
          ("GET", re.compile(r"^/s/[^/]+/check$"), "check-answers GET"),
          ("POST", re.compile(r"^/s/[^/]+/check$"), "check-answers POST"),
          ("GET", re.compile(r"^/s/[^/]+/outcome$"), "outcome GET"))


def _stats(client: redis.Redis) -> tuple[int, int]:
    stats = client.info("stats")
    return stats.get("total_reads_processed", 0), stats["total_commands_processed"]


class CountingBrowser(Browser):
    """A Browser that records the Redis read events (round trips) and commands per request."""

    def __init__(self, port: int, client: redis.Redis, costs: dict[str, list[tuple[int, int]]]):
        super().__init__(port)
        self.client, self.costs = client, costs
        first, second = _stats(client), _stats(client)  # the cost of one INFO itself
        self.overhead = (second[0] - first[0], second[1] - first[1])

    def request(self, method: str, path: str, form: list[tuple[str, str]] | None = None,
                headers: Mapping[str, str] | None = None) -> Response:
        before = _stats(self.client)
        resp = super().request(method, path, form, headers)
        after = _stats(self.client)
        kind = next((name for m, pattern, name in _KINDS
                     if m == method and pattern.match(path)), f"{method} {path}")
        self.costs[kind].append((after[0] - before[0] - self.overhead[0],
                                 after[1] - before[1] - self.overhead[1]))
        return resp


def redis_cost_per_request(port: int, client: redis.Redis,
                           plans: Mapping[str, list[tuple[str, Answer]]],
                           hx: Mapping[str, str] | None) -> dict[str, list[tuple[int, int]]]:
    """One screening per path, one request at a time: exact on a Redis nobody else uses."""
    costs: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for level, plan in plans.items():
        screening(CountingBrowser(port, client, costs), level, plan, Samples(), hx)
    return costs


# --- page weight ------------------------------------------------------------------------------
_ASSET = re.compile(r"<(?:script|link)\b[^>]*?(?:src|href)=\"(/static/[^\"]+)\"", re.I)


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def page_weight(port: int, encodings: str) -> list[tuple[str, int, int, int]]:
    """(what, raw bytes, gzip -6 bytes, bytes served with `encodings`) per response."""
    browser, phone = Browser(port), Browser(port, encodings)
    phone.cookies = browser.cookies  # the same visitor, asking for compressed responses
    rows: list[tuple[str, int, int, int]] = []

    def row(what: str, resp: Response, path: str | None, headers: Mapping[str, str] | None = None
            ) -> None:
        served = resp.wire_bytes
        if path is not None:  # the same GET again, as a phone asks for it
            phone.cookies = browser.cookies
            served = expect(phone.request("GET", path, headers=headers), 200, what).wire_bytes
        rows.append((what, len(resp.body), gz(resp.body), served))

    landing = expect(browser.request("GET", "/"), 200, "landing")
    row("landing page", landing, "/")
    action, hidden = find_form(landing.text, 'data-action="start"')
    started = expect(browser.request("POST", action or "/start", hidden), 303, "start")
    first = expect(browser.request("GET", started.location), 200, "first question")
    row("first question page", first, started.location)
    assets = sorted(set(_ASSET.findall(landing.text)) | set(_ASSET.findall(first.text)))
    for asset in assets:
        row(asset, expect(browser.request("GET", asset), 200, asset), asset)
    # An htmx step: the boosted POST answers with the next question itself.
    qid, answer = planned_answers("proceed")[0]
    action, hidden = find_form(first.text, f'data-question="{qid}"')
    values = answer if isinstance(answer, tuple) else (answer,)
    form = hidden + [(qid, v) for v in values]
    step = expect(browser.request("POST", action or started.location, form, HX), 200,
                  "htmx step")
    served = expect(phone.request("POST", action or started.location, form, HX), 200,
                    "htmx step (phone encodings)").wire_bytes
    rows.append(("htmx step response (2nd question)", len(step.body), gz(step.body), served))
    return rows


# --- processes --------------------------------------------------------------------------------
def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def report(steps: Phase, health: Phase, weight: list[tuple[str, int, int, int]],
           costs: Mapping[str, list[tuple[int, int]]], args: argparse.Namespace,
           redis_desc: str, workers: str) -> bool:
    s = steps.samples.seconds
    step_rate = len(s["step"]) / steps.wall
    h = health.samples.seconds["healthz"]
    health_rate = len(h) / health.wall
    ratio = step_rate / health_rate if health_rate else float("nan")
    p99 = percentile(s["step"], 99) * 1000
    pairs = sum(len(s[k]) for k in ("start", "step", "finish"))
    trips = max((r for values in costs.values() for r, _ in values), default=99)
    first_kb = sum(g for what, _, g, _ in weight if not what.startswith("htmx step")) / 1024
    first_served = sum(w for what, _, _, w in weight if not what.startswith("htmx step"))
    checks = {
        "ratio": ratio >= TARGET_RATIO,
        "p99": p99 <= TARGET_P99_MS,
        "trips": trips <= TARGET_ROUND_TRIPS,
        "weight": first_kb <= TARGET_FIRST_PAGE_KB,
    }
    errors = steps.samples.errors + health.samples.errors
    # Server CPU per unit of work: unlike req/s, not skewed by other load on a shared machine.
    per_step = 1 if args.htmx else 2  # requests per step
    step_cpu_ms = per_step * steps.web_cpu * 1000 / max(1, _requests(steps, per_step))
    health_cpu_ms = health.web_cpu * 1000 / max(1, len(h))

    out = [
        f"ClotCheck step benchmark: {args.clients} concurrent clients, {args.seconds:.0f} s per "
        f"phase, gunicorn sync workers={workers}, {os.cpu_count()} CPUs; Redis: {redis_desc}",
        "",
        ("Latency and throughput, as a phone with JavaScript (htmx): a step = one boosted "
         "POST answer that returns the next question (HX-Push-Url); start = POST /start -> "
         "first question; finish = POST check answers -> outcome page" if args.htmx else
         "Latency and throughput, as a browser without JavaScript: a step = POST answer -> "
         "303 -> GET next page, timed as one; start and finish likewise"),
        "",
        "| measure | count | p50 ms | p99 ms | per s | target |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for kind in ("step", "start", "finish", "landing GET"):
        values = s.get(kind, [])
        target = (f"p99 <= {TARGET_P99_MS:.0f} ms: {mark(checks['p99'])}"
                  if kind == "step" else "")
        out.append(f"| {kind} | {len(values)} | {ms(percentile(values, 50))} | "
                   f"{ms(percentile(values, 99))} | {len(values) / steps.wall:.0f} | {target} |")
    out += [
        f"| GET /healthz (own phase, same concurrency) | {len(h)} | {ms(percentile(h, 50))} | "
        f"{ms(percentile(h, 99))} | {health_rate:.0f} | |",
        f"| steps/s ÷ healthz/s | | | | {ratio:.2f} | >= {TARGET_RATIO}: "
        f"{mark(checks['ratio'])} |",
        f"| HTTP requests/s ÷ healthz/s | | | | "
        f"{_requests(steps, per_step) / steps.wall / health_rate:.2f} | (a step is "
        f"{per_step} request{'s' if per_step > 1 else ''}) |",
        f"| gunicorn CPU ms: per step ÷ per healthz | | | | "
        f"{step_cpu_ms:.2f} ÷ {health_cpu_ms:.2f} | CPU-normalised ratio "
        f"{health_cpu_ms / step_cpu_ms if step_cpu_ms else float('nan'):.2f} "
        "(steady when the machine is shared) |",
        "",
        "Redis per request (one request at a time, one screening per path; round trips =",
        "server read events; commands include those run inside Lua scripts)",
        "",
        "| request | count | round trips (typical / max) | commands (typical / max) | target |",
        "|---|---:|---:|---:|---|",
    ]
    for _method, _pattern, kind in _KINDS:
        values = costs.get(kind, [])
        if values:
            target = (f"every request <= {TARGET_ROUND_TRIPS:.0f}: {mark(checks['trips'])}"
                      if kind == "answer POST" else "")
            trips_, commands = [r for r, _ in values], [c for _, c in values]
            out.append(f"| {kind} | {len(values)} | {_typical(trips_)} / {max(trips_)} | "
                       f"{_typical(commands)} / {max(commands)} | {target} |")
    out += [
        f"| under load: per step, mean | {pairs} | "
        f"{steps.redis['reads'] / max(1, pairs):.2f} | "
        f"{steps.redis['commands'] / max(1, pairs):.2f} | {_command_mix(steps.redis, pairs)} |",
        f"| under load: per GET /healthz, mean | {len(h)} | "
        f"{health.redis['reads'] / max(1, len(h)):.2f} | "
        f"{health.redis['commands'] / max(1, len(h)):.2f} | |",
        f"| new Redis connections during the step phase | | {steps.redis['connections']:.0f} | "
        f"| pooled per worker |",
        "",
        "Page weight (gzip -6 of each body, and the bytes the server actually sent to a client",
        "accepting the load phases' encodings; the first visit loads the assets once)",
        "",
        "| what | bytes | gzip -6 bytes | served bytes | target |",
        "|---|---:|---:|---:|---|",
    ]
    for what, raw, gzipped, served in weight:
        out.append(f"| {what} | {raw} | {gzipped} | {served} | |")
    out += [
        f"| first visit: landing + first question + CSS/JS incl. htmx | | "
        f"{first_kb * 1024:.0f} ({first_kb:.1f} KB) | {first_served} | "
        f"<= {TARGET_FIRST_PAGE_KB:.0f} KB gzip: {mark(checks['weight'])} |",
        "",
        "CPU during each phase (CPU seconds per second; 1.0 = one core of the machine's "
        f"{os.cpu_count()})",
        "",
        "| process | steps | healthz |",
        "|---|---:|---:|",
        f"| bench client, all threads (GIL: at most ~1.0) | {steps.client_cpu / steps.wall:.2f}"
        f" | {health.client_cpu / health.wall:.2f} |",
        f"| gunicorn master + workers | {steps.web_cpu / steps.wall:.2f} | "
        f"{health.web_cpu / health.wall:.2f} |",
        f"| redis-server | {steps.redis['cpu'] / steps.wall:.2f} | "
        f"{health.redis['cpu'] / health.wall:.2f} |",
        "",
        f"Screenings completed: {steps.samples.screenings} ({', '.join(PATHS)}, in turn); "
        f"errors: {len(errors)}. Redis round trips per step under load: "
        f"{steps.redis['reads'] / max(1, pairs):.2f}.",
    ]
    out += [f"error: {error}" for error in errors[:5]]
    print("\n".join(out))
    return all(checks.values()) and not errors


def _typical(values: list[int]) -> int:
    return sorted(values)[len(values) // 2]


def _requests(phase: Phase, per_step: int) -> int:
    s = phase.samples.seconds
    return len(s["landing GET"]) + per_step * (len(s["start"]) + len(s["step"])
                                              + len(s["finish"]))


def _command_mix(delta: Mapping[str, float], steps: int) -> str:
    skip = {"commands", "reads", "connections", "cpu", "info"}
    mix = sorted(((v, k) for k, v in delta.items() if k not in skip and v > 0), reverse=True)
    return ", ".join(f"{k} {v / steps:.2f}" for v, k in mix[:6]) if steps else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="duration of each phase")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured warm-up seconds")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--plain", dest="htmx", action="store_false",
                        help="drive the flow as a browser without JavaScript (303 + GET)")
    args = parser.parse_args(argv)

    plans = {level: planned_answers(level) for level in PATHS}
    hx = HX if args.htmx else None
    encodings = phone_encodings()
    levels = list(PATHS)
    # Sixteen clients from one address would trip per-IP limits meant for people.
    with deployed("bench", RATELIMIT_ENABLED="false") as run:
        port, rclient = run.port, run.redis

        def flow(n: int, out: Samples) -> None:
            level = levels[(n + out.screenings) % len(levels)]
            screening(Browser(port, encodings), level, plans[level], out, hx)

        def healthz(_n: int, out: Samples) -> None:
            resp = expect(Browser(port, encodings).request("GET", "/healthz"), 200, "healthz")
            out.add("healthz", resp.seconds)

        weight = page_weight(port, encodings)
        run_clients(args.clients, args.warmup, flow)  # every worker has connected
        costs = redis_cost_per_request(port, rclient, plans, hx)
        steps = measure("steps", args.clients, args.seconds, flow, run.web.pid, rclient)
        health = measure("healthz", args.clients, args.seconds, healthz, run.web.pid, rclient)
        redis_desc, env = run.redis_desc, run.env
    workers = env.get("WEB_CONCURRENCY", "3 (Procfile default)")
    met = report(steps, health, weight, costs, args, f"{redis_desc}; load phases send "
                 f"Accept-Encoding: {encodings}", workers)
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    sys.exit(main())
