"""`/healthz`: 200 when Redis answers, 503 when it does not (for the load balancer)."""

from __future__ import annotations

import redis
from flask import Blueprint, Response, current_app

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    try:
        current_app.extensions["redis"].ping()
    except (redis.RedisError, OSError):
        current_app.logger.warning("healthz: Redis did not answer PING", exc_info=True)
        return _plain("redis unavailable", 503)
    return _plain("ok", 200)


def _plain(text: str, status: int) -> Response:
    response = Response(text, status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response
