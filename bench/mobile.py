"""Mobile speed of the client's flow in Chromium, with DevTools network emulation.

Serves the app as the Procfile does (gunicorn, real Redis), then for each network profile
(no throttling, "Fast 3G", "Slow 3G") opens a fresh phone-sized browser context (empty cache)
and measures:

  * first page: bytes transferred for the landing page with everything it loads (HTML, CSS,
    scripts, icon), summed from CDP `Network.loadingFinished.encodedDataLength` (bytes on the
    wire: headers + compressed body; redirects included), and its load time (navigation start
    to the `load` event);
  * first question visible: from the tap on "Start now" to the first frame in which the first
    question's form is in the page (timed inside the page, on its own clock);
  * each htmx step: from the tap on "Continue" to the first frame showing the next page, and
    the bytes transferred for it (the POST's 303 and the GET of the next page).

Budgets (issue 5): first page <= 30 KB transferred; first question visible <= 1.5 s on Fast 3G
and <= 4 s on Slow 3G; each step <= 4 KB. Exit status 0 (report) unless --check, then 1 when
a budget is missed. Run: `.venv/bin/python bench/mobile.py` (needs /usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    deployed,
    planned_answers,
)

FIRST_PAGE_BUDGET = 30 * 1024
STEP_BUDGET = 4 * 1024
FIRST_QUESTION_BUDGET = {"Fast 3G": 1.5, "Slow 3G": 4.0}


@dataclass(frozen=True)
class Profile:
    name: str
    latency_ms: float  # added to every request's round trip
    down: float  # bytes per second; -1 = not throttled
    up: float


PROFILES = (
    Profile("no throttling", 0, -1, -1),
    # Chrome DevTools' presets.
    Profile("Fast 3G", 562.5, 180_000, 84_375),
    Profile("Slow 3G", 2_000, 50_000, 50_000),
)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3,
         "is_mobile": True, "has_touch": True}

# Which page is showing (same markers as the browser tests).
STATE = """() => {
  const q = document.querySelector('form[data-question]');
  if (q) return 'q:' + q.dataset.question;
  if (document.querySelector('form[data-check-answers]')) return 'check';
  const o = document.querySelector('main[data-outcome]');
  return o ? 'outcome:' + o.dataset.outcome : 'other';
}"""
# Remember when the control is pressed, on the page's clock (capture phase: before htmx).
ARM = """(selector) => {
  window.__tapAt = null;
  document.querySelector(selector).addEventListener('click',
    () => { window.__tapAt = performance.now(); }, {capture: true, once: true});
}"""
# Polled every animation frame: the first frame where a new page shows ends the step.
SHOWN = f"""(previous) => {{
  const state = ({STATE})();
  if (state === previous || state === 'other') return false;
  return {{state, ms: performance.now() - window.__tapAt}};
}}"""


class NetworkMeter:
    """Bytes on the wire per request, from the Chrome DevTools Protocol."""

    def __init__(self, context, page):
        self.page = page
        self.cdp = context.new_cdp_session(page)
        self.bytes: dict[str, float] = {}
        self.urls: dict[str, str] = {}
        self.pending: set[str] = set()
        self.last_event = time.monotonic()
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.on("Network.loadingFailed", lambda e: self.pending.discard(e["requestId"]))
        self.cdp.send("Network.enable")

    def _sent(self, event: dict) -> None:
        rid = event["requestId"]
        redirect = event.get("redirectResponse")
        if redirect:  # the 303 before it shares the request id: count its bytes now
            self.bytes[rid] = self.bytes.get(rid, 0) + redirect.get("encodedDataLength", 0)
        self.urls[rid] = event["request"]["url"]
        self.pending.add(rid)
        self.last_event = time.monotonic()

    def _finished(self, event: dict) -> None:
        rid = event["requestId"]
        self.bytes[rid] = self.bytes.get(rid, 0) + event["encodedDataLength"]
        self.pending.discard(rid)
        self.last_event = time.monotonic()

    def emulate(self, profile: Profile) -> None:
        self.cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": profile.latency_ms,
            "downloadThroughput": profile.down, "uploadThroughput": profile.up})

    def settle(self, timeout: float = 30.0, quiet: float = 0.25) -> None:
        """Wait for a quiet network: nothing pending and no request event for `quiet` s (a
        late request such as the icon must count for this page, not the next step)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.page.wait_for_timeout(25)  # lets Playwright deliver queued CDP events
            if not self.pending and time.monotonic() - self.last_event >= quiet:
                return

    def take(self) -> tuple[int, list[tuple[str, int]]]:
        """(total bytes, [(url, bytes)]) since the last take."""
        items = [(self.urls.get(rid, rid), int(n)) for rid, n in self.bytes.items()]
        self.bytes = {}
        return sum(n for _, n in items), items


@dataclass
class Step:
    label: str
    ms: float
    bytes: int
    items: list[tuple[str, int]] = field(default_factory=list)  # (url, bytes) per request


@dataclass
class Run:
    profile: Profile
    first_page_bytes: int = 0
    first_page_items: list[tuple[str, int]] = field(default_factory=list)
    landing_load_ms: float = 0.0
    start: Step = field(default_factory=lambda: Step("start", 0.0, 0))
    steps: list[Step] = field(default_factory=list)
    outcome: str = ""

    @property
    def first_question_ms(self) -> float:
        return self.start.ms


