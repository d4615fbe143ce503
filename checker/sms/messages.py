"""One Redis hash per intended text, with a state machine and an atomic claim.

    scheduled -> claimed -> sent -> delivered | undelivered | failed
    scheduled -> cancelled          (STOP, CLEARED, staff, or the number opted out)
    claimed   -> scheduled          (a retryable error before anything was sent)
    claimed   -> failed | unknown   (a permanent error | a timeout/crash after sending began)

Only the claim (scheduled -> claimed, when due and the number has not opted out) lets a worker
send, and it is one Lua script, so retries, two workers, a double tap or a re-enqueue by the
sweep can never send a text twice. Keys live under one hash tag `<prefix>{sms}:` so the scripts
stay valid on Redis Cluster.

At rest: the number, the text and any error (Twilio's may quote the number) are AES-GCM tokens
bound to their record and field (checker.sealed); every key, dedupe key and index that depends
on a number uses its keyed tag (`store.tag`), never the number or an unkeyed hash of it.
Opt-outs, the development outbox and clearance notes have modules of their own.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import redis

from checker.crypto import Crypto, DecryptError, Tagger
from checker.sealed import SealedFields

log = logging.getLogger("checker.sms")

RETENTION = timedelta(days=30)  # records (with phone numbers) are kept this long after due
ENCRYPTED_FIELDS = frozenset({"to", "body", "error"})
UNREADABLE = "cannot be decrypted with the configured ENCRYPTION_KEYS"


class State(StrEnum):
    SCHEDULED = "scheduled"
    CLAIMED = "claimed"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"  # the request may have reached Twilio: staff must check, never resend


class Kind(StrEnum):
    GUIDANCE = "guidance"
    ALERT = "alert"
    ALERT_SUMMARY = "alert_summary"
    REMINDER = "reminder"
    NEXT_DAY = "next_day"
    CLEARED_ACK = "cleared_ack"
    HELP = "help"


CLIENT_FOLLOW_UPS = (Kind.REMINDER, Kind.NEXT_DAY)


@dataclass
class Message:
    key: str  # dedupe key, e.g. "guidance:<sid>:<phone tag>"
    kind: str
    to: str  # E.164; needed to send, encrypted at rest, never logged
    body: str
    due: datetime
    location: str = ""
    sid: str = ""
    code: str = ""
    sender_from: str = ""  # the location's own From number, if any
    lang: str = ""  # the client's language (their screening's); replies to them use it
    state: str = State.SCHEDULED
    created: datetime | None = None
    attempts: int = 0
    provider_id: str = ""
    twilio_status: str = ""
    error_code: str = ""
    error: str = ""
    sent_at: datetime | None = None
    sender: str = ""  # "twilio" or "outbox", once sent
    extra: dict = field(default_factory=dict)

    def fields(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in asdict(self).items():
            if isinstance(value, datetime):
                out[name] = f"{value.timestamp():.6f}"
            elif isinstance(value, dict):
                out[name] = json.dumps(value)
            elif value is not None:
                out[name] = str(value)
        return out

    @classmethod
    def from_fields(cls, data: dict[str, str]) -> Message:
        times = {"due", "created", "sent_at", "claimed", "updated"}
        kwargs: dict[str, object] = {}
        for name in cls.__dataclass_fields__:
            if name not in data:
                continue
            value: object = data[name]
            if name in times:
                value = _from_ts(data[name])
            elif name == "attempts":
                value = int(data[name])
            elif name == "extra":
                value = json.loads(data[name])
            kwargs[name] = value
        return cls(**kwargs)  # type: ignore[arg-type]


def _ts(when: datetime) -> str:
    return f"{when.timestamp():.6f}"


def _from_ts(text: str) -> datetime:
    return datetime.fromtimestamp(float(text), UTC)


# KEYS: record, due zset, all zset, phone set, sid set.
# ARGV: key, due score, created score, expire-at, now, field/value pairs...
_CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 6))
redis.call('EXPIREAT', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
for i = 4, 5 do
  if KEYS[i] ~= '' then
    redis.call('SADD', KEYS[i], ARGV[1])
    local ttl = redis.call('TTL', KEYS[i])
    if ttl < 0 or tonumber(ARGV[5]) + ttl < tonumber(ARGV[4]) then
      redis.call('EXPIREAT', KEYS[i], ARGV[4])
    end
  end
end
return 1
"""

