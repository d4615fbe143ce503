"""Byte budgets on a phone (deterministic, so tested; times are in bench/mobile.py).

Bytes are what the browser received on the wire, from the DevTools protocol: the landing
page with its CSS, scripts and icon <= 30 KB; each htmx step (answer -> next page) <= 4 KB.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.mobile import (  # noqa: E402
    FIRST_PAGE_BUDGET,
    PROFILES,
    STEP_BUDGET,
    measure_flow,
    planned_answers,
)


@pytest.fixture
def compressed_app(app):
    """The app as deployed: create_app() compresses responses (checker.web.compression)."""
    from checker.web.extensions import compress

    assert compress.after_request in app.after_request_funcs[None]
    return app


@pytest.fixture
def budget_server(compressed_app):
    from conftest import serve

    yield from serve(compressed_app)


@pytest.mark.parametrize("level", ["defer", "proceed"])
def test_first_page_and_every_step_fit_the_byte_budgets(browser, budget_server, level):
    from conftest import phone_context

    context = phone_context(browser)
    try:
        run = measure_flow(context, budget_server, PROFILES[0], planned_answers(level), level)
    finally:
        context.close()
    names = {url.rsplit("/", 1)[-1] or "landing" for url, _ in run.first_page_items}
    assert {"landing", "clotcheck.css", "htmx.min.js", "focus.js"} <= names, names
    assert run.first_page_bytes <= FIRST_PAGE_BUDGET, run.first_page_items
    steps = [run.start, *run.steps]
    over = [(step.label, step.items) for step in steps if step.bytes > STEP_BUDGET]
    assert not over, f"steps over {STEP_BUDGET} bytes: {over}"
    assert all(step.bytes > 500 for step in steps), "every step was measured"
