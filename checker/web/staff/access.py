"""Who is signed in, and the default-deny rule for every staff page.

Sessions are Flask's signed cookie (HttpOnly, SameSite=Lax, Secure in production), cleared
and re-issued at sign-in. The session names an account *generation*: removing an account or
resetting its password ends its sessions at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Response,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError

from checker.web.extensions import htmx
from checker.web.pages import services
from checker.web.staff import bp, signin_bp

SESSION_USER = "staff_user"
SESSION_GENERATION = "staff_generation"
SESSION_SINCE = "staff_since"


def current_staff() -> str | None:
    """The signed-in username, or None (unknown, removed, reset or expired session)."""
    if "staff_user" in g:
        return g.staff_user
    g.staff_user = None
    name, generation = session.get(SESSION_USER), session.get(SESSION_GENERATION)
    since = session.get(SESSION_SINCE)
    if not (isinstance(name, str) and isinstance(generation, str) and isinstance(since, str)):
        return None
    hours = services().settings.staff_session_hours
    try:
        expired = datetime.now(UTC) - datetime.fromisoformat(since) > timedelta(hours=hours)
    except ValueError:
        return None
    account = services().staff.get(name)
    if expired or account is None or account.generation != generation:
        session.clear()
        return None
    g.staff_user = name
    return name


def _turn_away() -> Response:
    """Signed out: a GET goes to sign-in (htmx: via HX-Redirect); an action gets 401."""
    # After sign-in, come back to the page (an action's URL cannot be reopened with a GET).
    back = request.full_path.rstrip("?") if request.method == "GET" else None
    if htmx and htmx.current_url:
        back = urlsplit(htmx.current_url).path
    target = url_for("staff_signin.sign_in", next=back)
    if request.method == "GET" and not htmx:
        return redirect(target, code=303)
    response = make_response(render_template("staff/signed_out.html", sign_in_url=target), 401)
    response.headers["HX-Redirect"] = target
    return response


def staff_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """For staff views outside this blueprint: sign-in required, as on every /staff/ page."""
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_staff() is None:
            return _turn_away()
        return view(*args, **kwargs)

    return wrapper


def _check_csrf() -> None:
    """Staff forms always carry a Flask-WTF CSRF token, even where the app-wide check is off
    (tests); when it is on, CSRFProtect has checked already."""
    if request.method != "POST" or current_app.config.get("WTF_CSRF_ENABLED"):
        return
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError as exc:
        raise CSRFError(exc.args[0] if exc.args else "The CSRF token is missing.") from exc


@bp.before_request
def _require_staff() -> Response | None:
    if current_staff() is None:
        return _turn_away()
    _check_csrf()
    return None


@signin_bp.before_request
def _signin_csrf() -> None:
    _check_csrf()


def safe_next(target: str | None) -> str:
    """Only a path on this site under /staff/ (no open redirect)."""
    default = url_for("staff.index")
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/staff/") \
            or target.startswith("//") or "\\" in target:
        return default
    return target


