"""One Redis hash per intended text, with a state machine and an atomic claim.

    scheduled -> claimed -> sent -> delivered | undelivered | failed
    scheduled -> cancelled          (STOP, CLEARED, staff, or the number opted out)
    claimed   -> scheduled          (a retryable error before anything was sent)
    claimed   -> failed | unknown   (a permanent error | a timeout/crash after sending began)

Only the claim (scheduled -> claimed, when due and the number has not opted out) lets a worker
send, and it is one Lua script, so retries, two workers, a double tap or a re-enqueue by the
sweep can never send a text twice. Keys live under one hash tag `<prefix>{sms}:` so the scripts
stay valid on Redis Cluster.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import redis

from checker.sms.phones import phone_tag

RETENTION = timedelta(days=30)  # records (with phone numbers) are kept this long after due
OUTBOX_SIZE = 500


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
    to: str  # E.164; needed to send, never logged
    body: str
    due: datetime
    location: str = ""
    sid: str = ""
    code: str = ""
    sender_from: str = ""  # the location's own From number, if any
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
    def from_fields(cls, raw: dict[bytes, bytes]) -> Message:
        data = {k.decode(): v.decode() for k, v in raw.items()}
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

# KEYS: record, due zset, claimed zset, opt-out set. ARGV: key, now.
_CLAIM = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
if state ~= 'scheduled' then return state end
if tonumber(redis.call('HGET', KEYS[1], 'due')) > tonumber(ARGV[2]) then return 'not_due' end
if redis.call('SISMEMBER', KEYS[4], redis.call('HGET', KEYS[1], 'to')) == 1 then
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

    def __init__(self, client: redis.Redis, prefix: str):
        self.redis = client
        self.base = f"{prefix}{{sms}}:"
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

    @property
    def optout_key(self) -> str:
        return f"{self.base}optout"

    def phone_key(self, phone: str) -> str:
        return f"{self.base}phone:{phone_tag(phone)}"

    def sid_key(self, sid: str) -> str:
        return f"{self.base}sid:{sid}"

    def provider_key(self, provider_id: str) -> str:
        return f"{self.base}provider:{provider_id}"

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
            args += [name, value]
        return bool(self._create(keys=keys, args=args))

    def get(self, key: str) -> Message | None:
        raw = self.redis.hgetall(self.record_key(key))
        return Message.from_fields(raw) if raw else None

    def get_many(self, keys: Iterable[str]) -> list[Message]:
        pipe = self.redis.pipeline(transaction=False)
        for key in keys:
            pipe.hgetall(self.record_key(key))
        return [Message.from_fields(raw) for raw in pipe.execute() if raw]

    def claim(self, key: str, now: datetime) -> str:
        """'claimed' if this caller may send now; else why not (state, 'not_due', ...)."""
        result = self._claim(keys=[self.record_key(key), self.due_key, self.claimed_key,
                                   self.optout_key], args=[key, _ts(now)])
        return result.decode() if isinstance(result, bytes) else str(result)

    def transition(self, key: str, allowed: Iterable[str], new: State, now: datetime,
                   **fields: object) -> str | None:
        """Move to `new` if the current state is in `allowed`; the previous state or None."""
        args: list[str] = [key, " ".join(allowed), new.value, _ts(now)]
        for name, value in fields.items():
            args += [name, _ts(value) if isinstance(value, datetime) else str(value)]
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

    # -- opt-outs (kept without expiry: an opted-out number is never texted again) ------------
    def opt_out(self, phone: str) -> None:
        self.redis.sadd(self.optout_key, phone)

    def opt_in(self, phone: str) -> None:
        self.redis.srem(self.optout_key, phone)

    def opted_out(self, phone: str) -> bool:
        return bool(self.redis.sismember(self.optout_key, phone))

    # -- development outbox -----------------------------------------------------------------
    @property
    def outbox_key(self) -> str:
        return f"{self.base}outbox"

    def add_to_outbox(self, item: dict) -> str:
        item = {**item, "id": "OB" + secrets.token_hex(16)}
        pipe = self.redis.pipeline(transaction=True)
        pipe.lpush(self.outbox_key, json.dumps(item))
        pipe.ltrim(self.outbox_key, 0, OUTBOX_SIZE - 1)
        pipe.execute()
        return item["id"]

    def outbox(self, limit: int = 50) -> list[dict]:
        return [json.loads(raw) for raw in self.redis.lrange(self.outbox_key, 0, limit - 1)]

    # -- notes for staff ----------------------------------------------------------------------
    def note_key(self, sid: str) -> str:
        return f"{self.base}note:{sid}"

    def set_note(self, sid: str, text: str, now: datetime) -> None:
        self.redis.hset(self.note_key(sid), mapping={"text": text, "at": _ts(now)})
        self.redis.expire(self.note_key(sid), int(RETENTION.total_seconds()) * 7)

    def note(self, sid: str) -> tuple[str, datetime] | None:
        raw = self.redis.hgetall(self.note_key(sid))
        if not raw:
            return None
        return raw[b"text"].decode(), _from_ts(raw[b"at"].decode())
