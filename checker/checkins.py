"""Check-ins for the staff board: one record per finished screening, indexed per local day.

Keys (all under the app's prefix):
- `checkin:<id>` hash: the outcome for staff (level, flags, reasons, fired rules, the limbs
  the flags name, version, code), the location and local day, "seen" and "clearance
  received". It keeps the outcome only, never the answers: `Checkin.outcome` is enough to
  word the therapist's flags (checker.wording.flag_text). The id is a one-way hash of the
  screening id, so staff pages never carry the client's screening link.
- `checkins:<slug>:<YYYY-MM-DD>` sorted set: check-in ids by finish time, for one location
  and one local day (the location's time zone decides where midnight is).

Both expire RETENTION_DAYS after the last write. At rest, the clinical fields (level, flags,
reasons, client notes, the clearance's date and limits) are AES-GCM tokens bound to the
check-in and field (checker.crypto); the code, location, day and times stay readable. The
"outcome changed" signature the record script compares is a keyed tag, not the flags.

A client who changes answers and finishes again updates the same check-in; if the level,
flags or limbs changed, "seen" is cleared so the therapist looks again. A late, older finish event
never overwrites a newer one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import redis

from checker.crypto import Crypto, DecryptError, Tagger
from checker.finishes import FinishedScreening
from checker.locations import Locations
from checker.outcome import Level, Limbs, Outcome, limbs_from
from checker.sealed import SealedFields
from checker.store import format_code

log = logging.getLogger(__name__)

DEFAULT_RETENTION_DAYS = 30
MAX_LIMITS_LENGTH = 1000
ENCRYPTED_FIELDS = frozenset({"level", "flags", "reasons", "rules", "limbs", "client_notes",
                              "clearance_signed_on", "clearance_limits"})

# What the client told us about paperwork, derived from the rules that fired (no answers are
# copied to the board). Staff must still see the letter itself.
CLIENT_CLEARANCE_NOTES = {
    "R6": "Client says a doctor's letter recommends lymphatic drainage for this limb.",
    "R7": "Client says a doctor's letter says massage is OK for this limb.",
    "R21": "Client says they have written clearance from a doctor, dated after the clot.",
}

# KEYS[1] check-in hash. ARGV: revision, ttl, outcome signature, then field/value pairs.
# Returns the previous local day ("" when new), or nil when this event is not newer.
_RECORD_SCRIPT = """
local old = redis.call('HMGET', KEYS[1], 'revision', 'day', 'signature')
if old[1] and tonumber(old[1]) >= tonumber(ARGV[1]) then return nil end
if old[3] and old[3] ~= ARGV[3] then redis.call('HDEL', KEYS[1], 'seen_at', 'seen_by') end
local fields = {'signature', ARGV[3]}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('HINCRBY', KEYS[1], 'finishes', 1)
redis.call('EXPIRE', KEYS[1], ARGV[2])
return old[2] or ''
"""

# KEYS[1] check-in hash; ARGV: field/value pairs. Never creates a check-in that expired.
_UPDATE_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
"""


