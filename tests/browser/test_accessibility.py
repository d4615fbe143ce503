"""Accessibility in a real browser: axe-core (WCAG 2.2 A/AA) on every distinct page state,
keyboard-only completion with visible focus, and reflow at 200% zoom on a 320 px phone."""

from __future__ import annotations

import pytest
from answer_paths import CLEAN
from browser_flow import CASES, STATE, axe_violations, screen, start, submit, wait_for_new_state

from checker.flow import evaluate
from checker.questionnaire import QUESTIONS

# Answer sets that between them ask all 21 questions (v2) and end at all five levels.
EXTRA_PATHS = {
    "both legs swollen, long-standing": dict(
        CLEAN, limb_symptoms=("swelling",), limb_side="both", swelling_course="long_term"),
    "one leg, long-term condition with a letter": dict(
        CLEAN, limb_symptoms=("swelling",), limb_side="one", symptom_side="left",
        limb_context="long_term", limb_letter="massage_ok"),
    "sore legs after exercise, blood thinner, pregnant": dict(
        CLEAN, limb_symptoms=("pain",), limb_side="both", pain_kind="exercise_soreness",
        medicines=("anticoagulant",), bleeding_signs="no", recent_events=("pregnancy",),
        pregnancy_warning="no"),
}
PATHS = {f"{level}: {name}": answers for level, (name, answers) in CASES.items()}
PATHS.update(EXTRA_PATHS)


def _assign() -> dict[str, set[str]]:
    """Each question is scanned once, on the first path that asks it."""
    scanned: set[str] = set()
    plan = {}
    for name, answers in PATHS.items():
        path = set(evaluate(answers, strict=True).path)
        plan[name] = path - scanned
        scanned |= path
    missing = {q.id for q in QUESTIONS} - scanned
    assert not missing, f"no path asks {missing}"
    return plan


SCAN_PLAN = _assign()


@pytest.mark.parametrize("name", list(PATHS))
def test_every_page_of_the_flow_has_no_axe_violations(phones, live_server, name):
    _, page, _ = phones("phone-390", bypass_csp=True)
    found: list[str] = []
    to_scan = set(SCAN_PLAN[name])
    scanned: list[str] = []

    def scan(state: str) -> None:
        kind = state.split(":")[1] if state.startswith("q:") else state
        if kind in to_scan or not state.startswith("q:"):
            to_scan.discard(kind)
            scanned.append(kind)
            found.extend(axe_violations(page, kind))

    if name == next(iter(PATHS)):
        page.goto(live_server + "/")
        found.extend(axe_violations(page, "landing"))
    screen(page, live_server, PATHS[name], on_state=scan)
    assert not to_scan, f"never reached {to_scan}"
    assert not found, "\n".join(found)
    assert scanned


def test_error_states_have_no_axe_violations(phones, live_server):
    # axe runs as JavaScript in the page, so only with JavaScript on; the error page a
    # browser without JavaScript gets is the same template around the same <main>.
    _, page, _ = phones("phone-320", bypass_csp=True)
    page.goto(live_server + "/")
    state = page.evaluate(STATE)
    start(page)
    wait_for_new_state(page, state)
    found = []
    submit(page, "emergency_now", [])
    page.wait_for_selector(".error-summary")
    found += axe_violations(page, "nothing chosen (checkbox)")
    submit(page, "emergency_now", ["chest_pain", "none"])
    page.wait_for_selector(".error-summary")
    found += axe_violations(page, "none plus another option")
    page.locator('input[value="chest_pain"]').uncheck()
    page.locator("form[data-question] button[type=submit]").click()
    page.wait_for_selector('form[data-question="emergency_recent"]')
    submit(page, "emergency_recent", [])
    page.wait_for_selector(".error-summary")
    found += axe_violations(page, "nothing chosen (radio)")
    assert not found, "\n".join(found)


# -- keyboard only -------------------------------------------------------------------------

# Called after every key press: the element that just lost focus is compared with how it
# looked while focused, so "visible focus" means a real difference a sighted keyboard user
# sees (an outline, or a change of background/shadow), not merely a style that is always on.
FOCUS_PROBE = """() => {
  const look = (el) => {
    const s = getComputedStyle(el);
    return {outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2
                     && s.outlineColor !== 'rgba(0, 0, 0, 0)' ? s.outlineColor : '',
            shadow: s.boxShadow, background: s.backgroundColor, color: s.color};
  };
  const report = [];
  const prev = window.__kbPrev;
  if (prev && prev.el.isConnected && prev.el !== document.activeElement) {
    const now = look(prev.el);
    const differs = prev.look.outline || prev.look.shadow !== now.shadow
      || prev.look.background !== now.background;
    if (!differs) report.push(prev.name);
  }
  const el = document.activeElement;
  const name = el ? el.tagName + '#' + (el.id || '') + '.' + (el.className || '')
                    + ' ' + (el.textContent || '').trim().slice(0, 30) : '';
  const tabStop = el && el !== document.body && el.tabIndex >= 0;
  window.__kbPrev = tabStop ? {el, name, look: look(el)} : null;
  return {report, name, tabStop};
}"""


