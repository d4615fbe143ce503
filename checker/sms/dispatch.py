"""Sending texts: records become RQ jobs, the worker claims and sends them, the sweep mends.

Timing has ONE owner: the record's `due` (checker.sms.messages). An RQ job is only the
wake-up for it: enqueued at `due` (RQ's scheduler), one per record and attempt. A retryable
error moves the record back to `scheduled` with a later `due` and enqueues the next wake-up;
RQ's own retry is not used, so there is never a second clock to reconcile. The periodic sweep
only re-creates wake-ups that were lost (a Redis restart, a dropped job) and reports claims
that outlived any send.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import redis
from rq import Queue
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus

from checker.sms import jobs
from checker.sms.messages import UNREADABLE, Message, MessageStore, State
from checker.sms.optouts import OptOuts
from checker.sms.phones import log_ref, redact
from checker.sms.schedule import Clock, utc_now
from checker.sms.senders import (
    OptedOutError,
    OutcomeUnknown,
    Outgoing,
    PermanentError,
    RetryableError,
    Sender,
)
from checker.sms.settings import SmsSettings

log = logging.getLogger("checker.sms")

JOB_TIMEOUT = 60  # seconds; the Twilio call itself times out after settings.timeout
# A job still waiting on RQ's scheduler for a record that is already due is not live: the
# record's `due` decides, so the sweep wakes it now.
LIVE_JOB = {JobStatus.QUEUED.value, JobStatus.STARTED.value}


@dataclass
class SweepReport:
    enqueued: int = 0
    marked_unknown: int = 0
    checked: int = 0
    keys: list[str] = field(default_factory=list)


def _slug(prefix: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "", prefix) or "sms"


class Dispatcher:
    """Records, wake-up jobs and sending, for the web app (schedule) and the worker (send)."""

    def __init__(self, client: redis.Redis, settings: SmsSettings, messages: MessageStore,
                 optouts: OptOuts, sender: Sender, clock: Clock = utc_now):
        self.redis = client
        self.settings = settings
        self.messages = messages
        self.optouts = optouts
        self.sender = sender
        self.clock = clock
        self.queue = Queue(settings.queue_name, connection=client)

    # -- schedule (web side) ----------------------------------------------------------------
    def job_id(self, key: str, attempt: int = 0) -> str:
        digest = hashlib.blake2b(key.encode(), digest_size=12).hexdigest()
        return f"{_slug(self.settings.prefix)}-sms-{digest}-{attempt}"

    def enqueue(self, message: Message) -> None:
        """One wake-up job for this record and attempt, at its `due` (unique job id)."""
        options = {"job_id": self.job_id(message.key, message.attempts), "unique": True,
                   "job_timeout": JOB_TIMEOUT, "result_ttl": 3600, "failure_ttl": 7 * 86400,
                   "description": f"sms {message.kind}"}
        args = (jobs.send_message, self.settings.prefix, message.key)
        try:
            if message.due <= self.clock():
                self.queue.enqueue(*args, **options)
            else:
                # RQ keeps whole seconds (truncated): round up so the job never runs early.
                at = datetime.fromtimestamp(math.ceil(message.due.timestamp()), UTC)
                self.queue.enqueue_at(at, *args, **options)
        except DuplicateJobError:
            pass  # this wake-up exists already; the claim keeps it to one send anyway

    def schedule(self, message: Message) -> bool:
        """Record the intended text and its wake-up; False if it was already recorded."""
        created = self.messages.create(message, self.clock())
        if created:
            self.enqueue(message)
        return created

    # -- send (worker side) -----------------------------------------------------------------
    def status_callback(self) -> str | None:
        base = self.settings.public_base_url
        return f"{base}/sms/status" if base and self.settings.twilio_configured else None

    def deliver(self, key: str) -> str:
        """Claim and send one record; returns what happened (the record holds the rest)."""
        now = self.clock()
        message = self.messages.get(key)
        if message is None:
            return self._unreadable(key, now)
        claimed = self.messages.claim(key, now, self.messages.tag(message.to), self.optouts.key)
        if claimed != "claimed":
            return claimed
        message = self.messages.get(key)  # as claimed (attempts counted)
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
        self.messages.link_provider(sent.provider_id, key)
        self.messages.transition(key, [State.CLAIMED], State.SENT, self.clock(),
                                 provider_id=sent.provider_id, twilio_status=sent.status,
                                 sent_at=self.clock(), sender=self.sender.name)
        log.info("sms %s sent to %s via %s", message.kind, self._ref(message),
                 self.sender.name)
        return State.SENT.value

    def _ref(self, message: Message) -> str:
        return log_ref(self.messages.tag(message.to))

    def _unreadable(self, key: str, now: datetime) -> str:
        """A record that is gone, or was encrypted with a key no longer configured."""
        state = self.messages.state(key)
        if state is None:
            return "missing"
        if self.messages.transition(key, [State.SCHEDULED], State.FAILED, now, error=UNREADABLE):
            log.error("sms %s not sent: the record %s", key.split(":", 1)[0], UNREADABLE)
            return State.FAILED.value
        return state

    def _retry_later(self, message: Message, exc: RetryableError) -> str:
        """Back to `scheduled` with a later `due`, and the next attempt's wake-up."""
        attempts = message.attempts
        if attempts >= self.settings.max_attempts:
            return self._fail(message, exc.code, f"gave up after {attempts} tries: {exc}")
        intervals = self.settings.retry_intervals or (0,)
        delay = intervals[min(attempts - 1, len(intervals) - 1)]
        due = self.clock() + timedelta(seconds=delay)
        self.messages.transition(message.key, [State.CLAIMED], State.SCHEDULED, self.clock(),
                                 due=due, error_code=exc.code or "", error=exc.message)
        log.warning("sms %s to %s: retrying in %ss (%s)", message.kind, self._ref(message),
                    delay, redact(exc.message))
        message.due = due
        self.enqueue(message)
        return "retrying"

    def _fail(self, message: Message, code: int | None, error: str) -> str:
        self.messages.transition(message.key, [State.CLAIMED], State.FAILED, self.clock(),
                                 error_code=code or "", error=error)
        log.warning("sms %s to %s failed: %s %s", message.kind, self._ref(message), code,
                    redact(error))
        return State.FAILED.value

    def _unknown(self, message: Message, error: str) -> str:
        self.messages.transition(message.key, [State.CLAIMED], State.UNKNOWN, self.clock(),
                                 error=error)
        log.error("sms %s to %s: outcome unknown (%s); staff must check", message.kind,
                  self._ref(message), redact(error))
        return State.UNKNOWN.value

    # -- opt-out and cancelling -----------------------------------------------------------
    def opt_out(self, phone: str) -> int:
        """Record the opt-out and cancel everything still pending for the number."""
        self.optouts.add(phone)
        return self.cancel(self.messages.keys_for_phone(phone), "the number opted out")

    def cancel(self, keys: list[str], reason: str) -> int:
        cancelled = 0
        for key in keys:
            if self.messages.transition(key, [State.SCHEDULED], State.CANCELLED, self.clock(),
                                        error=reason):
                cancelled += 1
                self._drop_jobs(key)
        return cancelled

    def _drop_jobs(self, key: str) -> None:
        message = self.messages.get(key)
        attempts = message.attempts if message else 0
        for attempt in range(attempts + 1):
            try:
                Job.fetch(self.job_id(key, attempt), connection=self.redis).delete()
            except NoSuchJobError:
                pass

    # -- sweep ----------------------------------------------------------------------------
    def sweep(self, limit: int = 1000) -> SweepReport:
        """Re-create lost wake-ups of due records; mark claims that outlived any send.

        At most `limit` due records per pass (oldest first) keeps one pass short (~2 s at
        worst, when the RQ scheduler was down); the next pass takes the rest.
        """
        now = self.clock()
        report = SweepReport()
        due = self.messages.due_keys(now - timedelta(seconds=self.settings.sweep_grace), limit)
        report.checked = len(due)
        for message in self.messages.get_many(due):
            if message.state != State.SCHEDULED or self._job_live(message):
                continue
            self._drop_jobs(message.key)  # a finished or failed job would block the id
            self.enqueue(message)
            report.enqueued += 1
            report.keys.append(message.key)
        stale = self.messages.stale_claims(now - timedelta(seconds=self.settings.claim_lease))
        for message in self.messages.get_many(stale):
            self._unknown(message, "the worker stopped while sending; check with the person "
                          "before sending again")
            report.marked_unknown += 1
        self.messages.prune(now)
        return report

    def _job_live(self, message: Message) -> bool:
        status = self.redis.hget(Job.key_for(self.job_id(message.key, message.attempts)),
                                 "status")
        return bool(status) and status.decode() in LIVE_JOB

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
            self.queue.enqueue_at(slot, jobs.run_sweep, self.settings.prefix,
                                  job_id=self.sweep_job_id(slot), unique=True,
                                  result_ttl=max(600, 3 * period), job_timeout=300)
        except DuplicateJobError:
            pass
        return slot
