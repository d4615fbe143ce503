"""Rate limits with Flask-Limiter, counted in the app's own Redis (shared by every process).

Limited here: starting a screening, per client address (START_LIMIT). Other limits live with
their forms and count in the same Redis: staff sign-in (checker.web.staff, failed attempts
per address and per username) and the phone-number forms (checker.sms.limits, per address,
per screening and per number). Every 429 is a readable page that keeps what was entered.

The client address is the TCP peer unless PROXY_FIX_HOPS says how many proxies in front set
X-Forwarded-For (checker.web.security). Many clients share a clinic's Wi-Fi address, so the
start limit is generous: it stops scripts filling Redis, not people.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from flask import Flask, Response, current_app, make_response, render_template, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address

from checker.web.security import back_url

log = logging.getLogger(__name__)

DEFAULT_START_LIMIT = "20 per minute; 200 per hour"
LIMITED_ENDPOINTS = ("screening.start",)


def storage_uri(client: redis.Redis) -> str:
    """A `limits` storage URI naming the app's Redis (the client's pool is what is used)."""
    kwargs = client.connection_pool.connection_kwargs
    if kwargs.get("path"):
        return f"redis+unix://{kwargs['path']}"
    return f"redis://{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"


def make_limiter(app: Flask) -> Limiter:
    """A Limiter on the app's Redis connection pool (so TLS, auth and Sentinel match)."""
    client: redis.Redis = app.extensions["redis"]
    return Limiter(
        key_func=get_remote_address,
        app=app,
        storage_uri=storage_uri(client),
        storage_options={"connection_pool": client.connection_pool,
                         "key_prefix": app.config["REDIS_KEY_PREFIX"] + "limits"},
        strategy="sliding-window-counter",
        # Redis down: let the request through; the page then reports the outage itself
        # (with the emergency advice) instead of a limiter error.
        swallow_errors=True,
        headers_enabled=False,
    )


def init_limits(app: Flask) -> Limiter:
    """Limit starting screenings per address; 429 pages for the whole app."""
    app.config.setdefault("START_LIMIT", DEFAULT_START_LIMIT)
    limiter = make_limiter(app)
    # Flask-Limiter checks inside the decorated view, so the registered view is replaced.
    for endpoint in LIMITED_ENDPOINTS:
        view = app.view_functions[endpoint]
        app.view_functions[endpoint] = limiter.limit(
            lambda: current_app.config["START_LIMIT"], methods=["POST"])(view)
    app.extensions["clotcheck.start_limiter"] = limiter
    app.register_error_handler(RateLimitExceeded, too_many)
    return limiter


def too_many(error: RateLimitExceeded) -> Response:
    if error.response is not None:
        return error.response  # a limit with its own page (on_breach), e.g. staff sign-in
    log.info("rate limit hit on %s %s (%s)", request.method, request.path, error.description)
    context: dict[str, Any] = {"retry_after": _retry_seconds(error)}
    if request.endpoint == "screening.start":
        context["loc"] = request.form.get("loc", "")
    else:
        context["retry_url"] = back_url()
    response = make_response(render_template("too_many.html", partial=_partial(), **context),
                             429)
    response.headers["Retry-After"] = str(context["retry_after"])
    response.headers["Cache-Control"] = "no-store"
    return response


def _retry_seconds(error: RateLimitExceeded) -> int:
    limit = getattr(error, "limit", None)
    expiry = getattr(getattr(limit, "limit", None), "get_expiry", None)
    seconds = int(expiry()) if callable(expiry) else 60
    return max(1, min(seconds, 60))


def _partial() -> bool:
    htmx = getattr(current_app, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request
