"""Screening state in Redis: load, and compare-and-set on a revision number. Nothing else.

Key: `<prefix>{<sid>}:screening`, one hash per screening with a TTL renewed on every step.
Fields: `rev`, `created_at`, `location`, `lang`, `version` (the questionnaire version the
screening started under: it finishes under it; hashes written before v2 have none and are v1),
`answers` (JSON of the on-path answers) and, once finished, `outcome` (JSON, naming its
version), `finished_at` and the check-in `code`. What to write is decided by
checker.screenings (the use case); this module only reads and writes. A hash naming a version
this release does not know reads as ended (like one that does not decrypt).

Encryption: `answers` and `outcome` are clinical, so with a Crypto (the product always has
one) they are stored as AES-GCM tokens bound to the screening and field (checker.sealed).

Round trips: a load is one pipeline (HGETALL + EXPIRE); a write is one compare-and-set
script keyed on `rev`, so a double tap or a second tab can never interleave a read-modify-
write. A write that stores an outcome also appends the finish event to `<prefix>finishes`
in the same script (checker.finishes): the outcome is never stored without its event. The
script touches two keys, so both must live on one Redis server (one primary, Sentinel for
failover; not Redis Cluster).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import redis

from checker.crypto import Crypto, DecryptError
from checker.finishes import MAX_LEN, event_fields
from checker.outcome import Outcome
from checker.sealed import SealedFields
from checker.versions import CURRENT, Questionnaire, questionnaire_for

Answer = str | tuple[str, ...]

# 18 random bytes = 144 bits, 24 URL-safe characters.
SID_BYTES = 18
_SID_PATTERN = re.compile(r"[A-Za-z0-9_-]{22,64}")

# Check-in codes are read aloud and typed by reception: no 0/O, 1/I/L, 5/S, 2/Z, 8/B, U/V.
CODE_ALPHABET = "ACDEFGHJKMNPQRTWXY34679"
CODE_LENGTH = 6

# KEYS: screening hash, finish stream. ARGV: expected rev, ttl, number of field pairs, of
# fields to delete, of event pairs, the stream's length cap; then the pairs, the deletes and
# the event pairs. Returns the new revision, -1 when the revision moved on, -2 when gone.
_CAS_SCRIPT = """
local rev = redis.call('HGET', KEYS[1], 'rev')
if not rev then return -2 end
if rev ~= ARGV[1] then return -1 end
local newrev = tostring(tonumber(rev) + 1)
local n, d, e = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local at = 7
local fields = {'rev', newrev}
for i = at, at + 2 * n - 1 do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
at = at + 2 * n
if d > 0 then redis.call('HDEL', KEYS[1], unpack(ARGV, at, at + d - 1)) end
at = at + d
if e > 0 then
  local event = {'revision', newrev}
  for i = at, at + 2 * e - 1 do event[#event + 1] = ARGV[i] end
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '*', unpack(event))
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return tonumber(newrev)
"""

FINISHED_FIELDS = ("outcome", "finished_at")
# Clinical fields: encrypted at rest.
ENCRYPTED_FIELDS = frozenset({"answers", "outcome"})

log = logging.getLogger(__name__)


class ScreeningGone(LookupError):
    """The screening expired or never existed."""


class ScreeningConflict(RuntimeError):
    """Another request kept changing the screening while we tried to save."""


@dataclass(frozen=True)
class Screening:
    sid: str
    revision: int
    location: str
    created_at: datetime
    answers: dict[str, Answer]
    outcome: Outcome | None  # set while the stored answers are the finished ones
    finished_at: datetime | None
    code: str | None  # check-in code, kept for the screening's life once first finished
    lang: str = "en"  # the client's language, chosen at the start; pages and texts use it
    version: str = CURRENT.version  # questionnaire version it started (and finishes) under

    @property
    def finished(self) -> bool:
        return self.outcome is not None

    @property
    def questionnaire(self) -> Questionnaire:
        return questionnaire_for(self.version)


def new_sid() -> str:
    return secrets.token_urlsafe(SID_BYTES)


def valid_sid(sid: str) -> bool:
    return bool(_SID_PATTERN.fullmatch(sid))


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """`K7FXQM` -> `K7F-XQM`: easier to read aloud and to compare at reception."""
    return f"{code[:3]}-{code[3:]}"


def dump_answers(answers: Mapping[str, Answer]) -> str:
    return json.dumps({qid: list(v) if isinstance(v, tuple) else v
                       for qid, v in answers.items()}, sort_keys=True)


def _load_answers(text: str, questionnaire: Questionnaire) -> dict[str, Answer]:
    # Ids unknown to the screening's questionnaire version are skipped.
    return {qid: tuple(v) if isinstance(v, list) else v for qid, v in json.loads(text).items()
            if questionnaire.has(qid)}


def now_utc() -> datetime:
    return datetime.now(UTC)


class ScreeningStore:
    """Screenings under `prefix`, each kept `ttl` seconds after its last step."""

    def __init__(self, redis_client: redis.Redis, prefix: str = "clotcheck:", ttl: int = 86400,
                 crypto: Crypto | None = None):
        self.redis = redis_client
        self.prefix = prefix
        self.ttl = int(ttl)
        self.sealed = SealedFields(crypto, ENCRYPTED_FIELDS)
        self.finish_stream = f"{prefix}finishes"
        self._cas = redis_client.register_script(_CAS_SCRIPT)

    def key(self, sid: str) -> str:
        return f"{self.prefix}{{{sid}}}:screening"

    def create(self, location: str, lang: str = "en",
               version: str = CURRENT.version) -> Screening:
        """A new, empty screening under questionnaire `version` (one round trip)."""
        sid = new_sid()
        now = now_utc()
        fields = {"rev": "1", "created_at": now.isoformat(), "location": location,
                  "lang": lang, "version": version,
                  "answers": self.sealed.seal(sid, "answers", "{}")}
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(self.key(sid), mapping=fields)
        pipe.expire(self.key(sid), self.ttl)
        pipe.execute()
        return Screening(sid, 1, location, now, {}, None, None, None, lang, version)

    def load(self, sid: str) -> Screening | None:
        """The screening, its TTL refreshed (one round trip); None if unknown or expired."""
        if not valid_sid(sid):
            return None
        pipe = self.redis.pipeline(transaction=False)
        pipe.hgetall(self.key(sid))
        pipe.expire(self.key(sid), self.ttl)
        raw, _ = pipe.execute()
        if not raw:
            return None
        try:
            return self._parse(sid, raw)
        except DecryptError:
            # Unreadable with the configured keys (a key removed too early, or tampering):
            # to the client this check has ended; never guess at clinical answers.
            log.warning("screening %s does not decrypt with the configured keys", sid)
            return None
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("screening %s is stored in a form this version cannot read", sid)
            return None

    def _parse(self, sid: str, raw: Mapping[bytes, bytes]) -> Screening | None:
        fields = self.sealed.open_all(sid, raw)
        if "rev" not in fields:
            return None  # a stray partial hash (e.g. only touched by EXPIRE) is not a screening
        outcome = fields.get("outcome")
        finished_at = fields.get("finished_at")
        version = fields.get("version", "1")  # written before v2: a v1 screening
        return Screening(
            sid=sid,
            revision=int(fields["rev"]),
            location=fields.get("location", ""),
            created_at=datetime.fromisoformat(fields["created_at"]),
            # An unknown version raises KeyError: `load` reads that as ended.
            answers=_load_answers(fields.get("answers", "{}"), questionnaire_for(version)),
            outcome=Outcome.from_dict(json.loads(outcome)) if outcome else None,
            finished_at=datetime.fromisoformat(finished_at) if finished_at else None,
            code=fields.get("code"),
            lang=fields.get("lang", "en"),
            version=version,
        )

    def compare_and_set(self, screening: Screening, fields: Mapping[str, str],
                        delete: tuple[str, ...] = (), announce: bool = False) -> int | None:
        """Write `fields` (and delete `delete`) if the revision is still `screening`'s: the new
        revision, or None when another write came first. Raises ScreeningGone.

        `announce`: this write stores an outcome (`fields` holds outcome, finished_at and
        code); its finish event is appended to the stream in the same atomic script.
        """
        sid = screening.sid
        sealed = {name: self.sealed.seal(sid, name, value) for name, value in fields.items()}
        event = event_fields(sid, sealed["code"], screening.location, screening.lang,
                             sealed["finished_at"], sealed["outcome"]) if announce else {}
        args: list[str] = [str(screening.revision), str(self.ttl), str(len(sealed)),
                           str(len(delete)), str(len(event)), str(MAX_LEN)]
        for pairs in (sealed, event):
            for name, value in pairs.items():
                args += [name, value]
        args[6 + 2 * len(sealed):6 + 2 * len(sealed)] = list(delete)
        result = int(self._cas(keys=[self.key(sid), self.finish_stream], args=args,
                               client=self.redis))
        if result == -2:
            raise ScreeningGone(sid)
        return None if result == -1 else result