class ClearanceError(ValueError):
    """Bad clearance details; `errors` maps a form field to a message for staff."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Clearance:
    signed_on: date
    limits: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class Checkin:
    id: str
    code: str
    location: str
    day: str
    finished_at: datetime
    level: Level
    flags: tuple[str, ...]
    reasons: tuple[str, ...]
    version: str
    finishes: int  # >1 when the client changed answers and finished again
    seen_at: datetime | None
    seen_by: str | None
    clearance: Clearance | None
    client_notes: tuple[str, ...]
    rules: tuple[str, ...] = ()
    limbs: Limbs = ()

    @property
    def outcome(self) -> Outcome:
        """The outcome as recorded (for wording its flags with the limb they name)."""
        return Outcome(self.level, self.flags, self.reasons, self.rules, self.version,
                       self.limbs)

    @property
    def display_code(self) -> str:
        return format_code(self.code)

    @property
    def stands_out(self) -> bool:
        return self.level in (Level.URGENT, Level.EMERGENCY)

    def local_time(self, tz: ZoneInfo) -> datetime:
        return self.finished_at.astimezone(tz)


def checkin_id(sid: str) -> str:
    return hashlib.blake2b(sid.encode(), digest_size=12, person=b"clotcheck-ci").hexdigest()


def local_day(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).date().isoformat()


def parse_clearance(signed_on: str, limits: str, today: date) -> tuple[date, str]:
    """Validate the clearance form. Raises ClearanceError naming each bad field."""
    errors: dict[str, str] = {}
    day: date | None = None
    try:
        day = date.fromisoformat(signed_on.strip())
    except ValueError:
        errors["signed_on"] = "Enter the date on the clearance, for example 2025-03-14."
    if day is not None and day > today:
        errors["signed_on"] = "The date on the clearance must be today or in the past."
    limits = limits.strip()
    if not limits:
        errors["limits"] = "Enter the limits the doctor wrote, or 'No limits' if there are none."
    elif len(limits) > MAX_LIMITS_LENGTH:
        errors["limits"] = f"The limits can have at most {MAX_LIMITS_LENGTH} characters."
    if errors:
        raise ClearanceError(errors)
    assert day is not None
    return day, limits


class CheckinBook:
    def __init__(self, redis_client: redis.Redis, prefix: str = "clotcheck:",
                 retention_days: int = DEFAULT_RETENTION_DAYS, *, crypto: Crypto,
                 tagger: Tagger) -> None:
        self.redis = redis_client
        self.prefix = prefix
        self.ttl = int(retention_days) * 86400
        self.sealed = SealedFields(crypto, ENCRYPTED_FIELDS, "checkin:")
        self.tagger = tagger
        self._record = redis_client.register_script(_RECORD_SCRIPT)
        self._update = redis_client.register_script(_UPDATE_SCRIPT)

    def key(self, cid: str) -> str:
        return f"{self.prefix}checkin:{cid}"

    def index_key(self, slug: str, day: str) -> str:
        return f"{self.prefix}checkins:{slug}:{day}"

    def record(self, done: FinishedScreening, tz: ZoneInfo) -> str | None:
        """Record a finished screening; the check-in id, or None for a stale/repeated event."""
        cid = checkin_id(done.sid)
        outcome = done.outcome
        day = local_day(done.finished_at, tz)
        limbs = outcome.as_dict().get("limbs", {})
        signature = self.tagger.tag(json.dumps([outcome.level.value, sorted(outcome.flags),
                                                limbs], sort_keys=True), "checkin-outcome")
        notes = [CLIENT_CLEARANCE_NOTES[r] for r in outcome.rules if r in CLIENT_CLEARANCE_NOTES]
        fields = {
            "code": done.code, "location": done.location, "day": day,
            "finished_at": done.finished_at.astimezone(UTC).isoformat(),
            "level": outcome.level.value, "flags": json.dumps(list(outcome.flags)),
            "reasons": json.dumps(list(outcome.reasons)), "version": outcome.version,
            "rules": json.dumps(list(outcome.rules)), "limbs": json.dumps(limbs),
            "client_notes": json.dumps(notes), "revision": str(done.revision),
        }
        args: list[str] = [str(done.revision), str(self.ttl), signature]
        for name, value in fields.items():
            args += [name, self.sealed.seal(cid, name, value)]
        old_day = self._record(keys=[self.key(cid)], args=args)
        if old_day is None:
            return None
        pipe = self.redis.pipeline(transaction=False)
        if old_day and old_day.decode() != day:
            pipe.zrem(self.index_key(done.location, old_day.decode()), cid)
        index = self.index_key(done.location, day)
        pipe.zadd(index, {cid: done.finished_at.timestamp()})
        pipe.expire(index, self.ttl)
        pipe.execute()
        return cid

    def day(self, slug: str, day: str) -> list[Checkin]:
        """A location's check-ins of one local day, newest first (expired ones left out)."""
        cids = [c.decode() for c in self.redis.zrevrange(self.index_key(slug, day), 0, -1)]
        return [c for c in self._load_many(cids) if c is not None]

    def get(self, cid: str) -> Checkin | None:
        return self._load_many([cid])[0] if _valid_cid(cid) else None

    def mark_seen(self, cid: str, by: str, now: datetime | None = None) -> bool:
        """False when the check-in no longer exists."""
        moment = (now or datetime.now(UTC)).isoformat()
        return self._set(cid, {"seen_at": moment, "seen_by": by})

    def record_clearance(self, cid: str, signed_on: date, limits: str, by: str,
                         now: datetime | None = None) -> bool:
        """Note that a signed clearance was received; False when the check-in is gone."""
        return self._set(cid, {
            "clearance_signed_on": signed_on.isoformat(), "clearance_limits": limits,
            "clearance_by": by,
            "clearance_at": (now or datetime.now(UTC)).isoformat(),
        })

    def _set(self, cid: str, fields: dict[str, str]) -> bool:
        if not _valid_cid(cid):
            return False
        args = [part for name, value in fields.items()
                for part in (name, self.sealed.seal(cid, name, value))]
        return bool(self._update(keys=[self.key(cid)], args=args))

    def _load_many(self, cids: Iterable[str]) -> list[Checkin | None]:
        cids = list(cids)
        pipe = self.redis.pipeline(transaction=False)
        for cid in cids:
            pipe.hgetall(self.key(cid))
        return [self._load(cid, raw) if raw else None
                for cid, raw in zip(cids, pipe.execute(), strict=True)]

    def _load(self, cid: str, raw: dict[bytes, bytes]) -> Checkin | None:
        try:
            return _parse(cid, self.sealed.open_all(cid, raw))
        except DecryptError:
            log.error("check-in %s does not decrypt with the configured ENCRYPTION_KEYS", cid)
            return None


