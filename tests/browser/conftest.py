"""A real browser for end-to-end tests: Debian's Chromium driven by Playwright.

Never `playwright install`: the browser comes from the system (`apt-get install
chromium`). Without one these tests skip locally, and fail under CI=true.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
PHONES = {
    "phone-390": {"viewport": {"width": 390, "height": 844}},
    "phone-320": {"viewport": {"width": 320, "height": 640}},
}


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


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app on a real local HTTP server, in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def phone_context(browser, phone: str = "phone-390", *, javascript: bool = True):
    return browser.new_context(
        **PHONES[phone], device_scale_factor=3, is_mobile=True, has_touch=True,
        java_script_enabled=javascript,
    )
