"""The RQ job functions and how a worker finds the SMS service they run against.

`send_message(prefix, key)` and `run_sweep(prefix)` are what RQ stores (by name). The worker
installs its service at start-up (`install`); a web app installs its own, so an in-process
worker (tests) uses the same clock and sender. A worker that has none builds one from the
environment (checker.services).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from checker.sms.dispatch import Dispatcher

_dispatchers: dict[str, Dispatcher] = {}


def install(dispatcher: Dispatcher) -> None:
    """Make `dispatcher` the one the job functions use for its key prefix."""
    _dispatchers[dispatcher.settings.prefix] = dispatcher


def dispatcher_for(prefix: str) -> Dispatcher:
    dispatcher = _dispatchers.get(prefix)
    if dispatcher is None:
        from rq import get_current_job

        from checker.services import build
        from checker.settings import Settings

        job = get_current_job()
        if job is None:
            raise RuntimeError(f"no SMS dispatcher for prefix {prefix!r}")
        settings = Settings.from_env(overrides={"REDIS_KEY_PREFIX": prefix})
        dispatcher = build(settings, redis_client=job.connection).sms.dispatcher
        _dispatchers[prefix] = dispatcher
    return dispatcher


def send_message(prefix: str, key: str) -> str:
    return dispatcher_for(prefix).deliver(key)


def run_sweep(prefix: str) -> dict:
    dispatcher = dispatcher_for(prefix)
    try:
        report = dispatcher.sweep()
    finally:
        dispatcher.ensure_sweep()  # the next one, even if this one failed
    return {"enqueued": report.enqueued, "unknown": report.marked_unknown,
            "checked": report.checked}
