"""Staff pages under /staff/, one module per job: `access` (who is signed in, default-deny),
`signin`, `board` (today's check-ins, seen, clearance), `export` (CSV), `messages` (texts and
reminders) and `cli` (`flask staff add|remove|list`).

Access is default-deny: the blueprint's before_request turns away every request without a
valid staff session, so a route added later cannot be left open by mistake (the tests walk
the URL map). Sign-in is the one staff page open to everybody: it has its own blueprint.
Staff pages are plain page loads in English; Cache-Control: no-store is app-wide
(checker.web.security).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, g
from flask_wtf.csrf import CSRFError, generate_csrf

from checker.outcome import Level
from checker.web.i18n import fix_lang
from checker.web.pages import render, services
from checker.wording import flag_texts

bp = Blueprint("staff", __name__, url_prefix="/staff")
signin_bp = Blueprint("staff_signin", __name__, url_prefix="/staff")

POLL_SECONDS = 5
# Short, clear badge words for staff (the client sees checker.wording.LEVEL_TITLE).
LEVEL_BADGE: dict[Level, tuple[str, str]] = {
    Level.EMERGENCY: ("Emergency", "call the emergency number; no massage"),
    Level.URGENT: ("Urgent", "no massage; medical help today"),
    Level.DEFER: ("Defer", "no massage until a doctor's written clearance"),
    Level.MODIFIED: ("Modified", "massage with the changes listed"),
    Level.PROCEED: ("Proceed", "standard massage"),
}


def page(template: str, status: int = 200, **context: Any) -> Response:
    """A staff page: always the full page (staff pages are not boosted)."""
    return render(template, status, partial=False, track_url=False, **context)


@bp.before_request
@signin_bp.before_request
def _english() -> None:
    fix_lang("en")  # staff words are not in the client catalog


@bp.errorhandler(CSRFError)
@signin_bp.errorhandler(CSRFError)
def _csrf_failed(_: CSRFError) -> Response:
    return page("staff/problem.html", 400, heading="This form has expired",
                message="For your security the form was not sent. Go back, reload the page "
                "and try again.")


@bp.context_processor
@signin_bp.context_processor
def _staff_context() -> dict[str, Any]:
    return {"level_badge": LEVEL_BADGE, "flag_texts": flag_texts, "poll_seconds": POLL_SECONDS,
            "retention_days": services().settings.retention_days,
            "staff_user": g.get("staff_user")}


def init_staff(app: Flask) -> None:
    """Staff pages, sign-in (with its rate limits) and the `flask staff` commands."""
    from checker.web.staff import access, board, export, messages, signin  # noqa: F401 - routes
    from checker.web.staff.cli import staff_cli

    app.jinja_env.globals.setdefault("csrf_token", generate_csrf)
    app.register_blueprint(signin_bp)
    app.register_blueprint(bp)
    app.cli.add_command(staff_cli)
