"""Every setting, read once from the environment: the web app, the worker and the commands.

`Settings.from_env(os.environ, overrides)` is the only place that reads the environment. The
names are the environment variables' (README, "Configuration"); `overrides` (tests, tools)
use the same names and win over the environment. Production checks live here too: in
production (`CLOTCHECK_ENV=production`) a setting that is missing or unsafe stops start-up
with a message naming each problem.

Development needs no settings at all. Without SECRET_KEY every process started from the same
checkout (the web app, gunicorn workers run straight from the Procfile, the worker, `flask`
commands) uses ONE key kept in `<INSTANCE_PATH>/secret_key`, created by whichever process
needs it first; never a per-process random key, which would make one process's screenings
and texts unreadable to the others.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checker.crypto import CryptoError, parse_keys, parse_tag_key
from checker.sms.settings import SmsSettings

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE_PATH = REPO_ROOT / "instance"
PRODUCTION = "production"
DEVELOPMENT = "development"
MIN_SECRET_LENGTH = 32
PLACEHOLDER_SECRETS = frozenset({"dev", "development", "secret", "change-me", "changeme",
                                 "test-secret", "replace-me", "please-change"})
DEV_SECRET_FILE = "secret_key"
# The embedded Redis that `make run` starts (devtools.redis) listens here by default.
DEV_REDIS_SOCKET = "redis.socket"

# Settings read from the environment, with their defaults (None: unset).
DEFAULTS: dict[str, Any] = {
    "CLOTCHECK_ENV": DEVELOPMENT,
    "SECRET_KEY": None,
    "ENCRYPTION_KEYS": None,
    "PHONE_TAG_KEY": None,
    "INSTANCE_PATH": None,
    "REDIS_URL": None,
    "REDIS_KEY_PREFIX": "clotcheck:",
    "SCREENING_TTL": 86400,
    "EMERGENCY_NUMBER": "911",
    "CLINIC_NAME": "Our clinic",
    "CLINIC_TIMEZONE": "America/New_York",
    "STAFF_ALERT_NUMBERS": "",
    "CLOTCHECK_LOCATIONS": None,
    "PUBLIC_BASE_URL": None,
    "RETENTION_DAYS": 30,
    "START_LIMIT": "20 per minute; 200 per hour",
    "STAFF_SIGNIN_LIMIT": "5 per minute",
    "STAFF_SESSION_HOURS": 12,
    "PROXY_FIX_HOPS": 0,
    "MAX_CONTENT_LENGTH": 16 * 1024,  # our forms are a few hundred bytes; Twilio's a few KB
    "RATELIMIT_ENABLED": True,
    "SESSION_COOKIE_SECURE": None,  # None: Secure in production only
    "WTF_CSRF_ENABLED": True,
    "DEBUG": False,
}
_INTS = ("SCREENING_TTL", "RETENTION_DAYS", "STAFF_SESSION_HOURS", "PROXY_FIX_HOPS",
         "MAX_CONTENT_LENGTH")
_BOOLS = ("RATELIMIT_ENABLED", "SESSION_COOKIE_SECURE", "WTF_CSRF_ENABLED", "DEBUG")


class ProductionConfigError(RuntimeError):
    """Production was asked for with a missing or unsafe setting (the message names each)."""


def as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


@dataclass(frozen=True)
class Settings:
    environment: str
    secret_key: str
    encryption_keys: str | None
    phone_tag_key: str | None
    instance_path: Path
    redis_url: str
    key_prefix: str
    screening_ttl: int
    emergency_number: str
    clinic_name: str
    clinic_timezone: str
    staff_alert_numbers: str
    locations_file: str | None
    public_base_url: str | None
    retention_days: int
    start_limit: str
    signin_limit: str
    staff_session_hours: int
    proxy_fix_hops: int
    max_content_length: int
    ratelimit_enabled: bool
    session_cookie_secure: bool
    csrf_enabled: bool
    debug: bool
    sms: SmsSettings
    # Flask's own keys passed through untouched (TESTING, SERVER_NAME, ...; tests and tools).
    flask_extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def production(self) -> bool:
        return self.environment == PRODUCTION

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None,
                 overrides: Mapping[str, Any] | None = None) -> Settings:
        """Defaults < `environ` (default: os.environ) < `overrides`; raises
        ProductionConfigError in production when a setting is missing or unsafe."""
        env = os.environ if environ is None else environ
        known = set(DEFAULTS) | set(SmsSettings.ENV_KEYS)
        merged: dict[str, Any] = dict(DEFAULTS)
        merged.update({k: env[k] for k in known if env.get(k)})
        merged.update({k: v for k, v in (overrides or {}).items()
                       if k in known and v is not None})
        extra = {k: v for k, v in (overrides or {}).items() if k not in known}
        for key in _INTS:
            merged[key] = int(merged[key])
        for key in _BOOLS:
            if merged[key] is not None:
                merged[key] = as_bool(merged[key])
        environment = str(merged["CLOTCHECK_ENV"] or DEVELOPMENT).strip().lower()
        production = environment == PRODUCTION
        if production:
            problems = production_problems(merged)
            if problems:
                raise ProductionConfigError(
                    "ClotCheck will not start in production (CLOTCHECK_ENV=production) "
                    "because:\n  - " + "\n  - ".join(problems)
                    + "\nSet these in the environment (see README, 'Running in production').")
        instance = Path(str(merged["INSTANCE_PATH"] or DEFAULT_INSTANCE_PATH)).resolve()
        secret = str(merged["SECRET_KEY"] or "") or development_secret(instance)
        secure = merged["SESSION_COOKIE_SECURE"]
        return cls(
            environment=environment,
            secret_key=secret,
            encryption_keys=merged["ENCRYPTION_KEYS"] or None,
            phone_tag_key=merged["PHONE_TAG_KEY"] or None,
            instance_path=instance,
            redis_url=str(merged["REDIS_URL"] or f"unix://{instance / DEV_REDIS_SOCKET}"),
            key_prefix=str(merged["REDIS_KEY_PREFIX"]),
            screening_ttl=merged["SCREENING_TTL"],
            emergency_number=str(merged["EMERGENCY_NUMBER"]),
            clinic_name=str(merged["CLINIC_NAME"]),
            clinic_timezone=str(merged["CLINIC_TIMEZONE"]),
            staff_alert_numbers=str(merged["STAFF_ALERT_NUMBERS"] or ""),
            locations_file=merged["CLOTCHECK_LOCATIONS"] or None,
            public_base_url=str(merged["PUBLIC_BASE_URL"]).rstrip("/")
            if merged["PUBLIC_BASE_URL"] else None,
            retention_days=merged["RETENTION_DAYS"],
            start_limit=str(merged["START_LIMIT"]),
            signin_limit=str(merged["STAFF_SIGNIN_LIMIT"]),
            staff_session_hours=merged["STAFF_SESSION_HOURS"],
            proxy_fix_hops=merged["PROXY_FIX_HOPS"],
            max_content_length=merged["MAX_CONTENT_LENGTH"],
            ratelimit_enabled=merged["RATELIMIT_ENABLED"],
            session_cookie_secure=production if secure is None else secure,
            csrf_enabled=merged["WTF_CSRF_ENABLED"],
            debug=merged["DEBUG"],
            sms=SmsSettings.from_mapping(merged),
            flask_extra=extra,
        )


def production_problems(merged: Mapping[str, Any]) -> list[str]:
    """What stops these (merged, environment-named) settings from running in production."""
    problems = []
    secret = str(merged.get("SECRET_KEY") or "")
    if not secret:
        problems.append("SECRET_KEY is not set (every process must share one long random key, "
                        "e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`; it "
                        "also derives PHONE_TAG_KEY when that is unset)")
    elif len(secret) < MIN_SECRET_LENGTH or secret.lower() in PLACEHOLDER_SECRETS:
        problems.append(f"SECRET_KEY is a placeholder or shorter than {MIN_SECRET_LENGTH} "
                        "characters")
    keys = str(merged.get("ENCRYPTION_KEYS") or "")
    if not keys:
        problems.append("ENCRYPTION_KEYS is not set (make a key with "
                        "`python -m checker.crypto`)")
    else:
        try:
            parse_keys(keys)
        except CryptoError as exc:
            problems.append(str(exc))
    # Optional (derived from SECRET_KEY when unset), but a malformed one must not start.
    tag_key = str(merged.get("PHONE_TAG_KEY") or "")
    if tag_key:
        try:
            parse_tag_key(tag_key)
        except CryptoError as exc:
            problems.append(str(exc))
    if not as_bool(merged.get("WTF_CSRF_ENABLED", True)):
        problems.append("WTF_CSRF_ENABLED is off")
    if as_bool(merged.get("DEBUG")):
        problems.append("DEBUG is on")
    return problems


def development_secret(instance_path: Path) -> str:
    """The checkout's development SECRET_KEY, created (0600) by the first process to ask.

    Written to a private temporary file and hard-linked into place, so a process starting at
    the same moment either wins or reads the whole key, never an empty file.
    """
    path = instance_path / DEV_SECRET_FILE
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        tmp = instance_path / f".{DEV_SECRET_FILE}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process won: use its key
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text().strip()
