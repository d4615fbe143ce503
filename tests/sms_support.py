"""Helpers for the SMS tests: an injected clock, the test numbers, and running the work a
worker would do (finish events, then RQ jobs) in this process, deterministically."""

from __future__ import annotations

from datetime import datetime, timedelta

from rq import SimpleWorker

STAFF = "+12025550100"
CLIENT = "+12025550143"
NY = "America/New_York"


class Clock:
    """An injected clock: time moves only when a test says so."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def sms(app):
    return app.extensions["clotcheck"].sms


def run_worker(app) -> None:
    """What the worker does, in this process: hand out the finish events (check-ins, staff
    alerts), then run every RQ job that is due (burst)."""
    services = app.extensions["clotcheck"]
    services.finishes.drain()
    dispatcher = services.sms.dispatcher
    SimpleWorker([dispatcher.queue], connection=dispatcher.redis).work(burst=True)


def dispatcher(environ: dict[str, str], clock=None, **overrides: object):
    """The SMS dispatcher as a process with `environ` builds it (checker.services): the same
    keys, settings and sender (Twilio when configured, else the outbox)."""
    from checker.services import build
    from checker.settings import Settings

    settings = Settings.from_env(environ, overrides)
    return build(settings, clock=clock).sms.dispatcher
