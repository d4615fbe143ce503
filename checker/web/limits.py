"""Rate limits (Flask-Limiter), counted in the product's own Redis, shared by every process.

One Limiter (checker.web.extensions.limiter): starting a screening is limited per client
address (START_LIMIT, on the view), staff sign-in per address and per username (failed
attempts only; checker.web.staff.signin). The phone-number forms have their own counters
(checker.sms.form_limits). Every 429 is a readable page that keeps what was entered.

Many clients share a clinic's Wi-Fi address, so the start limit is generous: it stops scripts
filling Redis, not people.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from flask import Flask, Response, request
from flask_limiter.errors import RateLimitExceeded

from checker.settings import Settings
from checker.web.errors import retry_url
from checker.web.extensions import limiter
from checker.web.pages import render

log = logging.getLogger(__name__)


def storage_uri(client: redis.Redis) -> str:
    """A `limits` storage URI naming the product's Redis (its connection pool is what is
    used, so TLS, auth and Sentinel match)."""
    kwargs = client.connection_pool.connection_kwargs
    if kwargs.get("path"):
        return f"redis+unix://{kwargs['path']}"
    return f"redis://{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"


def limiter_config(settings: Settings, client: redis.Redis) -> dict[str, Any]:
    return {
        "RATELIMIT_ENABLED": settings.ratelimit_enabled,
        "RATELIMIT_STORAGE_URI": storage_uri(client),
        "RATELIMIT_STORAGE_OPTIONS": {"connection_pool": client.connection_pool,
                                      "key_prefix": settings.key_prefix + "limits"},
        "RATELIMIT_STRATEGY": "moving-window",
        # Redis down: let the request through; the page then reports the outage itself
        # (with the emergency advice) instead of a limiter error.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_HEADERS_ENABLED": False,
    }


def init_limits(app: Flask) -> None:
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, too_many)


def too_many(error: RateLimitExceeded, **context: Any) -> Response:
    """The 429 page; blueprints pass what their own form needs to be sent again."""
    if error.response is not None:
        return error.response  # a limit with its own page (on_breach), e.g. staff sign-in
    log.info("rate limit hit on %s %s (%s)", request.method, request.path, error.description)
    context.setdefault("retry_url", retry_url())
    seconds = retry_seconds(error)
    response = render("too_many.html", 429, track_url=False, retry_after=seconds, **context)
    response.headers["Retry-After"] = str(seconds)
    return response


def retry_seconds(error: RateLimitExceeded) -> int:
    limit = getattr(error, "limit", None)
    expiry = getattr(getattr(limit, "limit", None), "get_expiry", None)
    seconds = int(expiry()) if callable(expiry) else 60
    return max(1, min(seconds, 60))