class Keyboard:
    """Tab, Space and Enter only; checks focus is visible on every Tab stop."""

    def __init__(self, page, javascript: bool):
        self.page, self.javascript = page, javascript
        self.invisible: list[str] = []
        self.stops = 0

    def press(self, key: str) -> None:
        if key == "Enter" and not self.javascript:  # submits a form: a full page load
            with self.page.expect_navigation():
                self.page.keyboard.press(key)
        else:
            self.page.keyboard.press(key)
        result = self.page.evaluate(FOCUS_PROBE)
        self.invisible += result["report"]
        self.stops += result["tabStop"]

    def tab_to(self, selector: str, limit: int = 40) -> None:
        for _ in range(limit):
            self.press("Tab")
            if self.page.evaluate("(s) => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    def choose_radio(self, qid: str, code: str) -> None:
        """A radio group is one Tab stop; the arrow keys move the choice within it (as in
        every browser), Space picks the first option when none is chosen yet."""
        self.tab_to(f'input[name="{qid}"]')
        self.press("Space")
        target = f'input[name="{qid}"][value="{code}"]'
        for _ in range(10):
            if self.page.evaluate("(s) => document.activeElement.matches(s)", target):
                assert self.page.locator(target).is_checked()
                return
            self.press("ArrowDown")
        raise AssertionError(f"the arrow keys never reached {target}")


def keyboard_screen(page, base: str, answers: dict, javascript: bool) -> str:
    keys = Keyboard(page, javascript)
    page.goto(base + "/")
    state = page.evaluate(STATE)
    keys.tab_to('form[data-action="start"] button')
    keys.press("Enter")
    for _ in range(30):
        state = wait_for_new_state(page, state)
        if state.startswith("outcome:"):
            assert not keys.invisible, f"focus not visible on {keys.invisible}"
            assert keys.stops > 20
            return state.split(":", 1)[1]
        if state == "check":
            keys.tab_to("form[data-check-answers] button")
            keys.press("Enter")
            continue
        qid = state.split(":")[1]
        answer = answers[qid]
        if isinstance(answer, str):
            keys.choose_radio(qid, answer)
        else:
            for code in answer:
                keys.tab_to(f'input[name="{qid}"][value="{code}"]')
                if not page.evaluate("document.activeElement.checked"):
                    keys.press("Space")
        keys.tab_to(f'form[data-question="{qid}"] button[type=submit]')
        keys.press("Enter")
    raise AssertionError("no outcome")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_screening_can_be_completed_with_the_keyboard_alone(phones, live_server,
                                                              javascript):
    level = "modified" if javascript else "defer"
    name, answers = CASES[level]
    _, page, _ = phones("phone-390", javascript=javascript)
    assert keyboard_screen(page, live_server, answers, javascript) == level, name


# -- 200% zoom -----------------------------------------------------------------------------

NO_SIDEWAYS_SCROLL = """() => {
  const s = document.scrollingElement;
  return {scroll: s.scrollWidth, client: s.clientWidth};
}"""


def test_no_horizontal_scrolling_at_200_percent_zoom_on_a_320px_phone(phones, live_server):
    """A 320 px phone zoomed to 200% lays pages out in 160 CSS px (see conftest PHONES)."""
    _, page, _ = phones("zoom-200-320")
    wide: list[str] = []

    def check(state: str) -> None:
        size = page.evaluate(NO_SIDEWAYS_SCROLL)
        if size["scroll"] > size["client"]:
            wide.append(f"{state}: {size}")

    page.goto(live_server + "/")
    check("landing")
    for level in ("emergency", "defer", "modified"):
        screen(page, live_server, CASES[level][1], on_state=check)
    page.goto(live_server + "/")
    state = page.evaluate(STATE)
    start(page)
    wait_for_new_state(page, state)
    submit(page, "emergency_now", [])
    page.wait_for_selector(".error-summary")
    check("error")
    assert not wide, "pages scroll sideways at 200% zoom:\n" + "\n".join(wide)


def test_the_axe_check_does_find_violations(phones, live_server):
    """The scans above can fail: the same check on a page with known faults finds them."""
    _, page, _ = phones("phone-390", bypass_csp=True)
    page.goto(live_server + "/")
    page.evaluate("""() => {
      document.querySelector('h1').insertAdjacentHTML('afterend',
        '<img src="/static/favicon.svg"><p class="low-contrast">faint</p>');
      document.documentElement.removeAttribute('lang');
    }""")
    found = " ".join(axe_violations(page, "broken landing"))
    assert "image-alt" in found and "html-has-lang" in found, found


# -- Spanish --------------------------------------------------------------------------------

HTML_LANG = "() => document.documentElement.lang"


def test_spanish_pages_have_lang_es_and_no_axe_violations(phones, live_server):
    """The landing page, a question, an error and every outcome, in Spanish."""
    _, page, _ = phones("phone-390", bypass_csp=True)
    found: list[str] = []
    page.goto(live_server + "/?lang=es")
    assert page.evaluate(HTML_LANG) == "es"
    found += axe_violations(page, "es landing")
    state = page.evaluate(STATE)
    start(page)
    wait_for_new_state(page, state)
    found += axe_violations(page, "es question")
    submit(page, "emergency_now", [])
    page.wait_for_selector(".error-summary")
    assert page.title().startswith("Error: Síntomas ahora")
    found += axe_violations(page, "es error")
    outcomes = []

    def scan(state: str) -> None:
        assert page.evaluate(HTML_LANG) == "es", state
        if state.startswith("outcome:"):
            outcomes.append(state)
            found.extend(axe_violations(page, f"es {state}"))

    for level in ("emergency", "urgent", "defer", "modified", "proceed"):
        screen(page, live_server, CASES[level][1], on_state=scan, start_path="/?lang=es")
    assert outcomes == [f"outcome:{level}" for level in
                        ("emergency", "urgent", "defer", "modified", "proceed")]
    assert not found, "\n".join(found)
