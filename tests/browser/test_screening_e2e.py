"""Complete screenings in a phone-sized Chromium, with and without JavaScript."""

from __future__ import annotations

import re

import pytest
from browser_flow import (
    CASES,
    FOCUSED_H1,
    MARK_DOCUMENT,
    PHONE_NAMES,
    SAME_DOCUMENT,
    STATE,
    answer_question,
    screen,
    start,
    wait_for_new_state,
)

from checker.flow import evaluate
from checker.questionnaire import question


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
