"""Phone-size screenshots of the product for docs/screenshots/ (PNG, 390x844 CSS px, scale 2).

Serves the app as the Procfile does (gunicorn, real Redis: REDIS_URL or an embedded server,
under a fresh key prefix that is deleted afterwards), walks the client's flow in Chromium
(JavaScript on, as on a phone) and signs a staff account in for the board and the poster.

Long pages are saved whole at scale 1; the poster as an A4 sheet in print media.
Run: `.venv/bin/python bench/screenshots.py` (needs /usr/bin/chromium; never
`playwright install`). Writes, replacing earlier files:
  01-landing, 02-question, 03-error, 04-check-answers, 05..09-outcome-<level>,
  10-staff-board, 11-poster-print.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import deployed, planned_answers  # noqa: E402
from bench.mobile import CHROMIUM_ARGS, STATE  # noqa: E402
from checker.staff import StaffAccounts  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
A4 = {"width": 794, "height": 1123}
LEVELS = ("emergency", "urgent", "defer", "modified", "proceed")
# Answers that show a question with hints and an "or" divider, and then an error on it.
ERROR_QUESTION = "limb_symptoms"


class Shooter:
    def __init__(self, page, out: Path):
        self.page, self.out, self.saved = page, out, []

    def shot(self, name: str, *, full_page: bool = False) -> None:
        self.page.wait_for_timeout(150)  # focus ring and swap settle
        path = self.out / f"{name}.png"
        # Whole long pages at 1 CSS px per pixel keep the files small; screens at scale 2.
        self.page.screenshot(path=str(path), full_page=full_page, animations="disabled",
                             scale="css" if full_page else "device")
        self.saved.append(path)


def wait_new(page, previous: str) -> str:
    page.wait_for_function(f"(p) => ({STATE})() !== p && ({STATE})() !== 'other'",
                           arg=previous, timeout=15_000)
    return page.evaluate(STATE)


def answer(page, qid: str, value) -> None:
    for code in [value] if isinstance(value, str) else value:
        page.locator(f'form[data-question="{qid}"] input[name="{qid}"][value="{code}"]').check()
    page.locator(f'form[data-question="{qid}"] button[type=submit]').click()


def walk(page, base: str, level: str, shoot: Shooter | None) -> None:
    """One screening to `level`; with `shoot`, also the question, error and check pages."""
    page.goto(base + "/?loc=main")
    state = page.evaluate(STATE)
    page.locator('form[data-action="start"] button').click()
    for qid, value in planned_answers(level):
        state = wait_new(page, state)
        assert state == f"q:{qid}", (state, qid)
        if shoot and qid == ERROR_QUESTION:
            shoot.shot("02-question")
            page.locator(f'input[name="{qid}"][value="pain"]').check()
            page.locator(f'input[name="{qid}"][value="none"]').check()
            page.locator(f'form[data-question="{qid}"] button[type=submit]').click()
            page.wait_for_selector(".error-summary")
            shoot.shot("03-error")
            page.locator(f'input[name="{qid}"][value="pain"]').uncheck()
            page.locator(f'input[name="{qid}"][value="none"]').uncheck()
        answer(page, qid, value)
    state = wait_new(page, state)
    if state == "check":
        if shoot:
            shoot.shot("04-check-answers")
        page.locator("form[data-check-answers] button").click()
        state = wait_new(page, state)
    assert state == f"outcome:{level}", state


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not chromium:
        raise SystemExit("no Chromium: apt-get install chromium (never `playwright install`)")
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    password = uuid.uuid4().hex
    with deployed("screenshots", CLINIC_NAME="Riverside Massage") as server, \
            sync_playwright() as playwright:
        StaffAccounts(server.redis, server.prefix).add("reception", password)
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(**PHONE)
            page = context.new_page()
            shoot = Shooter(page, args.out)
            page.goto(server.base + "/?loc=main")
            shoot.shot("01-landing")
            for number, level in enumerate(LEVELS, start=5):
                walk(page, server.base, level, shoot if level == "proceed" else None)
                shoot.shot(f"{number:02d}-outcome-{level}", full_page=True)
            staff = browser.new_context(**PHONE)
            board = staff.new_page()
            board.goto(server.base + "/staff/sign-in")
            board.fill("#username", "reception")
            board.fill("#password", password)
            with board.expect_navigation():
                board.locator("form[data-staff-sign-in] button[type=submit]").click()
            shoot.page = board
            board.goto(server.base + "/staff/board/main")
            shoot.shot("10-staff-board", full_page=True)
            # The poster is paper: an A4 sheet at 96 dpi, in print media.
            paper = staff.new_page()
            paper.set_viewport_size(A4)
            paper.goto(server.base + "/poster/main?paper=a4")
            paper.emulate_media(media="print")
            shoot.page = paper
            shoot.shot("11-poster-print")
        finally:
            browser.close()
    for path in shoot.saved:
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
              f"{path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
