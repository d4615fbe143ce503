"""Security for every response: headers, cookies, CSRF, body size, and production checks.

Environment: `CLOTCHECK_ENV=production` turns on production mode. There the app refuses to
start unless SECRET_KEY (>= 32 characters, not a placeholder) and ENCRYPTION_KEYS are set,
and cookies are Secure. Anything else is local development (`make run` needs no settings):
cookies work over plain HTTP on the LAN, and the encryption key is derived from SECRET_KEY.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, MutableMapping
from typing import Any

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from checker.crypto import Crypto, CryptoError, derived_key, parse_keys, parse_tag_key

log = logging.getLogger(__name__)

PRODUCTION = "production"
DEVELOPMENT = "development"

# Nothing inline anywhere (htmx is configured for this in base.html).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), "
                      "magnetometer=(), microphone=(), payment=(), usb=(), "
                      "interest-cohort=()")
HSTS = "max-age=31536000; includeSubDomains"
NO_STORE = "no-store"
MAX_BODY_BYTES = 16 * 1024  # every form of ours is a few hundred bytes; Twilio's a few KB
MIN_SECRET_LENGTH = 32
PLACEHOLDER_SECRETS = frozenset({"dev", "development", "secret", "change-me", "changeme",
                                 "test-secret", "replace-me", "please-change"})

# Twilio cannot send a CSRF token; its webhooks are checked by signature (checker.web.sms).
CSRF_EXEMPT_VIEWS = ("checker.web.sms.inbound", "checker.web.sms.status")

SECURITY_DEFAULTS: dict[str, Any] = {
    "CLOTCHECK_ENV": DEVELOPMENT,
    "MAX_CONTENT_LENGTH": MAX_BODY_BYTES,
    "PROXY_FIX_HOPS": 0,  # load balancers in front that set X-Forwarded-For/-Proto
    "WTF_CSRF_ENABLED": True,
    # The Referer check for HTTPS cannot work with `Referrer-Policy: no-referrer` (browsers
    # send no Referer, and Origin "null"); the session-bound token and SameSite cookies remain.
    "WTF_CSRF_SSL_STRICT": False,
    "SESSION_COOKIE_SECURE": None,  # None: Secure in production, not in development
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
}


class ProductionConfigError(RuntimeError):
    """create_app() was asked to run in production with unsafe defaults."""


def is_production(config: Mapping[str, Any]) -> bool:
    return str(config.get("CLOTCHECK_ENV") or "").strip().lower() == PRODUCTION


def production_problems(config: Mapping[str, Any]) -> list[str]:
    """What stops this configuration from running in production (empty when it may)."""
    problems = []
    secret = str(config.get("SECRET_KEY") or "")
    if not secret:
        problems.append("SECRET_KEY is not set (every web process must share one long "
                        "random key, e.g. `python -c 'import secrets; "
                        "print(secrets.token_hex(32))'`)")
    elif len(secret) < MIN_SECRET_LENGTH or secret.lower() in PLACEHOLDER_SECRETS:
        problems.append(f"SECRET_KEY is a placeholder or shorter than {MIN_SECRET_LENGTH} "
                        "characters")
    keys = str(config.get("ENCRYPTION_KEYS") or "")
    if not keys:
        problems.append("ENCRYPTION_KEYS is not set (make a key with "
                        "`python -m checker.crypto`)")
    else:
        try:
            parse_keys(keys)
        except CryptoError as exc:
            problems.append(str(exc))
    # Optional (derived from SECRET_KEY when unset), but a malformed one must not start.
    tag_key = str(config.get("PHONE_TAG_KEY") or os.environ.get("PHONE_TAG_KEY") or "")
    if tag_key:
        try:
            parse_tag_key(tag_key)
        except CryptoError as exc:
            problems.append(str(exc))
    if not config.get("WTF_CSRF_ENABLED", True):
        problems.append("WTF_CSRF_ENABLED is off")
    if config.get("DEBUG"):
        problems.append("DEBUG is on")
    return problems


def check_production(config: MutableMapping[str, Any]) -> None:
    """Raise ProductionConfigError naming every problem; call before any default is filled."""
    if not is_production(config):
        return
    problems = production_problems(config)
    if problems:
        raise ProductionConfigError(
            "ClotCheck will not start in production (CLOTCHECK_ENV=production) because:\n  - "
            + "\n  - ".join(problems)
            + "\nSet these in the environment (see README, 'Running in production').")


def make_crypto(config: Mapping[str, Any]) -> Crypto:
    """ENCRYPTION_KEYS if set, else (development only) a key derived from SECRET_KEY."""
    keys = config.get("ENCRYPTION_KEYS")
    if keys:
        return Crypto(parse_keys(str(keys)))
    return Crypto([derived_key(str(config["SECRET_KEY"]))])


# -- wiring ---------------------------------------------------------------------------------

def init_security(app: Flask) -> None:
    """Cookies, CSRF, proxies, headers and error pages; `app.extensions["crypto"]`."""
    config = app.config
    if config.get("SESSION_COOKIE_SECURE") is None:
        config["SESSION_COOKIE_SECURE"] = is_production(config)
    config.setdefault("WTF_CSRF_TIME_LIMIT", max(3600, int(config.get("SCREENING_TTL", 0))))
    if not is_production(config) and not config.get("TESTING"):
        log.info("running in development mode (set CLOTCHECK_ENV=production to deploy)")
    app.extensions["crypto"] = make_crypto(config)
    # PROXY_FIX_HOPS is applied by create_app (_trust_proxy) around the finished app.
    app.jinja_env.globals["csrf_token"] = generate_csrf
    app.before_request(reject_unreadable_form)  # first: CSRFProtect reads the form too
    if config.get("WTF_CSRF_ENABLED", True):
        csrf = CSRFProtect(app)
        for view in CSRF_EXEMPT_VIEWS:
            csrf.exempt(view)
    app.after_request(security_headers)
    app.register_error_handler(CSRFError, _csrf_failed)
    app.register_error_handler(RequestEntityTooLarge, _too_large)


def reject_unreadable_form() -> None:
    """400 for a form with a field Werkzeug could not name (e.g. a newline in a multipart
    name parses to None), before anything that reads the form trips over it."""
    if request.method == "POST" and None in request.form:
        abort(400, "The form could not be read.")


def security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # Screening ids in URLs are the key to someone's answers: never leak them.
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint != "static":
        # Pages show answers, outcomes, check-in codes or staff data: never kept by browsers,
        # proxies or the back-forward cache. (Public pages such as the poster set their own.)
        headers.setdefault("Cache-Control", NO_STORE)
    return response


# -- error pages ----------------------------------------------------------------------------

def _page(template: str, status: int, **context: Any) -> Response:
    htmx = getattr(current_app, "htmx", None)
    partial = bool(htmx) and not htmx.history_restore_request
    response = make_response(render_template(template, partial=partial, **context), status)
    response.headers["Cache-Control"] = NO_STORE
    return response


def back_url(read_form: bool = True) -> str:
    """A GET that returns the person to the page whose form they sent (their data is kept)."""
    if request.endpoint == "screening.start":
        loc = request.form.get("loc") if read_form else None
        return url_for("screening.landing", loc=loc)
    if request.method == "GET" or _has_get(request.path):
        return request.path
    return url_for("screening.landing")


def _has_get(path: str) -> bool:
    try:
        current_app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:
        return False
    return True


def _csrf_failed(error: CSRFError) -> Response:
    log.info("CSRF check failed on %s %s: %s", request.method, request.path, error.description)
    if request.endpoint == "screening.answer_question":
        from checker.web.screening import show_expired_question

        shown = show_expired_question()
        if shown is not None:
            return shown
    return _page("error.html", 400, heading=gettext("This page had expired"),
                 message=gettext("For your safety we did not save what you sent. Your earlier "
                                 "answers are kept. Go back to the page and send it again."),
                 retry_url=back_url())


def _too_large(_: RequestEntityTooLarge) -> Response:
    return _page("error.html", 413, heading=gettext("What you sent was too long"),
                 message=gettext("We did not save it. Your earlier answers are kept. Go back "
                                 "to the page and try again."),
                 retry_url=back_url(read_form=False))
