"""Error states in a phone browser: the error summary takes focus and leads to the input."""

from __future__ import annotations

import pytest
from browser_flow import STATE, start, submit, wait_for_new_state

from checker.questionnaire import question

SUMMARY_FOCUSED = ("() => document.activeElement"
                   " && document.activeElement.classList.contains('error-summary')")


def expect_error(page, qid: str, kept: list[str]) -> str:
    """The page shows one error, focused, worded the same twice, with the answers kept."""
    page.wait_for_selector(f'form[data-question="{qid}"] .error-message')
    page.wait_for_function(SUMMARY_FOCUSED, timeout=5_000)
    assert page.title().startswith(f"Error: {question(qid).title}")
    summary_text = page.locator(".error-summary__list a").inner_text().strip()
    inline = page.locator(".error-message").inner_text().replace("Error:", "").strip()
    assert summary_text and summary_text == inline, "the summary and the field say the same"
    assert page.locator(".error-summary").get_attribute("role") == "alert"
    checked = page.locator(f'input[name="{qid}"]:checked')
    assert sorted(checked.evaluate_all("els => els.map(e => e.value)")) == sorted(kept), \
        "what the person ticked is kept"
    # Following the summary's link puts focus on the first input of the question.
    page.locator(".error-summary__list a").click()
    first = page.locator(f'form[data-question="{qid}"] input[name="{qid}"]').first
    page.wait_for_function("(id) => document.activeElement && document.activeElement.id === id",
                           arg=first.get_attribute("id"), timeout=5_000)
    return summary_text


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_errors_are_summarised_focused_and_linked(phones, live_server, javascript):
    _, page, csp = phones("phone-320", javascript=javascript)
    page.goto(live_server + "/")
    if javascript:
        page.evaluate("window.__sameDocument = true")
    state = page.evaluate(STATE)
    start(page)
    wait_for_new_state(page, state)

    # Nothing chosen on a checkbox question.
    submit(page, "emergency_now", [])
    nothing = expect_error(page, "emergency_now", [])
    assert "select" in nothing.lower() or "choose" in nothing.lower() or "tick" in \
        nothing.lower(), nothing

    # "None of these" with a symptom: not blocked in the browser, refused by the server.
    submit(page, "emergency_now", ["chest_pain", "none"])
    both = expect_error(page, "emergency_now", ["chest_pain", "none"])
    assert both != nothing

    # Correcting it moves on (the error does not stick).
    page.locator('input[value="chest_pain"]').uncheck()
    page.locator("form[data-question] button[type=submit]").click()
    page.wait_for_selector('form[data-question="emergency_recent"]')
    assert page.locator(".error-summary").count() == 0
    assert not page.title().startswith("Error:")

    # Nothing chosen on a radio question.
    submit(page, "emergency_recent", [])
    expect_error(page, "emergency_recent", [])
    if javascript:
        assert page.evaluate("window.__sameDocument === true"), "errors are swapped in too"
    assert not csp.problems()
