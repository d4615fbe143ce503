"""Complete screenings in a phone-sized Chromium, with and without JavaScript."""

from __future__ import annotations

import re

import pytest
from conftest import phone_context
from worked_cases import WORKED_CASES

from checker.flow import evaluate

# One worked case per level, the first of each in the table.
CASES = {}
for name, answers, level, _ in WORKED_CASES:
    CASES.setdefault(level, (name, answers))

STATE = """() => {
  const q = document.querySelector('form[data-question]');
  if (q) return 'q:' + q.dataset.question + ':' + location.pathname;
  if (document.querySelector('form[data-check-answers]')) return 'check';
  const o = document.querySelector('main[data-outcome]');
  return o ? 'outcome:' + o.dataset.outcome : 'other';
}"""


def wait_for_new_state(page, previous: str) -> str:
    page.wait_for_function(f"(prev) => ({STATE})() !== prev", arg=previous, timeout=10_000)
    return page.evaluate(STATE)


def answer_question(page, qid: str, answer) -> None:
    for code in [answer] if isinstance(answer, str) else answer:
        page.locator(f'form[data-question="{qid}"] input[name="{qid}"][value="{code}"]').check()
    page.locator(f'form[data-question="{qid}"] button[type="submit"]').click()


def start(page) -> None:
    """Press the start control: a button in the start form, or the start link itself."""
    control = page.locator('form[data-action="start"] button, a[data-action="start"]')
    control.first.click()


def screen(page, base: str, answers: dict) -> tuple[str, list[str]]:
    """Walk the flow as a client would; returns the outcome level and the questions seen."""
    page.goto(base + "/")
    state = page.evaluate(STATE)
    start(page)
    seen: list[str] = []
    for _ in range(30):
        state = wait_for_new_state(page, state)
        if state.startswith("outcome:"):
            return state.split(":", 1)[1], seen
        if state == "check":
            page.locator("form[data-check-answers] button[type=submit]").click()
            continue
        _, qid, path = state.split(":", 2)
        assert path.endswith(f"/q/{qid}"), "the address bar follows the question"
        seen.append(qid)
        answer_question(page, qid, answers[qid])
    raise AssertionError(f"no outcome after 30 steps; last state {state}")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("level", list(CASES))
def test_each_level_is_reachable_in_a_phone_browser(browser, live_server, level, javascript):
    name, answers = CASES[level]
    context = phone_context(browser, javascript=javascript)
    page = context.new_page()
    try:
        reached, seen = screen(page, live_server, answers)
        expected = evaluate(answers, strict=True)
        assert reached == level == expected.outcome.level.value, name
        assert seen == list(expected.path), "asked exactly the on-path questions"
        if javascript:
            # htmx swapped the content: the landing page's window never reloaded.
            assert page.evaluate("window.htmx !== undefined")
    finally:
        context.close()


def test_steps_are_swapped_without_a_full_reload(browser, live_server):
    context = phone_context(browser)
    page = context.new_page()
    try:
        page.goto(live_server + "/")
        page.evaluate("window.__sameDocument = true")
        state = page.evaluate(STATE)
        start(page)
        state = wait_for_new_state(page, state)
        answer_question(page, "emergency_now", ["none"])
        state = wait_for_new_state(page, state)
        assert state.startswith("q:emergency_recent:")
        assert page.evaluate("window.__sameDocument === true"), "no full page reload"
        assert re.search(r"/q/emergency_recent$", page.url)
        # Focus moves to the new question's heading once htmx has settled the swap.
        page.wait_for_function("document.activeElement && document.activeElement.tagName"
                               " === 'H1'", timeout=5_000)
        page.go_back()
        state = wait_for_new_state(page, state)
        assert state.startswith("q:emergency_now:"), "browser Back returns to the question"
    finally:
        context.close()
