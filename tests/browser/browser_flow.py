"""What the browser tests share: walking the screening in a phone browser (waiting on what
the page signals, never on time), staff sign-in, and axe-core's accessibility scan."""

from __future__ import annotations

from worked_cases import WORKED_CASES

STAFF_PASSWORD = "correct horse battery staple"

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


def submit(page, qid: str, codes: list[str]) -> None:
    form = page.locator(f'form[data-question="{qid}"]')
    for code in codes:
        form.locator(f'input[name="{qid}"][value="{code}"]').check()
    form.locator("button[type=submit]").click()


def sign_in(page, base: str, next_path: str = "") -> None:
    """Sign in through the real form as alice; ends on the page the sign-in leads to."""
    page.goto(base + "/staff/sign-in" + (f"?next={next_path}" if next_path else ""))
    page.fill("#username", "alice")
    page.fill("#password", STAFF_PASSWORD)
    with page.expect_navigation():
        page.locator("form[data-staff-sign-in] button[type=submit]").click()


# -- accessibility ----------------------------------------------------------------------------

# WCAG 2.2 A and AA (axe tags every rule with the version that introduced it).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
_axe = None


def axe_violations(page, what: str) -> list[str]:
    """axe-core's WCAG 2.2 A/AA violations on the page as it is now, one line each.

    The page's context must have bypass_csp=True: axe is injected as a script."""
    global _axe
    if _axe is None:
        from axe_playwright_python.sync_playwright import Axe

        _axe = Axe()
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                      "resultTypes": ["violations"]})
    found = []
    for violation in results.response["violations"]:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]][:3]
        found.append(f"{what}: {violation['id']} ({violation['impact']}): "
                     f"{violation['help']} at {targets}")
    return found
