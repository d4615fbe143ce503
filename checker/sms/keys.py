"""The keys the SMS side needs, for the web app and for the worker (which has no Flask config).

Texts are encrypted with the same keys as screenings (ENCRYPTION_KEYS, else derived from
SECRET_KEY), and phone numbers are looked up by a keyed tag (PHONE_TAG_KEY, else derived from
SECRET_KEY); see checker.crypto. The worker reads them from the environment. In development,
a worker started without SECRET_KEY uses the one `make run` keeps in `instance/secret_key`, so
it reads what the web processes wrote; in production it refuses to start without keys.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from checker.crypto import Crypto, CryptoError, Tagger, crypto_for, tagger_for

KEY_SETTINGS = ("ENCRYPTION_KEYS", "PHONE_TAG_KEY", "SECRET_KEY", "INSTANCE_PATH",
                "CLOTCHECK_ENV")
DEFAULT_INSTANCE = Path(__file__).resolve().parent.parent.parent / "instance"


def key_settings(config: Mapping, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The key settings: the environment, overridden by `config` where it sets them."""
    env = os.environ if environ is None else environ
    merged = {k: str(env[k]) for k in KEY_SETTINGS if env.get(k)}
    merged.update({k: str(config[k]) for k in KEY_SETTINGS if config.get(k)})
    return merged


def is_production(settings: Mapping[str, str]) -> bool:
    return settings.get("CLOTCHECK_ENV", "").strip().lower() == "production"


def production_problems(settings: Mapping[str, str]) -> list[str]:
    """What stops the worker from running in production (the web app checks its own)."""
    problems = []
    if not settings.get("ENCRYPTION_KEYS"):
        problems.append("ENCRYPTION_KEYS is not set (the same value as the web processes)")
    if not settings.get("PHONE_TAG_KEY") and not settings.get("SECRET_KEY"):
        problems.append("PHONE_TAG_KEY (or SECRET_KEY) is not set (the same value as the web "
                        "processes, or opt-outs would not be recognised)")
    return problems


def _development_secret(settings: Mapping[str, str]) -> str | None:
    """The SECRET_KEY `make run` keeps under instance/ (created as checker.serve does)."""
    from checker.serve import ensure_secret_key

    env: dict[str, str] = {}
    ensure_secret_key(env, Path(settings.get("INSTANCE_PATH") or DEFAULT_INSTANCE))
    return env.get("SECRET_KEY")


def sms_keys(settings: Mapping[str, str]) -> tuple[Crypto, Tagger]:
    """Crypto and phone tagger from key settings; CryptoError names what is missing/bad."""
    settings = dict(settings)
    if is_production(settings):
        problems = production_problems(settings)
        if problems:
            raise CryptoError("; ".join(problems))
    elif not settings.get("SECRET_KEY") and not (settings.get("ENCRYPTION_KEYS")
                                                 and settings.get("PHONE_TAG_KEY")):
        secret = _development_secret(settings)
        if secret:
            settings["SECRET_KEY"] = secret
    return crypto_for(settings), tagger_for(settings)