def _valid_cid(cid: str) -> bool:
    return len(cid) == 24 and all(c in "0123456789abcdef" for c in cid)


def _parse(cid: str, f: dict[str, str]) -> Checkin | None:
    if "level" not in f:
        return None
    clearance = None
    if "clearance_signed_on" in f:
        clearance = Clearance(date.fromisoformat(f["clearance_signed_on"]),
                              f.get("clearance_limits", ""), f.get("clearance_by", ""),
                              datetime.fromisoformat(f["clearance_at"]))
    reasons = tuple(json.loads(f["reasons"]))
    # Records from before v2 keep no rule ids: each reason starts with its rule's.
    rules = (tuple(json.loads(f["rules"])) if "rules" in f
             else tuple(r.split(":", 1)[0] for r in reasons))
    return Checkin(
        id=cid, code=f["code"], location=f["location"], day=f["day"],
        finished_at=datetime.fromisoformat(f["finished_at"]), level=Level(f["level"]),
        flags=tuple(json.loads(f["flags"])), reasons=reasons,
        version=f["version"], finishes=int(f.get("finishes", "1")),
        seen_at=datetime.fromisoformat(f["seen_at"]) if "seen_at" in f else None,
        seen_by=f.get("seen_by"), clearance=clearance,
        client_notes=tuple(json.loads(f.get("client_notes", "[]"))),
        rules=rules, limbs=limbs_from(json.loads(f.get("limbs", "{}"))),
    )


class CheckinRecorder:
    """The finish-event consumer that puts each finished screening on the staff board."""

    name = "checkins"

    def __init__(self, book: CheckinBook, locations: Locations):
        self.book = book
        self.locations = locations

    def __call__(self, done: FinishedScreening) -> None:
        # An unknown slug (location removed from the config since) goes to the default board.
        location = self.locations.resolve(done.location)
        self.book.record(dataclasses.replace(done, location=location.slug), location.tz)
