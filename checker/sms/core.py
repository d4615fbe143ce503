"""The sending side, shared by the web app (enqueue) and the RQ worker (send, sweep).

`send_message(prefix, key)` and `run_sweep(prefix)` are the RQ job functions. In the worker they
find their SmsCore through `core_for(prefix)` (built from the environment); tests and the web
app `install()` theirs, so an in-process worker uses the same clock and sender.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus

from checker.crypto import Crypto, Tagger
from checker.sms.keys import key_settings, sms_keys
from checker.sms.phones import log_ref, redact
from checker.sms.records import UNREADABLE, Message, MessageStore, State
from checker.sms.schedule import Clock, utc_now
from checker.sms.senders import (
    OptedOutError,
    OutcomeUnknown,
    Outgoing,
    PermanentError,
    RetryableError,
    Sender,
    build_sender,
)
from checker.sms.settings import SmsSettings

log = logging.getLogger("checker.sms")

JOB_TIMEOUT = 60  # seconds; the Twilio call itself times out after settings.timeout
LIVE_JOB = {JobStatus.QUEUED.value, JobStatus.STARTED.value}


@dataclass
class SweepReport:
    enqueued: int = 0
    marked_unknown: int = 0
    checked: int = 0
    keys: list[str] = field(default_factory=list)


def _slug(prefix: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "", prefix) or "sms"


class SmsCore:
    """Records, jobs and sending. `crypto`/`tagger` default to the keys in the environment
    (checker.sms.keys), as the worker has them; the web app passes its own."""

    def __init__(self, client: redis.Redis, settings: SmsSettings, clock: Clock = utc_now,
                 sender: Sender | None = None, crypto: Crypto | None = None,
                 tagger: Tagger | None = None):
        if crypto is None or tagger is None:
            env_crypto, env_tagger = sms_keys(key_settings({}))
            crypto, tagger = crypto or env_crypto, tagger or env_tagger
        self.redis = client
        self.settings = settings
        self.clock = clock
        self.store = MessageStore(client, settings.prefix, crypto, tagger)
        self.sender = sender or build_sender(settings, self.store)
        self.queue = Queue(settings.queue_name, connection=client)

    # -- enqueue (web side) -----------------------------------------------------------------
    def job_id(self, key: str) -> str:
        digest = hashlib.blake2b(key.encode(), digest_size=12).hexdigest()
        return f"{_slug(self.settings.prefix)}-sms-{digest}"

    def _job_options(self, key: str) -> dict:
        intervals = list(self.settings.retry_intervals) or [0]
        return {"job_id": self.job_id(key), "unique": True, "job_timeout": JOB_TIMEOUT,
                "retry": Retry(max=len(intervals), interval=intervals),
                "result_ttl": 3600, "failure_ttl": 7 * 86400,
                "description": f"sms {key.split(':', 1)[0]}"}

    def enqueue(self, message: Message) -> None:
        """One job per record (unique id): at once if due, else on the RQ scheduler."""
        args = (send_message, self.settings.prefix, message.key)
        try:
            if message.due <= self.clock():
                self.queue.enqueue(*args, **self._job_options(message.key))
            else:
                # RQ keeps whole seconds (truncated): round up so the job never runs early.
                at = datetime.fromtimestamp(math.ceil(message.due.timestamp()), UTC)
                self.queue.enqueue_at(at, *args, **self._job_options(message.key))
        except DuplicateJobError:
            pass  # a job for this record exists already: the claim keeps it to one send

    def schedule(self, message: Message) -> bool:
        """Record the intended text and enqueue it; False if it was already recorded."""
        created = self.store.create(message, self.clock())
        if created:
            self.enqueue(message)
        return created

    # -- send (worker side) -----------------------------------------------------------------
    def status_callback(self) -> str | None:
        base = self.settings.public_base_url
        return f"{base}/sms/status" if base and self.settings.twilio_configured else None

    def deliver(self, key: str) -> str:
        """Claim and send one record; returns what happened. Raises RetryableError to retry."""
        now = self.clock()
        message = self.store.get(key)
        if message is None:
            return self._unreadable(key, now)
        claimed = self.store.claim(key, now, self.store.tag(message.to))
        if claimed != "claimed":
            return claimed
        message = self.store.get(key)  # as claimed (attempts counted)
        assert message is not None
        outgoing = Outgoing(message.to, message.body, message.sender_from or None,
                            self.status_callback())
        try:
            sent = self.sender.send(outgoing, now)
        except RetryableError as exc:
            return self._retry_later(message, exc)
        except OptedOutError as exc:
            self.opt_out(message.to)
            return self._fail(message, exc.code, exc.message)
        except PermanentError as exc:
            return self._fail(message, exc.code, exc.message)
        except OutcomeUnknown as exc:
            return self._unknown(message, exc.message)
        except Exception as exc:  # a bug after the claim: we cannot know if it went out
            self._unknown(message, f"unexpected error: {type(exc).__name__}")
            raise
        self.store.link_provider(sent.provider_id, key)
        self.store.transition(key, [State.CLAIMED], State.SENT, self.clock(),
                              provider_id=sent.provider_id, twilio_status=sent.status,
                              sent_at=self.clock(), sender=self.sender.name)
        log.info("sms %s sent to %s via %s", message.kind, self._ref(message),
                 self.sender.name)
        return State.SENT.value

    def _ref(self, message: Message) -> str:
        return log_ref(self.store.tag(message.to))

    def _unreadable(self, key: str, now: datetime) -> str:
        """A record that is gone, or was encrypted with a key no longer configured."""
        state = self.store.state(key)
        if state is None:
            return "missing"
        if self.store.transition(key, [State.SCHEDULED], State.FAILED, now, error=UNREADABLE):
            log.error("sms %s not sent: the record %s", key.split(":", 1)[0], UNREADABLE)
            return State.FAILED.value
        return state

    def _retry_later(self, message: Message, exc: RetryableError) -> str:
        attempts = message.attempts
        if attempts >= self.settings.max_attempts:
            return self._fail(message, exc.code, f"gave up after {attempts} tries: {exc}")
        intervals = self.settings.retry_intervals or (0,)
        delay = intervals[min(attempts - 1, len(intervals) - 1)]
        self.store.transition(message.key, [State.CLAIMED], State.SCHEDULED, self.clock(),
                              due=self.clock() + timedelta(seconds=delay),
                              error_code=exc.code or "", error=exc.message)
        log.warning("sms %s to %s: retrying in %ss (%s)", message.kind, self._ref(message),
                    delay, redact(exc.message))
        # RQ's Retry re-runs the job after the backoff. RQ keeps and logs the traceback: a
        # fresh error with the number-like parts removed, without the original chained.
        raise RetryableError(redact(exc.message), exc.code) from None

    def _fail(self, message: Message, code: int | None, error: str) -> str:
        self.store.transition(message.key, [State.CLAIMED], State.FAILED, self.clock(),
                              error_code=code or "", error=error)
        log.warning("sms %s to %s failed: %s %s", message.kind, self._ref(message), code,
                    redact(error))
        return State.FAILED.value

    def _unknown(self, message: Message, error: str) -> str:
        self.store.transition(message.key, [State.CLAIMED], State.UNKNOWN, self.clock(),
                              error=error)
        log.error("sms %s to %s: outcome unknown (%s); staff must check", message.kind,
                  self._ref(message), redact(error))
        return State.UNKNOWN.value

    # -- opt-out and cancelling -----------------------------------------------------------
    def opt_out(self, phone: str) -> int:
        """Record the opt-out and cancel everything still pending for the number."""
        self.store.opt_out(phone)
        return self.cancel(self.store.keys_for_phone(phone), "the number opted out")

    def cancel(self, keys: list[str], reason: str) -> int:
        cancelled = 0
        for key in keys:
            if self.store.transition(key, [State.SCHEDULED], State.CANCELLED, self.clock(),
                                     error=reason):
                cancelled += 1
                self._drop_job(key)
        return cancelled

    def _drop_job(self, key: str) -> None:
        try:
            Job.fetch(self.job_id(key), connection=self.redis).delete()
        except NoSuchJobError:
            pass

    # -- sweep ----------------------------------------------------------------------------
    def sweep(self, limit: int = 1000) -> SweepReport:
        """Re-enqueue due records without a live job; mark claims that outlived any send.

        At most `limit` due records per pass (oldest first) keeps one pass short (~2 s at
        worst, when the RQ scheduler was down); the next pass takes the rest.
        """
        now = self.clock()
        report = SweepReport()
        due = self.store.due_keys(now - timedelta(seconds=self.settings.sweep_grace), limit)
        report.checked = len(due)
        statuses = self._job_statuses(due)
        for key, status in zip(due, statuses, strict=True):
            if status in LIVE_JOB:
                continue
            if status is not None:
                self._drop_job(key)
            message = self.store.get(key)
            if message is not None and message.state == State.SCHEDULED:
                self.enqueue(message)
                report.enqueued += 1
                report.keys.append(key)
        stale = self.store.stale_claims(now - timedelta(seconds=self.settings.claim_lease))
        for key in stale:
            message = self.store.get(key)
            if message is not None:
                self._unknown(message, "the worker stopped while sending; check with the "
                              "person before sending again")
                report.marked_unknown += 1
        self.store.prune(now)
        return report

    def _job_statuses(self, keys: list[str]) -> list[str | None]:
        statuses: list[str | None] = []
        for start in range(0, len(keys), 500):
            pipe = self.redis.pipeline(transaction=False)
            for key in keys[start:start + 500]:
                pipe.hget(Job.key_for(self.job_id(key)), "status")
            statuses += [s.decode() if s else None for s in pipe.execute()]
        return statuses

    def sweep_job_id(self, when: datetime) -> str:
        return f"{_slug(self.settings.prefix)}-sms-sweep-{int(when.timestamp())}"

    def ensure_sweep(self) -> datetime:
        """Schedule the next periodic sweep on the RQ scheduler (one job per time slot).

        RQ time is real time (not self.clock): the scheduler runs on the wall clock.
        """
        period = max(1, self.settings.sweep_seconds)
        now = datetime.now(UTC).timestamp()
        slot = datetime.fromtimestamp((int(now) // period + 1) * period, UTC)
        try:
            self.queue.enqueue_at(slot, run_sweep, self.settings.prefix,
                                  job_id=self.sweep_job_id(slot), unique=True,
                                  result_ttl=max(600, 3 * period), job_timeout=300)
        except DuplicateJobError:
            pass
        return slot


# -- job functions and how the worker finds its core ------------------------------------------

_cores: dict[str, SmsCore] = {}


def install(core: SmsCore) -> None:
    """Make `core` the one the job functions use for its prefix (web app, tests)."""
    _cores[core.settings.prefix] = core


def core_for(prefix: str) -> SmsCore:
    core = _cores.get(prefix)
    if core is None:
        from rq import get_current_job

        job = get_current_job()
        if job is None:
            raise RuntimeError(f"no SMS core for prefix {prefix!r}")
        settings = SmsSettings.from_config({"REDIS_KEY_PREFIX": prefix})
        core = _cores[prefix] = SmsCore(job.connection, settings)  # keys from the environment
    return core


def send_message(prefix: str, key: str) -> str:
    return core_for(prefix).deliver(key)


def run_sweep(prefix: str) -> dict:
    core = core_for(prefix)
    try:
        report = core.sweep()
    finally:
        core.ensure_sweep()  # the next one, even if this one failed
    return {"enqueued": report.enqueued, "unknown": report.marked_unknown,
            "checked": report.checked}
