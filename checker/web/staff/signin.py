"""Staff sign-in and sign-out. Failed attempts are rate-limited per address and per username
(Flask-Limiter, counted in Redis); staff who type their password right are never held up."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, g, redirect, request, session, url_for
from flask_limiter import RequestLimit

from checker.staff import normalise_username
from checker.web.extensions import limiter
from checker.web.pages import services
from checker.web.staff import bp, page, signin_bp
from checker.web.staff.access import (
    SESSION_GENERATION,
    SESSION_SINCE,
    SESSION_USER,
    current_staff,
    safe_next,
)


def _signin_limit() -> str:
    return services().settings.signin_limit


def _signin_failed(_: Response) -> bool:
    return bool(g.get("staff_signin_failed"))


def _signin_username() -> str:
    return "user:" + normalise_username(request.form.get("username", ""))[:64]


def _too_many(limit: RequestLimit) -> Response:
    response = page("staff/problem.html", 429, heading="Too many sign-in attempts",
                    message="Sign-in is paused for a minute after several wrong passwords. "
                    "Wait a minute, then try again. If you have forgotten your password, ask "
                    "the clinic owner to reset it.")
    response.headers["Retry-After"] = str(max(1, int(limit.reset_at - datetime.now().timestamp())))
    return response


@signin_bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_signin_limit, methods=["POST"], deduct_when=_signin_failed,
               on_breach=_too_many)
@limiter.limit(_signin_limit, methods=["POST"], deduct_when=_signin_failed,
               key_func=_signin_username, on_breach=_too_many)
def sign_in() -> Response | str:
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_staff() is not None:
            return redirect(next_url, code=303)
        return page("staff/sign_in.html", next_url=next_url, username="",
                     signed_out=request.args.get("signed_out") == "1")
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    account = services().staff.verify(username, password) if username and password else None
    if account is None:
        g.staff_signin_failed = True
        error = ("Enter your username and password." if not (username and password)
                 else "The username or password is not right.")
        return page("staff/sign_in.html", 422, next_url=next_url, username=username,
                     error=error)
    # A fresh session: nothing from before sign-in (e.g. a planted cookie) is carried over.
    session.clear()
    session[SESSION_USER] = account.username
    session[SESSION_GENERATION] = account.generation
    session[SESSION_SINCE] = datetime.now(UTC).isoformat()
    return redirect(next_url, code=303)


@bp.post("/sign-out")
def sign_out() -> Response:
    session.clear()
    return redirect(url_for("staff_signin.sign_in", signed_out="1"), code=303)


