"""The Flask application factory."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask_htmx import HTMX

from checker.locations import load_locations
from checker.redis_conn import DEFAULT_INSTANCE_PATH, REPO_ROOT, redis_for
from checker.store import ScreeningStore
from checker.web.compression import init_compression
from checker.web.i18n import init_i18n
from checker.web.limits import init_limits
from checker.web.security import SECURITY_DEFAULTS, check_production, init_security

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "REDIS_URL": None,
    "REDIS_KEY_PREFIX": "clotcheck:",
    "SCREENING_TTL": 86400,
    "EMERGENCY_NUMBER": "911",
    "CLINIC_NAME": "Our clinic",
    "INSTANCE_PATH": str(DEFAULT_INSTANCE_PATH),
}
# Read from the environment when set; the dict passed to create_app() wins over both.
ENV_KEYS = ("REDIS_URL", "REDIS_KEY_PREFIX", "SCREENING_TTL", "EMERGENCY_NUMBER", "CLINIC_NAME",
            "SECRET_KEY", "INSTANCE_PATH", "CLOTCHECK_LOCATIONS", "CLINIC_TIMEZONE",
            "STAFF_ALERT_NUMBERS", "CLOTCHECK_ENV", "ENCRYPTION_KEYS", "START_LIMIT",
            "PROXY_FIX_HOPS", "MAX_CONTENT_LENGTH", "RATELIMIT_ENABLED",
            "SESSION_COOKIE_SECURE")
INT_KEYS = ("SCREENING_TTL", "PROXY_FIX_HOPS", "MAX_CONTENT_LENGTH")
BOOL_KEYS = ("RATELIMIT_ENABLED", "SESSION_COOKIE_SECURE")


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    return {key: environ[key] for key in ENV_KEYS if environ.get(key)}


def _configure(app: Flask, config: Mapping[str, Any] | None) -> None:
    app.config.update(DEFAULTS)
    app.config.update(SECURITY_DEFAULTS)
    app.config.update(_from_env(os.environ))
    app.config.update(config or {})
    for key in INT_KEYS:
        app.config[key] = int(app.config[key])
    for key in BOOL_KEYS:
        if app.config.get(key) is not None:
            app.config[key] = _as_bool(app.config[key])
    check_production(app.config)  # before any default below could hide a missing setting
    if not app.config.get("SECRET_KEY"):
        # Fine for one process; several workers must share a configured key.
        log.warning("SECRET_KEY is not set; using a random key for this process")
        app.config["SECRET_KEY"] = secrets.token_hex(32)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: config = defaults < environment < `config`."""
    app = Flask(
        "checker",
        template_folder=str(REPO_ROOT / "templates"),
        static_folder=str(REPO_ROOT / "static"),
        instance_path=str(Path(str((config or {}).get("INSTANCE_PATH")
                                   or os.environ.get("INSTANCE_PATH")
                                   or DEFAULT_INSTANCE_PATH)).resolve()),
    )
    _configure(app, config)
    init_security(app)
    init_i18n(app)
    HTMX(app)
    app.extensions["redis"] = redis_for(app.config)
    app.extensions["locations"] = load_locations(app.config)
    app.extensions["clotcheck.on_finish"] = []
    app.extensions["clotcheck.store"] = ScreeningStore(
        app.extensions["redis"], app.config["REDIS_KEY_PREFIX"], app.config["SCREENING_TTL"],
        crypto=app.extensions["crypto"])

    from checker.web import health, screening

    app.register_blueprint(screening.bp)
    app.register_blueprint(health.bp)
    init_limits(app)
    init_compression(app)
    _init_features(app)
    return app


def _init_features(app: Flask) -> None:
    """SMS, reception (poster, clearance form) and staff pages around the screening flow."""
    from checker.web.sms import init_sms
    from checker.web.staff import init_staff

    init_sms(app)  # before staff: the board shows message state when SMS is there
    init_staff(app)  # also registers reception: posters and the clearance form
    _trust_proxy(app)


def _trust_proxy(app: Flask) -> None:
    """Behind a TLS-terminating proxy, trust its X-Forwarded-* headers (PROXY_FIX_HOPS)."""
    hops = int(app.config.get("PROXY_FIX_HOPS") or os.environ.get("PROXY_FIX_HOPS") or 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
