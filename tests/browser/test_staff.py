"""Staff pages in a real browser: sign in, a new check-in appears on the board by itself,
the poster prints as a poster; axe, CSP and reflow on every staff page state."""

from __future__ import annotations

import re

from browser_flow import CASES, axe_violations, screen, sign_in

BOARD = "/staff/board/a"
VISIBLE_OUTSIDE_POSTER = """() => {
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.poster')) continue;
    const text = [...el.childNodes].filter(n => n.nodeType === 3)
      .map(n => n.textContent.trim()).join('');
    const box = el.getBoundingClientRect();
    if ((text || el.tagName === 'A' || el.tagName === 'BUTTON') && el.checkVisibility()
        && box.width > 0 && box.height > 0) out.push(el.tagName + ': ' + text.slice(0, 40));
  }
  return out;
}"""


def checkin_code(page) -> str:
    return page.locator(".checkin__code").inner_text().strip()


def test_signed_out_staff_are_sent_to_sign_in_and_come_back(phones, staff_server):
    _, page, csp = phones("phone-390")
    page.goto(staff_server + BOARD)
    assert "/staff/sign-in" in page.url
    page.fill("#username", "alice")
    page.fill("#password", "wrong password")
    page.locator("form[data-staff-sign-in] button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    assert page.title().startswith("Error:") or "problem" in page.inner_text(".error-summary")
    sign_in(page, staff_server, next_path=BOARD)
    assert page.url.endswith(BOARD)
    assert page.locator("h1").inner_text().startswith("Check-ins today")
    assert not csp.problems()


def test_a_new_check_in_appears_on_the_board_without_reloading(phones, staff_server):
    _, board, csp = phones("phone-390")
    sign_in(board, staff_server, next_path=BOARD)
    assert board.url.endswith(BOARD)
    board.evaluate("window.__sameDocument = true")
    assert board.locator("tr[data-checkin]").count() == 0

    _, client, client_csp = phones("phone-320")
    level, _ = screen(client, staff_server, CASES["modified"][1], start_path="/?loc=a")
    assert level == "modified"
    code = checkin_code(client)

    # htmx polls the board every few seconds; the row arrives without a page load.
    row = board.locator(f'tr[data-checkin="{code}"]')
    row.wait_for(timeout=15_000)
    assert row.get_attribute("data-level") == "modified"
    assert board.evaluate("window.__sameDocument === true"), "the board was not reloaded"
    assert board.url.endswith(BOARD)
    assert not csp.problems() and not client_csp.problems()


def test_the_poster_prints_with_only_the_qr_code_and_address(phones, staff_server):
    _, page, csp = phones("phone-390")
    page.goto(staff_server + "/poster/a")
    page.emulate_media(media="print")
    poster = page.locator("article.poster")
    qr = poster.locator(".poster__qr svg")
    assert qr.is_visible()
    box = qr.bounding_box()
    assert box["width"] > 150 and abs(box["width"] - box["height"]) < 2, box
    url = poster.locator(".poster__url")
    assert url.is_visible()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?loc=a", url.inner_text().strip())
    assert poster.get_by_text("Alpha Massage Studio").is_visible()
    hidden = ["header", "footer", ".print-tools", ".skip-link", "nav"]
    for selector in hidden:
        for element in page.locator(selector).all():
            assert not element.is_visible(), f"{selector} shows on the printed poster"
    assert page.evaluate(VISIBLE_OUTSIDE_POSTER) == [], "only the poster prints"
    page.emulate_media(media="screen")
    assert page.locator(".print-tools").is_visible(), "on screen, the print help shows"
    assert not csp.problems()


def test_staff_pages_have_no_axe_violations(phones, staff_server):
    _, page, _ = phones("phone-390", bypass_csp=True)
    found: list[str] = []
    page.goto(staff_server + "/staff/sign-in")
    found += axe_violations(page, "sign-in")
    page.locator("form[data-staff-sign-in] button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    found += axe_violations(page, "sign-in error")

    # A client whose result is "defer" asks for clearance reminders by text (C's forms).
    _, client, _ = phones("phone-320", bypass_csp=True)
    screen(client, staff_server, CASES["defer"][1], start_path="/?loc=a")
    reminders = client.locator('form[data-action="reminders"]')
    reminders.locator("button[type=submit]").click()
    client.wait_for_selector(".error-summary")
    found += axe_violations(client, "reminders form with errors")
    client.fill("#sms-phone", "(202) 555-0143")
    client.check("#sms-plan-2w")
    client.check("#sms-consent")
    client.locator('form[data-action="reminders"] button[type=submit]').click()
    client.wait_for_selector("main[data-sms-done]")
    found += axe_violations(client, "reminders set up")

    sign_in(page, staff_server, next_path="/staff/")
    found += axe_violations(page, "staff index (two locations)")
    page.goto(staff_server + BOARD)
    page.locator("tr[data-checkin]").first.wait_for()
    found += axe_violations(page, "board with a check-in")
    page.goto(staff_server + "/staff/board/b")
    found += axe_violations(page, "empty board")
    page.goto(staff_server + BOARD)
    page.locator("tr[data-checkin] a[href*='/clearance']").first.click()
    save = page.locator('form[action*="/clearance"] button[type=submit]')
    save.wait_for()
    found += axe_violations(page, "record clearance")
    save.click()
    page.wait_for_selector(".error-summary")
    found += axe_violations(page, "record clearance with errors")
    page.goto(staff_server + "/staff/messages")
    assert page.locator("td.board-code").count() >= 1, "the reminder is listed"
    found += axe_violations(page, "messages with a reminder")
    page.goto(staff_server + "/poster/a")
    found += axe_violations(page, "poster")
    page.goto(staff_server + "/clearance/a")
    found += axe_violations(page, "clearance form to print")
    assert not found, "\n".join(found)


def test_staff_and_reception_pages_reflow_at_200_percent_zoom(phones, staff_server):
    _, page, csp = phones("zoom-200-320")
    wide = []
    for path in ("/staff/sign-in", "/poster/a", "/clearance/a"):
        page.goto(staff_server + path)
        size = page.evaluate("() => [document.scrollingElement.scrollWidth,"
                             " document.scrollingElement.clientWidth]")
        if size[0] > size[1]:
            wide.append(f"{path}: {size}")
    assert not wide, wide
    assert not csp.problems()
