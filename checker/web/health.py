"""`/healthz`: 200 when Redis answers, 503 when it does not (for the load balancer)."""

from __future__ import annotations

import redis
from flask import Blueprint, Response, current_app

from checker.web.pages import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    try:
        services().redis.ping()
    except (redis.RedisError, OSError):
        current_app.logger.warning("healthz: Redis did not answer PING", exc_info=True)
        return Response("redis unavailable", status=503, mimetype="text/plain")
    return Response("ok", status=200, mimetype="text/plain")
