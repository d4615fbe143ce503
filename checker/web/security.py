"""Security for every response: headers, Cache-Control (no-store, here only), unreadable forms.

Production checks and cookie settings come from checker.settings (read once); CSRF is the
module-level CSRFProtect (checker.web.extensions), and a view that cannot carry a token says
so where it is defined (`@csrf.exempt`: Twilio's webhooks, checked by signature instead).
The pages for a failed CSRF check or a too-large body are in checker.web.errors.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, abort, request

log = logging.getLogger(__name__)

# Nothing inline anywhere (htmx is configured for this in base.html).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), "
                      "magnetometer=(), microphone=(), payment=(), usb=(), "
                      "interest-cohort=()")
HSTS = "max-age=31536000; includeSubDomains"
NO_STORE = "no-store"
_HEADERS = (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
            # Screening ids in URLs are the key to someone's answers: never leak them.
            ("Referrer-Policy", "no-referrer"), ("Permissions-Policy", PERMISSIONS_POLICY),
            ("X-Frame-Options", "DENY"), ("Cross-Origin-Opener-Policy", "same-origin"))


def init_security(app: Flask) -> None:
    app.before_request(reject_unreadable_form)  # first: CSRFProtect reads the form too
    app.after_request(security_headers)


def reject_unreadable_form() -> None:
    """400 for a form with a field Werkzeug could not name (e.g. a newline in a multipart
    name parses to None), before anything that reads the form trips over it."""
    if request.method == "POST" and None in request.form:
        abort(400, "The form could not be read.")


def security_headers(response: Response) -> Response:
    headers = response.headers
    for name, value in _HEADERS:
        if name not in headers:
            headers[name] = value
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint != "static" and "Cache-Control" not in headers:
        # Pages show answers, outcomes, check-in codes or staff data: never kept by browsers,
        # proxies or the back-forward cache. (Public pages such as the poster set their own.)
        headers["Cache-Control"] = NO_STORE
    return response
