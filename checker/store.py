"""Screening state in Redis: one hash per screening, guarded by a revision number.

Key: `<prefix>{<sid>}:screening` (one hash tag per screening, so it can move to Redis Cluster).
Fields: `rev`, `created_at`, `location`, `lang`, `version` (the questionnaire version the
screening started under: it finishes under it; hashes written before v2 have none and are v1),
`answers` (JSON of the on-path answers only) and, once finished, `outcome` (JSON, naming its
version), `finished_at` and the check-in `code`.

Encryption: `answers` and `outcome` are clinical, so with a Crypto (the app always passes
app.extensions["crypto"]) they are stored as AES-GCM tokens bound to the screening and field
(checker.crypto); a token moved to another screening or field does not decrypt. Values written
before encryption was switched on (plain JSON) are still read; each write re-encrypts.

Round trips: a page view is one pipeline (HGETALL + EXPIRE). An answer is that read plus one
compare-and-set script keyed on `rev`, so a double tap or a second tab can never interleave a
read-modify-write and lose answers; on a conflict we re-read and re-apply once.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

import redis

from checker import flow
from checker.crypto import Crypto, DecryptError
from checker.outcome import Outcome
from checker.versions import CURRENT, Questionnaire, questionnaire_for

Answer = str | tuple[str, ...]

# 18 random bytes = 144 bits, 24 URL-safe characters.
SID_BYTES = 18
_SID_PATTERN = re.compile(r"[A-Za-z0-9_-]{22,64}")

# Check-in codes are read aloud and typed by reception: no 0/O, 1/I/L, 5/S, 2/Z, 8/B, U/V.
CODE_ALPHABET = "ACDEFGHJKMNPQRTWXY34679"
CODE_LENGTH = 6

# KEYS[1] screening hash. ARGV: expected rev, ttl, n, n field/value pairs, fields to delete.
# Returns the new revision, -1 when the revision moved on, -2 when the screening is gone.
_CAS_SCRIPT = """
local rev = redis.call('HGET', KEYS[1], 'rev')
if not rev then return -2 end
if rev ~= ARGV[1] then return -1 end
local newrev = tonumber(rev) + 1
local n = tonumber(ARGV[3])
local pairs_ = {'rev', tostring(newrev)}
for i = 4, 3 + 2 * n do pairs_[#pairs_ + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(pairs_))
for i = 4 + 2 * n, #ARGV do redis.call('HDEL', KEYS[1], ARGV[i]) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return newrev
"""

_FINISHED_FIELDS = ("outcome", "finished_at")
# Clinical fields: encrypted at rest.
ENCRYPTED_FIELDS = frozenset({"answers", "outcome"})

log = logging.getLogger(__name__)


class ScreeningGone(LookupError):
    """The screening expired or never existed."""


class ScreeningConflict(RuntimeError):
    """Another request kept changing the screening while we tried to save."""


class NotComplete(ValueError):
    """Finishing was asked for while questions are still unanswered."""


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

    @cached_property
    def progress(self) -> flow.Progress:
        """Where these answers stand in the flow; computed once per loaded screening."""
        return flow.evaluate(self.answers, self.questionnaire)


@dataclass(frozen=True)
class FinishedScreening:
    sid: str
    code: str
    outcome: Outcome
    location: str  # slug
    finished_at: datetime  # aware, UTC
    revision: int  # increases if the client changes answers and finishes again


def new_sid() -> str:
    return secrets.token_urlsafe(SID_BYTES)


def valid_sid(sid: str) -> bool:
    return bool(_SID_PATTERN.fullmatch(sid))


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """`K7FXQM` -> `K7F-XQM`: easier to read aloud and to compare at reception."""
    return f"{code[:3]}-{code[3:]}"


def _dump_answers(answers: Mapping[str, Answer]) -> str:
    return json.dumps({qid: list(v) if isinstance(v, tuple) else v
                       for qid, v in answers.items()}, sort_keys=True)


def _load_answers(text: str, questionnaire: Questionnaire) -> dict[str, Answer]:
    # Ids unknown to the screening's questionnaire version are skipped.
    return {qid: tuple(v) if isinstance(v, list) else v for qid, v in json.loads(text).items()
            if questionnaire.has(qid)}


def _now() -> datetime:
    return datetime.now(UTC)


class ScreeningStore:
    """Screenings under `prefix`, each kept `ttl` seconds after its last step."""

    def __init__(self, redis_client: redis.Redis, prefix: str = "clotcheck:", ttl: int = 86400,
                 crypto: Crypto | None = None):
        self.redis = redis_client
        self.prefix = prefix
        self.ttl = int(ttl)
        self.crypto = crypto  # None only for tools and tests that want to read raw JSON

    def _seal(self, sid: str, name: str, value: str) -> str:
        if self.crypto is None or name not in ENCRYPTED_FIELDS:
            return value
        return self.crypto.encrypt(value, f"{sid}:{name}")

    def _open(self, sid: str, name: str, value: str) -> str:
        if self.crypto is None or not Crypto.is_token(value):
            return value  # plain JSON from before encryption was configured
        return self.crypto.decrypt(value, f"{sid}:{name}")

    def key(self, sid: str) -> str:
        return f"{self.prefix}{{{sid}}}:screening"

    def create(self, location: str, lang: str = "en") -> Screening:
        """A new, empty screening (one round trip)."""
        sid = new_sid()
        now = _now()
        fields = {"rev": "1", "created_at": now.isoformat(), "location": location,
                  "lang": lang, "version": CURRENT.version,
                  "answers": self._seal(sid, "answers", "{}")}
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(self.key(sid), mapping=fields)
        pipe.expire(self.key(sid), self.ttl)
        pipe.execute()
        return Screening(sid, 1, location, now, {}, None, None, None, lang, CURRENT.version)

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
        fields = {k.decode(): v.decode() for k, v in raw.items()}
        if "rev" not in fields:
            return None  # a stray partial hash (e.g. only touched by EXPIRE) is not a screening
        for name in ENCRYPTED_FIELDS & fields.keys():
            fields[name] = self._open(sid, name, fields[name])
        outcome = fields.get("outcome")
        finished_at = fields.get("finished_at")
        version = fields.get("version", "1")  # written before v2: a v1 screening
        return Screening(
            sid=sid,
            revision=int(fields["rev"]),
            location=fields.get("location", ""),
            created_at=datetime.fromisoformat(fields["created_at"]),
            answers=_load_answers(fields.get("answers", "{}"), questionnaire_for(version)),
            outcome=Outcome.from_dict(json.loads(outcome)) if outcome else None,
            finished_at=datetime.fromisoformat(finished_at) if finished_at else None,
            code=fields.get("code"),
            lang=fields.get("lang", "en"),
            version=version,
        )

    def _write(self, screening: Screening, fields: Mapping[str, str],
               delete: tuple[str, ...] = ()) -> int | None:
        """Compare-and-set on the revision (one round trip): new revision, or None on conflict."""
        args: list[str] = [str(screening.revision), str(self.ttl), str(len(fields))]
        for name, value in fields.items():
            args += [name, self._seal(screening.sid, name, value)]
        args += list(delete)
        result = int(self.redis.eval(_CAS_SCRIPT, 1, self.key(screening.sid), *args))
        if result == -2:
            raise ScreeningGone(screening.sid)
        return None if result == -1 else result

    def _reload(self, sid: str) -> Screening:
        screening = self.load(sid)
        if screening is None:
            raise ScreeningGone(sid)
        return screening

    def _retrying(self, screening: Screening,
                  attempt: Callable[[Screening], Screening | None]) -> Screening:
        """Run `attempt`; if another request won the race, re-read and re-apply once."""
        result = attempt(screening)
        if result is None:
            result = attempt(self._reload(screening.sid))
        if result is None:
            raise ScreeningConflict(screening.sid)
        return result

    def record_answer(self, screening: Screening, qid: str,
                      value: object) -> tuple[Screening, FinishedScreening | None]:
        """Validate one answer against the current answers and store the on-path answers.

        A changed answer clears a finished outcome (it no longer matches the answers). When
        the answers make the level certain to be emergency/urgent, the outcome is stored in
        the same atomic write, and the FinishedScreening event is returned for the listeners.
        Raises flow.AnswerError (client wording) for a bad answer, ScreeningGone if expired.
        """
        won: list[FinishedScreening] = []

        def attempt(current: Screening) -> Screening | None:
            answer = flow.validate_answer(qid, value, current.answers, current.questionnaire)
            progress = flow.evaluate({**current.answers, qid: answer}, current.questionnaire)
            changed = progress.answers != current.answers
            if not changed and (current.finished or not progress.early):
                return current  # a repeated Continue: nothing to write
            fields = {"answers": _dump_answers(progress.answers)}
            delete: tuple[str, ...] = _FINISHED_FIELDS
            if progress.early and progress.outcome is not None:
                fields.update(self._finish_fields(current, progress.outcome))
                delete = ()
            revision = self._write(current, fields, delete)
            if revision is None:
                return None
            return self._after_write(current, revision, progress, fields, won)

        done = self._retrying(screening, attempt)
        return done, (won[0] if won else None)

    def finish(self, screening: Screening) -> tuple[Screening, FinishedScreening | None]:
        """Store the outcome of the complete answers; atomic, so only one finisher wins.

        Returns the finished screening and, for the request that actually finished it, the
        FinishedScreening event (None when it was already finished: a double tap).
        Raises NotComplete if questions remain, ScreeningGone if expired.
        """
        won: list[FinishedScreening] = []

        def attempt(current: Screening) -> Screening | None:
            if current.finished:
                return current
            progress = current.progress
            if not progress.complete or progress.outcome is None:
                raise NotComplete(current.sid)
            fields = self._finish_fields(current, progress.outcome)
            revision = self._write(current, fields)
            if revision is None:
                return None
            return self._after_write(current, revision, progress, fields, won)

        done = self._retrying(screening, attempt)
        return done, (won[0] if won else None)

    @staticmethod
    def _finish_fields(current: Screening, outcome: Outcome) -> dict[str, str]:
        return {"outcome": json.dumps(outcome.as_dict()), "finished_at": _now().isoformat(),
                "code": current.code or new_code()}

    @staticmethod
    def _after_write(current: Screening, revision: int, progress: flow.Progress,
                     fields: Mapping[str, str], won: list[FinishedScreening]) -> Screening:
        """The screening as now stored; records the finish event if this write finished it."""
        finished = "outcome" in fields
        outcome = progress.outcome if finished else None
        finished_at = datetime.fromisoformat(fields["finished_at"]) if finished else None
        code = fields.get("code", current.code)
        if finished and outcome is not None and finished_at is not None and code:
            won.append(FinishedScreening(current.sid, code, outcome, current.location,
                                         finished_at, revision))
        stored = Screening(current.sid, revision, current.location, current.created_at,
                           progress.answers, outcome, finished_at, code, current.lang,
                           current.version)
        stored.__dict__["progress"] = progress  # already evaluated: spare the caller a second
        return stored