# KEYS: record, due zset, claimed zset, opt-out hash. ARGV: key, now, the number's tag.
_CLAIM = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
if state == 'claimed' then return 'in_flight' end  -- another worker holds it
if state ~= 'scheduled' then return state end
if tonumber(redis.call('HGET', KEYS[1], 'due')) > tonumber(ARGV[2]) then return 'not_due' end
if redis.call('HEXISTS', KEYS[4], ARGV[3]) == 1 then
  redis.call('HSET', KEYS[1], 'state', 'cancelled', 'error', 'the number opted out',
             'updated', ARGV[2])
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 'opted_out'
end
redis.call('HSET', KEYS[1], 'state', 'claimed', 'claimed', ARGV[2], 'updated', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
return 'claimed'
"""

# KEYS: record, due zset, claimed zset. ARGV: key, allowed states (space separated),
# new state, now, field/value pairs... Returns the previous state, or false if not allowed.
_TRANSITION = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return false end
local allowed = false
for s in string.gmatch(ARGV[2], '%S+') do if s == state then allowed = true end end
if not allowed then return false end
redis.call('HSET', KEYS[1], 'state', ARGV[3], 'updated', ARGV[4])
if #ARGV > 4 then redis.call('HSET', KEYS[1], unpack(ARGV, 5)) end
if ARGV[3] == 'scheduled' then
  redis.call('ZADD', KEYS[2], redis.call('HGET', KEYS[1], 'due'), ARGV[1])
else
  redis.call('ZREM', KEYS[2], ARGV[1])
end
if ARGV[3] ~= 'claimed' then redis.call('ZREM', KEYS[3], ARGV[1]) end
return state
"""


class MessageStore:
    """Message records and their indexes under `<prefix>{sms}:`."""

    def __init__(self, client: redis.Redis, prefix: str, crypto: Crypto, tagger: Tagger):
        self.redis = client
        self.base = f"{prefix}{{sms}}:"
        self.tagger = tagger
        self.sealed = SealedFields(crypto, ENCRYPTED_FIELDS, "sms:")
        self._create = client.register_script(_CREATE)
        self._claim = client.register_script(_CLAIM)
        self._transition = client.register_script(_TRANSITION)

    # -- keys -----------------------------------------------------------------------------
    def record_key(self, key: str) -> str:
        return f"{self.base}msg:{key}"

    @property
    def due_key(self) -> str:
        return f"{self.base}due"

    @property
    def claimed_key(self) -> str:
        return f"{self.base}claimed"

    @property
    def all_key(self) -> str:
        return f"{self.base}all"

    def tag(self, phone: str) -> str:
        """The number's keyed tag: for keys, indexes and logs instead of the number."""
        return self.tagger.tag(phone)

    def phone_key(self, phone: str) -> str:
        return f"{self.base}phone:{self.tag(phone)}"

    def sid_key(self, sid: str) -> str:
        return f"{self.base}sid:{sid}"

    def provider_key(self, provider_id: str) -> str:
        return f"{self.base}provider:{provider_id}"

    def _message(self, key: str, raw: dict[bytes, bytes]) -> Message | None:
        if not raw:
            return None
        try:
            return Message.from_fields(self.sealed.open_all(key, raw))
        except DecryptError:
            log.warning("sms record %s %s", key.split(":", 1)[0], UNREADABLE)
            return None

    # -- records --------------------------------------------------------------------------
    def create(self, message: Message, now: datetime) -> bool:
        """Store a new scheduled message; False if one with this dedupe key exists."""
        message.created = message.created or now
        expire_at = int((max(message.due, now) + RETENTION).timestamp())
        keys = [self.record_key(message.key), self.due_key, self.all_key,
                self.phone_key(message.to), self.sid_key(message.sid) if message.sid else ""]
        args: list[str] = [message.key, _ts(message.due), _ts(message.created), str(expire_at),
                           str(int(now.timestamp()))]
        for name, value in message.fields().items():
            args += [name, self.sealed.seal(message.key, name, value)]
        return bool(self._create(keys=keys, args=args))

    def get(self, key: str) -> Message | None:
        """The record, decrypted; None when it is gone or does not decrypt."""
        return self._message(key, self.redis.hgetall(self.record_key(key)))

    def state(self, key: str) -> str | None:
        value = self.redis.hget(self.record_key(key), "state")
        return value.decode() if value else None

    def get_many(self, keys: Iterable[str]) -> list[Message]:
        keys = list(keys)
        pipe = self.redis.pipeline(transaction=False)
        for key in keys:
            pipe.hgetall(self.record_key(key))
        found = (self._message(key, raw) for key, raw in zip(keys, pipe.execute(), strict=True))
        return [m for m in found if m is not None]

    def claim(self, key: str, now: datetime, phone_tag: str, optout_key: str) -> str:
        """'claimed' if this caller may send now; else why not (state, 'not_due', ...).

        `phone_tag` is the tag of the record's number: a number in the opt-out hash
        `optout_key` (checker.sms.optouts) is never claimed.
        """
        result = self._claim(keys=[self.record_key(key), self.due_key, self.claimed_key,
                                   optout_key], args=[key, _ts(now), phone_tag])
        return result.decode() if isinstance(result, bytes) else str(result)

    def transition(self, key: str, allowed: Iterable[str], new: State, now: datetime,
                   **fields: object) -> str | None:
        """Move to `new` if the current state is in `allowed`; the previous state or None."""
        args: list[str] = [key, " ".join(allowed), new.value, _ts(now)]
        for name, value in fields.items():
            text = _ts(value) if isinstance(value, datetime) else str(value)
            args += [name, self.sealed.seal(key, name, text)]
        result = self._transition(keys=[self.record_key(key), self.due_key,
                                        self.claimed_key], args=args)
        return result.decode() if isinstance(result, bytes) else None

    def due_keys(self, until: datetime, limit: int = 1000) -> list[str]:
        return [k.decode() for k in self.redis.zrangebyscore(
            self.due_key, "-inf", _ts(until), start=0, num=limit)]

    def stale_claims(self, before: datetime, limit: int = 1000) -> list[str]:
        return [k.decode() for k in self.redis.zrangebyscore(
            self.claimed_key, "-inf", _ts(before), start=0, num=limit)]

    def keys_for_phone(self, phone: str) -> list[str]:
        return sorted(k.decode() for k in self.redis.smembers(self.phone_key(phone)))

    def keys_for_sid(self, sid: str) -> list[str]:
        return sorted(k.decode() for k in self.redis.smembers(self.sid_key(sid)))

    def recent(self, limit: int = 100) -> list[Message]:
        keys = [k.decode() for k in self.redis.zrevrange(self.all_key, 0, limit - 1)]
        return self.get_many(keys)

    def prune(self, now: datetime) -> int:
        """Drop index entries of records past retention (the records expire on their own)."""
        return int(self.redis.zremrangebyscore(self.all_key, "-inf",
                                               _ts(now - RETENTION - timedelta(days=200))))

    # -- provider ids (status callbacks) ---------------------------------------------------
    def link_provider(self, provider_id: str, key: str) -> None:
        self.redis.set(self.provider_key(provider_id), key, ex=int(RETENTION.total_seconds()))

    def by_provider(self, provider_id: str) -> str | None:
        value = self.redis.get(self.provider_key(provider_id))
        return value.decode() if value else None
