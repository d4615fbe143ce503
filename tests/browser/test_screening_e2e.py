"""Complete screenings in a phone-sized Chromium, with and without JavaScript."""

from __future__ import annotations

import re

import pytest
from worked_cases import WORKED_CASES

from checker.flow import evaluate
from checker.questionnaire import question

# One worked case per level, the first of each in the table.
CASES = {}
for name, answers, level, _ in WORKED_CASES:
    CASES.setdefault(level, (name, answers))
PHONE_NAMES = ("phone-390", "phone-320")

STATE = """() => {
  const q = document.querySelector('form[data-question]');
  if (q) return 'q:' + q.dataset.question + ':' + location.pathname;
  if (document.querySelector('form[data-check-answers]')) return 'check';
  const o = document.querySelector('main[data-outcome]');
  return o ? 'outcome:' + o.dataset.outcome : 'other';
}"""
# Set on the landing page; still there at the end only if the window never reloaded.
MARK_DOCUMENT = "window.__sameDocument = true"
SAME_DOCUMENT = "window.__sameDocument === true"
FOCUSED_H1 = ("() => document.activeElement && document.activeElement.tagName === 'H1'"
              " && document.activeElement.closest('main') !== null")


def wait_for_new_state(page, previous: str) -> str:
    """The next page's state, read in the same check that saw it change. A document still
    loading (no form and no outcome yet: 'other') is not a new state."""
    found = page.wait_for_function(
        f"(prev) => {{ const s = ({STATE})(); return s !== prev && s !== 'other' && s; }}",
        arg=previous, timeout=10_000)
    return found.json_value()


def answer_question(page, qid: str, answer) -> None:
    for code in [answer] if isinstance(answer, str) else answer:
        page.locator(f'form[data-question="{qid}"] input[name="{qid}"][value="{code}"]').check()
    page.locator(f'form[data-question="{qid}"] button[type="submit"]').click()


def start(page) -> None:
    """Press the start control: a button in the start form, or the start link itself."""
    control = page.locator('form[data-action="start"] button, a[data-action="start"]')
    control.first.click()


def screen(page, base: str, answers: dict, *, javascript: bool = True,
           on_state=None, start_path: str = "/") -> tuple[str, list[str]]:
    """Walk the flow as a client would; returns the outcome level and the questions seen.

    `on_state(state)` is called on every new page (question, check answers, outcome).
    """
    page.goto(base + start_path)
    if javascript:
        page.evaluate(MARK_DOCUMENT)
    state = page.evaluate(STATE)
    start(page)
    seen: list[str] = []
    for _ in range(30):
        state = wait_for_new_state(page, state)
        if on_state:
            on_state(state)
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


def level_params():
    # Each level on both phone sizes: phones alternate between the JS-on and JS-off runs.
    for i, level in enumerate(CASES):
        for javascript in (True, False):
            phone = PHONE_NAMES[(i + javascript) % 2]
            yield pytest.param(level, javascript, phone,
                               id=f"{level}-{'js' if javascript else 'no-js'}-{phone}")


@pytest.mark.parametrize(("level", "javascript", "phone"), list(level_params()))
def test_each_level_is_reachable_in_a_phone_browser(phones, live_server, level, javascript,
                                                   phone):
    name, answers = CASES[level]
    _, page, csp = phones(phone, javascript=javascript)
    reached, seen = screen(page, live_server, answers, javascript=javascript)
    expected = evaluate(answers, strict=True)
    assert reached == level == expected.outcome.level.value, name
    assert seen == list(expected.path), "asked exactly the on-path questions"
    assert re.search(r"/s/[^/]+/outcome$", page.url), "the address bar shows the outcome"
    if javascript:
        assert page.evaluate(SAME_DOCUMENT), "htmx swapped every step: no full page load"
        page.wait_for_function(FOCUSED_H1, timeout=5_000)
    assert page.locator("main h1").count() == 1
    assert not csp.problems(), "the browser reported Content-Security-Policy violations"


def _first_two_questions(page, base: str) -> str:
    page.goto(base + "/")
    page.evaluate(MARK_DOCUMENT)
    state = page.evaluate(STATE)
    start(page)
    state = wait_for_new_state(page, state)
    assert state.startswith("q:emergency_now:")
    answer_question(page, "emergency_now", ["none"])
    return wait_for_new_state(page, state)


def test_steps_are_swapped_and_back_works_with_javascript(phones, live_server):
    _, page, csp = phones("phone-390")
    state = _first_two_questions(page, live_server)
    assert state.startswith("q:emergency_recent:")
    assert page.evaluate(SAME_DOCUMENT), "no full page reload"
    assert re.search(r"/q/emergency_recent$", page.url)
    assert page.title().startswith(question("emergency_recent").title), "the title follows"
    # Focus moves to the new question's heading once htmx has settled the swap.
    page.wait_for_function(FOCUSED_H1, timeout=5_000)

    # The page's back link: swapped in place, address bar and focus follow.
    page.locator("a.back-link").click()
    state = wait_for_new_state(page, state)
    assert state.startswith("q:emergency_now:")
    assert re.search(r"/q/emergency_now$", page.url)
    assert page.evaluate(SAME_DOCUMENT), "the back link is swapped too"
    page.wait_for_function(FOCUSED_H1, timeout=5_000)
    assert page.locator("input[value=none]").is_checked(), "the earlier answer is kept"

    # Forward again, then the browser's Back button.
    page.locator("form[data-question] button[type=submit]").click()
    state = wait_for_new_state(page, state)
    assert state.startswith("q:emergency_recent:")
    page.go_back()
    state = wait_for_new_state(page, state)
    assert state.startswith("q:emergency_now:"), "browser Back returns to the question"
    assert re.search(r"/q/emergency_now$", page.url)
    page.go_forward()
    state = wait_for_new_state(page, state)
    assert state.startswith("q:emergency_recent:"), "and Forward goes on again"
    assert not csp.problems()


def test_back_works_without_javascript(phones, live_server):
    _, page, csp = phones("phone-320", javascript=False)
    page.goto(live_server + "/")
    start(page)
    page.wait_for_selector('form[data-question="emergency_now"]')
    answer_question(page, "emergency_now", ["none"])
    page.wait_for_selector('form[data-question="emergency_recent"]')
    page.locator("a.back-link").click()
    page.wait_for_selector('form[data-question="emergency_now"]')
    assert re.search(r"/q/emergency_now$", page.url)
    assert page.locator("input[value=none]").is_checked()
    page.locator("form[data-question] button[type=submit]").click()
    page.wait_for_selector('form[data-question="emergency_recent"]')
    page.go_back()  # the browser's Back button
    page.wait_for_selector('form[data-question="emergency_now"]')
    assert re.search(r"/q/emergency_now$", page.url)
    assert page.locator("input[value=none]").is_checked()
    assert not csp.problems()
