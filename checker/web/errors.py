"""App-wide error pages; a blueprint with better pages for its own views registers those on
itself (e.g. the screening's expired question, or the landing page after a failed start).

Every page keeps what the person entered and says how to try again; the Redis outage page
still gives the emergency advice.
"""

from __future__ import annotations

import logging

import redis
from flask import Flask, Response, current_app, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, NotFound, RequestEntityTooLarge

from checker.web.pages import render

log = logging.getLogger(__name__)


def init_errors(app: Flask) -> None:
    app.register_error_handler(CSRFError, csrf_failed)
    app.register_error_handler(RequestEntityTooLarge, too_large)
    app.register_error_handler(NotFound, not_found)
    app.register_error_handler(redis.RedisError, redis_down)


def retry_url() -> str:
    """A GET that returns the person to the page whose form they sent (their data is kept)."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    if _has_get(request.path):
        return request.path
    return "/"


def _has_get(path: str) -> bool:
    try:
        current_app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:
        return False
    return True


def csrf_failed(error: CSRFError, retry: str | None = None) -> Response:
    log.info("CSRF check failed on %s %s: %s", request.method, request.path, error.description)
    return render("error.html", 400, track_url=False, heading=gettext("This page had expired"),
                  message=gettext("For your safety we did not save what you sent. Your earlier "
                                  "answers are kept. Go back to the page and send it again."),
                  retry_url=retry or _path_retry())


def too_large(_: RequestEntityTooLarge, retry: str | None = None) -> Response:
    return render("error.html", 413, track_url=False,
                  heading=gettext("What you sent was too long"),
                  message=gettext("We did not save it. Your earlier answers are kept. Go back "
                                  "to the page and try again."),
                  retry_url=retry or _path_retry())


def _path_retry() -> str:
    if request.method == "GET" or _has_get(request.path):
        return request.path
    return "/"


def not_found(_: HTTPException) -> Response:
    return render("not_found.html", 404)


def redis_down(_: redis.RedisError, retry: str | None = None) -> Response:
    current_app.logger.exception("Redis unavailable during %s %s", request.method, request.path)
    response = render("unavailable.html", 503, retry_url=retry or retry_url())
    response.headers["Retry-After"] = "10"
    return response