def tap_and_wait(page, meter: NetworkMeter, selector: str, timeout_ms: float,
                 label: str) -> tuple[str, Step]:
    """Tap `selector`; (new state, the step: ms from tap to the new page's first frame)."""
    previous = page.evaluate(STATE)
    page.evaluate(ARM, selector)
    page.locator(selector).first.tap()
    shown = page.wait_for_function(SHOWN, arg=previous, polling="raf", timeout=timeout_ms)
    result = shown.json_value()
    meter.settle()
    total, items = meter.take()
    return result["state"], Step(label, result["ms"], total, items)


def answer(page, qid: str, value) -> None:
    for code in [value] if isinstance(value, str) else value:
        page.locator(f'form[data-question="{qid}"] input[name="{qid}"][value="{code}"]').check()


def measure_flow(context, base: str, profile: Profile, plan: list[tuple[str, object]],
                 level: str) -> Run:
    """One screening in a fresh context under `profile`."""
    page = context.new_page()
    meter = NetworkMeter(context, page)
    meter.emulate(profile)
    timeout = 120_000
    run = Run(profile)
    page.goto(base + "/", wait_until="load", timeout=timeout)
    meter.settle()
    run.first_page_bytes, run.first_page_items = meter.take()
    run.landing_load_ms = page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0];"
        " return n.loadEventEnd - n.startTime; }")
    state, run.start = tap_and_wait(page, meter, 'form[data-action="start"] button', timeout,
                                    "start -> first question")
    for qid, value in plan:
        assert state == f"q:{qid}", (state, qid)
        answer(page, qid, value)
        state, step = tap_and_wait(
            page, meter, f'form[data-question="{qid}"] button[type=submit]', timeout, qid)
        run.steps.append(step)
    if state == "check":
        state, step = tap_and_wait(page, meter, "form[data-check-answers] button", timeout,
                                   "check answers -> outcome")
        run.steps.append(step)
    run.outcome = state.removeprefix("outcome:")
    assert run.outcome == level, (run.outcome, level)
    page.close()
    return run


def kb(n: float) -> str:
    return f"{n / 1024:.1f} KB"


def report(runs: list[Run]) -> bool:
    ok = True
    out = ["| profile | first page (landing + CSS/JS) | landing load | Start -> first question "
           "visible | step bytes (max / mean) | step time (median / max) | budgets |",
           "|---|---:|---:|---:|---:|---:|---|"]
    for run in runs:
        step_bytes = [s.bytes for s in run.steps]
        step_ms = sorted(s.ms for s in run.steps)
        misses = []
        if run.first_page_bytes > FIRST_PAGE_BUDGET:
            misses.append("first page > 30 KB")
        if max(step_bytes) > STEP_BUDGET:
            misses.append("a step > 4 KB")
        limit = FIRST_QUESTION_BUDGET.get(run.profile.name)
        if limit is not None and run.first_question_ms > limit * 1000:
            misses.append(f"first question > {limit:g} s")
        ok &= not misses
        out.append(
            f"| {run.profile.name} | {run.first_page_bytes} B ({kb(run.first_page_bytes)}) | "
            f"{run.landing_load_ms:.0f} ms | {run.first_question_ms:.0f} ms "
            f"({run.start.bytes} B) | {max(step_bytes)} / "
            f"{sum(step_bytes) / len(step_bytes):.0f} B | {step_ms[len(step_ms) // 2]:.0f} / "
            f"{step_ms[-1]:.0f} ms | {'met' if not misses else 'MISSED: ' + ', '.join(misses)} |")
    first = runs[0]
    out += ["", "First page, request by request (no throttling):", ""]
    out += [f"  {n:>6} B  {url}" for url, n in first.first_page_items]
    out += ["", f"Steps ({first.outcome} path, no throttling / "
            + " / ".join(r.profile.name for r in runs[1:]) + "):", ""]
    for i, step in enumerate(first.steps):
        times = " / ".join(f"{r.steps[i].ms:.0f}" for r in runs)
        out.append(f"  {step.label:<28} {step.bytes:>5} B  {times} ms")
    print("\n".join(out))
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--level", default="proceed", help="answer path (default: proceed, "
                        "the longest common path)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a budget is missed")
    args = parser.parse_args(argv)
    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not chromium:
        raise SystemExit("no Chromium: apt-get install chromium (never `playwright install`)")
    from playwright.sync_api import sync_playwright

    plan = planned_answers(args.level)
    with deployed("mobile") as server, sync_playwright() as playwright:
        base = server.base
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        version = browser.version
        try:
            warm = browser.new_context(**PHONE)  # first requests warm up gunicorn's workers
            measure_flow(warm, base, PROFILES[0], plan, args.level)
            warm.close()
            runs = []
            for profile in PROFILES:
                context = browser.new_context(**PHONE)
                runs.append(measure_flow(context, base, profile, plan, args.level))
                context.close()
        finally:
            browser.close()
    print(f"ClotCheck on a phone (390x844, Chromium {version}), served by gunicorn "
          f"(Procfile); {len(plan)} questions on the {args.level} path; fresh cache per row.")
    print("Bytes = on the wire (headers + compressed bodies), from CDP encodedDataLength.\n")
    met = report(runs)
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    sys.exit(main())
