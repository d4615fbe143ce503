"""A real browser for end-to-end tests: Debian's Chromium driven by Playwright.

Never `playwright install`: the browser comes from the system (`apt-get install
chromium`). Without one these tests skip locally, and fail under CI=true.

One browser per test session; each test opens its own contexts (cheap) against its own app
and live server (its own Redis key prefix), so tests never see each other's data.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browser_flow import STAFF_PASSWORD
from staff_support import TWO_LOCATIONS
from werkzeug.serving import make_server

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
PHONES = {
    "phone-390": {"viewport": {"width": 390, "height": 844}},
    "phone-320": {"viewport": {"width": 320, "height": 640}},
    # 200% browser zoom on a 320 px wide phone: the layout viewport is 160 CSS px wide and
    # each CSS px covers twice the device pixels (how Chrome's zoom works, WCAG 1.4.4/1.4.10).
    "zoom-200-320": {"viewport": {"width": 160, "height": 320}},
}
DEVICE_SCALE = {"zoom-200-320": 2}  # only the CSS width matters for reflow

# Every `securitypolicyviolation` event, reported to Python through a binding, so it survives
# full page loads (each load runs this again). Console messages catch the rest, also with
# JavaScript off (the browser itself logs a refused resource).
CSP_RECORDER = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolation({directive: e.violatedDirective, blocked: e.blockedURI,
                         url: document.location.href, sample: e.sample});
});
"""


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if not path:
        message = "no Chromium: run `apt-get install chromium` to run the browser tests"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: browser tests may not skip)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def serve(app) -> Iterator[str]:
    """The app on a real local HTTP server, in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def live_server(app) -> Iterator[str]:
    yield from serve(app)


def phone_context(browser, phone: str = "phone-390", *, javascript: bool = True,
                  bypass_csp: bool = False):
    return browser.new_context(
        **PHONES[phone], device_scale_factor=DEVICE_SCALE.get(phone, 3), is_mobile=True,
        has_touch=True, java_script_enabled=javascript, bypass_csp=bypass_csp,
    )


# -- Content-Security-Policy watch -----------------------------------------------------------

@dataclass
class CspWatch:
    """What the browser reported about the Content-Security-Policy in one context."""

    violations: list[dict] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return [repr(v) for v in self.violations] + self.console


def watch_csp(context) -> CspWatch:
    """Record CSP violation events and CSP console messages of every page in `context`."""
    watch = CspWatch()
    context.expose_binding("__cspViolation", lambda _source, data: watch.violations.append(data))
    context.add_init_script(CSP_RECORDER)

    def on_console(message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in \
                message.text:
            watch.console.append(f"{message.type}: {message.text}")

    context.on("console", on_console)
    return watch


@pytest.fixture
def phones(browser) -> Iterator[Callable[..., tuple]]:
    """open(phone, javascript=, bypass_csp=) -> (context, page, CspWatch); closed after."""
    opened = []

    def open_phone(phone: str = "phone-390", *, javascript: bool = True,
                   bypass_csp: bool = False):
        context = phone_context(browser, phone, javascript=javascript, bypass_csp=bypass_csp)
        opened.append(context)
        watch = watch_csp(context)
        return context, context.new_page(), watch

    yield open_phone
    for context in opened:
        context.close()


# -- staff: the app with two locations and D's staff pages ------------------------------------

@pytest.fixture
def staff_app(app_config: dict, redis_client, tmp_path: Path):
    """The real app with two locations and one staff account (alice)."""
    from checker.web import create_app

    path = tmp_path / "locations.toml"
    path.write_text(TWO_LOCATIONS, encoding="utf-8")
    app = create_app({**app_config, "CLOTCHECK_LOCATIONS": str(path)})
    app.extensions["clotcheck"].staff.add("alice", STAFF_PASSWORD)
    return app


@pytest.fixture
def staff_server(staff_app) -> Iterator[str]:
    yield from serve(staff_app)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every browser test starts Chromium: part of the slow suite."""
    for item in items:
        if "/browser/" in str(item.path):
            item.add_marker(pytest.mark.slow)
