"""Finished screenings as a durable event stream, and the consumers derived from it.

The compare-and-set that stores a screening's outcome also appends a finish event to the
stream `<prefix>finishes` IN THE SAME SCRIPT (checker.store): if the outcome is stored, the
event is too, whatever happens to the process next. Everything that follows a finish is a
consumer of that stream, each with its own Redis consumer group, so each keeps its own place,
retries on its own and can be added later without touching the others:

    screening CAS ──XADD──> <prefix>finishes ──> group "checkins": the staff board's record
                                               └─> group "alerts":   staff alert texts
                                               └─> (later: outcome history, booking callbacks)

The worker runs `pump()`: it reads new events for every group, hands each to its consumer and
acknowledges it once handled. A consumer that fails leaves its event pending; it is retried
(claimed again after CLAIM_IDLE) and given up, loudly, after MAX_ATTEMPTS. A process that dies
mid-event leaves it pending too, so a crash between steps loses nothing. Consumers must be
idempotent: an event can be handed over more than once.

The staff board also runs the "checkins" group (`drain(only=...)`) before it reads, so a
finished screening is on the board at the next poll even while the worker is down.

Entries carry the outcome encrypted exactly as in the screening hash (bound to the screening
and field), and are trimmed after the retention period.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import redis

from checker.outcome import Outcome
from checker.sealed import SealedFields

log = logging.getLogger(__name__)

CLAIM_IDLE_MS = 30_000  # an event pending this long with no ack: its consumer died; retry
MAX_ATTEMPTS = 5
BATCH = 100
MAX_LEN = 100_000  # a safety cap; entries are trimmed by age long before this


@dataclass(frozen=True)
class FinishedScreening:
    sid: str
    code: str
    outcome: Outcome
    location: str  # slug
    finished_at: datetime  # aware, UTC
    revision: int  # increases if the client changes answers and finishes again
    lang: str = "en"


Handler = Callable[[FinishedScreening], None]


@dataclass(frozen=True)
class Consumer:
    name: str  # its consumer group
    handle: Handler


def event_fields(sid: str, code: str, location: str, lang: str, finished_at: str,
                 sealed_outcome: str) -> dict[str, str]:
    """The stream entry of a finish, less its revision (the CAS script adds the new one)."""
    return {"sid": sid, "code": code, "location": location, "lang": lang,
            "finished_at": finished_at, "outcome": sealed_outcome}


class FinishLog:
    """The finish stream, its consumers and their groups."""

    def __init__(self, client: redis.Redis, prefix: str, sealed: SealedFields,
                 retention_days: int = 30):
        self.redis = client
        self.key = f"{prefix}finishes"
        self.failures_key = f"{prefix}finishes:failures"
        self.sealed = sealed  # the screening store's: outcomes are sealed the same way
        self.retention_ms = retention_days * 86_400_000
        self.consumers: dict[str, Consumer] = {}
        self.me = f"{socket.gethostname()}-{os.getpid()}"

    def add_consumer(self, name: str, handle: Handler) -> None:
        """Register a consumer; its group starts at the oldest event still kept."""
        self.consumers[name] = Consumer(name, handle)
        try:
            self._create_group(name)
        except redis.RedisError:  # Redis down at start-up: made when first read
            log.warning("finish events: could not create the group %r yet", name)

    def _create_group(self, name: str) -> None:
        try:
            self.redis.xgroup_create(self.key, name, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    # -- reading ---------------------------------------------------------------------------
    def parse(self, fields: dict[bytes, bytes]) -> FinishedScreening:
        f = {k.decode(): v.decode() for k, v in fields.items()}
        outcome = self.sealed.open(f["sid"], "outcome", f["outcome"])
        return FinishedScreening(
            sid=f["sid"], code=f["code"], outcome=Outcome.from_dict(json.loads(outcome)),
            location=f["location"], finished_at=datetime.fromisoformat(f["finished_at"]),
            revision=int(f["revision"]), lang=f.get("lang", "en"))

    def drain(self, only: Iterable[str] | None = None, claim_idle_ms: int = CLAIM_IDLE_MS
              ) -> int:
        """Hand every waiting event to its consumers (all, or the groups named in `only`);
        returns how many were handled. Safe to run in several processes at once."""
        names = list(self.consumers) if only is None else list(only)
        handled = 0
        for name in names:
            consumer = self.consumers[name]
            try:
                handled += self._drain_one(consumer, claim_idle_ms)
            except redis.ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                self._create_group(name)
                handled += self._drain_one(consumer, claim_idle_ms)
        return handled

    def _drain_one(self, consumer: Consumer, claim_idle_ms: int) -> int:
        handled = self._claim_stalled(consumer, claim_idle_ms)
        while True:
            batch = self.redis.xreadgroup(consumer.name, self.me, {self.key: ">"}, count=BATCH)
            entries = batch[0][1] if batch else []
            handled += self._handle(consumer, entries)
            if len(entries) < BATCH:
                return handled

    def _claim_stalled(self, consumer: Consumer, idle_ms: int) -> int:
        """Events a consumer received but never acknowledged (it failed or died)."""
        handled, start = 0, "0-0"
        while True:
            start, entries, *_ = self.redis.xautoclaim(self.key, consumer.name, self.me,
                                                       idle_ms, start, count=BATCH)
            handled += self._handle(consumer, [e for e in entries if e[1]])
            if start in (b"0-0", "0-0"):
                return handled

    def _handle(self, consumer: Consumer, entries: list) -> int:
        handled = 0
        for entry_id, fields in entries:
            try:
                consumer.handle(self.parse(fields))
            except Exception:
                self._failed(consumer, entry_id)
                continue
            self.redis.xack(self.key, consumer.name, entry_id)
            handled += 1
        return handled

    def _failed(self, consumer: Consumer, entry_id: bytes) -> None:
        field = f"{consumer.name}:{entry_id.decode()}"
        attempts = self.redis.hincrby(self.failures_key, field, 1)
        if attempts < MAX_ATTEMPTS:
            log.exception("finish consumer %r failed on event %s (attempt %d; retried)",
                          consumer.name, entry_id.decode(), attempts)
            return
        log.exception("finish consumer %r gave up on event %s after %d attempts",
                      consumer.name, entry_id.decode(), attempts)
        self.redis.xack(self.key, consumer.name, entry_id)
        self.redis.hdel(self.failures_key, field)

    def trim(self, now: datetime) -> None:
        """Forget events older than the retention period (their check-ins expired too)."""
        oldest = int(now.timestamp() * 1000) - self.retention_ms
        self.redis.xtrim(self.key, minid=f"{max(0, oldest)}-0", approximate=True)

    # -- the worker's loop -----------------------------------------------------------------
    def pump(self, stop: threading.Event, block_ms: int = 1000) -> None:
        """Until `stop`: hand out new events as they arrive, and retry stalled ones."""
        last = "$"
        while not stop.is_set():
            try:
                self.drain()
                # Wait for anything newer than what was there; then drain the groups.
                seen = self.redis.xread({self.key: last}, count=1, block=block_ms)
                if seen:
                    last = seen[0][1][-1][0]
            except redis.RedisError:
                log.exception("finish events: Redis error; trying again shortly")
                stop.wait(2)


def start_pump(log_: FinishLog) -> tuple[threading.Thread, threading.Event]:
    """Run `log_.pump` on a daemon thread (the worker's); returns it and its stop event."""
    stop = threading.Event()
    thread = threading.Thread(target=log_.pump, args=(stop,), name="finish-events",
                              daemon=True)
    thread.start()
    return thread, stop
