"""Staff accounts in Redis: Werkzeug password hashes, one hash field per account.

Key: `<prefix>staff:accounts` (hash: username -> JSON record). Each record carries a random
`generation`; a signed-in session remembers it, so removing an account or resetting its
password ends that person's sessions on their next request (a cookie session alone could not
be revoked).
"""

from __future__ import annotations

import functools
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from werkzeug.security import check_password_hash, generate_password_hash

USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256  # bounds hashing work per attempt



@functools.cache
def _dummy_hash() -> str:
    """Checked when the username is unknown, so a wrong name costs as long as a wrong
    password (no timing hint about which accounts exist)."""
    return generate_password_hash(secrets.token_urlsafe(16))


class StaffError(ValueError):
    """A username or password that cannot be used; the message says why."""


@dataclass(frozen=True)
class StaffAccount:
    username: str
    created_at: datetime
    generation: str


def normalise_username(username: str) -> str:
    return username.strip().lower()


def check_username(username: str) -> str:
    name = normalise_username(username)
    if not USERNAME_PATTERN.fullmatch(name):
        raise StaffError(
            "A username has 2 to 64 characters: lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise StaffError(f"A password can have at most {MAX_PASSWORD_LENGTH} characters.")
    return password


class StaffAccounts:
    def __init__(self, redis_client: redis.Redis, prefix: str = "clotcheck:") -> None:
        self.redis = redis_client
        self.key = f"{prefix}staff:accounts"

    def add(self, username: str, password: str, *, replace: bool = False) -> StaffAccount:
        """Create an account (or, with replace, reset its password). Raises StaffError."""
        name = check_username(username)
        check_password(password)
        account = StaffAccount(name, datetime.now(UTC), secrets.token_urlsafe(12))
        record = json.dumps({
            "hash": generate_password_hash(password),
            "created_at": account.created_at.isoformat(),
            "generation": account.generation,
        })
        if replace:
            self.redis.hset(self.key, name, record)
        elif not self.redis.hsetnx(self.key, name, record):
            raise StaffError(f"There is already an account called {name!r}.")
        return account

    def remove(self, username: str) -> bool:
        return bool(self.redis.hdel(self.key, normalise_username(username)))

    def usernames(self) -> list[str]:
        return sorted(name.decode() for name in self.redis.hkeys(self.key))

    def get(self, username: str) -> StaffAccount | None:
        record = self._record(normalise_username(username))
        if record is None:
            return None
        return StaffAccount(normalise_username(username),
                            datetime.fromisoformat(record["created_at"]), record["generation"])

    def verify(self, username: str, password: str) -> StaffAccount | None:
        """The account when the password matches, else None (same work either way)."""
        name = normalise_username(username)
        record = self._record(name) if USERNAME_PATTERN.fullmatch(name) else None
        password = password[:MAX_PASSWORD_LENGTH + 1]
        ok = check_password_hash(record["hash"] if record else _dummy_hash(), password)
        if not (ok and record):
            return None
        return StaffAccount(name, datetime.fromisoformat(record["created_at"]),
                            record["generation"])

    def _record(self, name: str) -> dict | None:
        raw = self.redis.hget(self.key, name)
        return json.loads(raw) if raw else None
