"""The Flask application factory: Settings -> Services -> the app.

    settings = Settings.from_env(os.environ, overrides)   (checker.settings: read once)
    services = build(settings)                            (checker.services: every part)
    app.extensions["clotcheck"] = services                (checker.web.pages.services())

The blueprints: screening (the client's pages), health, sms (text forms, Twilio webhooks),
reception (poster, clearance form) and staff (sign-in, board, export, messages, CLI).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import redis
from flask import Flask

from checker.services import Services, build
from checker.settings import REPO_ROOT, Settings
from checker.sms.schedule import Clock
from checker.sms.senders import Sender
from checker.web.compression import init_compression
from checker.web.errors import init_errors
from checker.web.extensions import csrf, htmx
from checker.web.i18n import init_i18n
from checker.web.limits import init_limits, limiter_config
from checker.web.pages import init_pages
from checker.web.security import init_security

log = logging.getLogger(__name__)


def create_app(overrides: Mapping[str, Any] | None = None, *, clock: Clock | None = None,
               sender: Sender | None = None) -> Flask:
    """Build the app: settings = defaults < environment < `overrides` (environment names).

    `clock` and `sender` are for tests (an in-process worker uses them too).
    """
    settings = Settings.from_env(overrides=overrides)
    services = build(settings, clock=clock, sender=sender)
    app = Flask("checker", template_folder=str(REPO_ROOT / "templates"),
                static_folder=str(REPO_ROOT / "static"),
                instance_path=str(settings.instance_path))
    app.config.update(flask_config(settings, services))
    app.extensions["clotcheck"] = services
    init_security(app)
    init_errors(app)
    init_pages(app)
    csrf.init_app(app)
    init_i18n(app)
    htmx.init_app(app)
    init_limits(app)
    init_compression(app)
    _register_blueprints(app)
    _trust_proxy(app, settings.proxy_fix_hops)
    _start_up(services)
    return app


def _start_up(services: Services) -> None:
    """Keep the SMS side going even before a worker starts: the periodic sweep's next run,
    and opt-outs carried over to the current keys after a key change."""
    try:
        services.sms.dispatcher.ensure_sweep()
        moved = services.sms.optouts.migrate()
    except redis.RedisError:  # Redis down at start-up must not stop the web app
        log.exception("could not schedule the SMS sweep or check the opt-out list")
        return
    if moved:
        log.info("opt-out list: %d entries carried over to the current keys", moved)
    if not services.settings.sms.twilio_configured:
        log.warning("Twilio is not configured: texts go to the staff outbox")


def flask_config(settings: Settings, services: Services) -> dict[str, Any]:
    """What Flask and its extensions read from app.config, all from the one Settings."""
    return {
        "SECRET_KEY": settings.secret_key,
        "DEBUG": settings.debug,
        "MAX_CONTENT_LENGTH": settings.max_content_length,
        "SESSION_COOKIE_SECURE": settings.session_cookie_secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_ENABLED": settings.csrf_enabled,
        # The Referer check for HTTPS cannot work with `Referrer-Policy: no-referrer`
        # (browsers send no Referer, and Origin "null"); the session-bound token and
        # SameSite cookies remain.
        "WTF_CSRF_SSL_STRICT": False,
        "WTF_CSRF_TIME_LIMIT": max(3600, settings.screening_ttl),
        **limiter_config(settings, services.redis),
        **settings.flask_extra,
    }


def _register_blueprints(app: Flask) -> None:
    from checker.web import health, reception, screening, sms, staff

    app.register_blueprint(screening.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(sms.bp)
    reception.init_reception(app)
    staff.init_staff(app)


def _trust_proxy(app: Flask, hops: int) -> None:
    """Behind a TLS-terminating proxy, trust its X-Forwarded-* headers (PROXY_FIX_HOPS)."""
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
