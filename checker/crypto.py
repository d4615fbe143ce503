"""Authenticated encryption at rest (AES-256-GCM) with key ids, so keys can be rotated.

Configuration: `ENCRYPTION_KEYS`, comma-separated keys (each 32 random bytes, URL-safe base64;
make one with `python -m checker.crypto`). The first key encrypts; every listed key decrypts.
To rotate: put a new key first and keep the old ones after it until everything written with
them has expired or been rewritten (screenings live SCREENING_TTL; SMS records longer).

A token is `v1.<key id>.<base64url(nonce | ciphertext | tag)>`. The key id (derived from the
key, never secret) picks the key directly instead of trying each one. An optional `context`
(for example "<sid>:answers") is bound as associated data: a token copied to another record
or field does not decrypt there.

Outside production, with no ENCRYPTION_KEYS, a key is derived from SECRET_KEY, so every
process sharing SECRET_KEY (as `make run` arranges) reads the same data.

Lookups by a value that must not be stored in the clear (a phone number in the opt-out list,
a per-number limit) use a keyed tag: HMAC-SHA256 under `PHONE_TAG_KEY` (one key, same format
as an encryption key), else a key derived from SECRET_KEY. It is separate from
ENCRYPTION_KEYS on purpose: rotating those never changes a tag, so no opt-out is lost.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import sys
from collections.abc import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12
_DEV_INFO = b"clotcheck encryption key derived from SECRET_KEY (development only)"
_TAG_INFO = b"clotcheck phone tag key derived from SECRET_KEY"
TAG_HEX = 32  # 128-bit tags: no collisions in practice, short keys


class CryptoError(ValueError):
    """A key in the configuration is malformed (the message names which one, never its value)."""


class DecryptError(ValueError):
    """A token is malformed, was made with an unknown key, or was tampered with."""


def new_key() -> str:
    """A fresh key for ENCRYPTION_KEYS."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode()


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"clotcheck key id\0" + key).hexdigest()[:8]


def parse_keys(text: str) -> list[bytes]:
    """The keys of an ENCRYPTION_KEYS value, in order (first = the one that encrypts)."""
    keys = []
    for number, part in enumerate((p.strip() for p in text.split(",")), start=1):
        if not part:
            continue
        try:
            key = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        except (binascii.Error, ValueError) as exc:
            raise CryptoError(f"ENCRYPTION_KEYS: key {number} is not URL-safe base64") from exc
        if len(key) != KEY_BYTES:
            raise CryptoError(f"ENCRYPTION_KEYS: key {number} must be {KEY_BYTES} bytes "
                              f"(got {len(key)})")
        keys.append(key)
    if not keys:
        raise CryptoError("ENCRYPTION_KEYS lists no key")
    return keys


def derived_key(secret: str) -> bytes:
    """A development key derived from SECRET_KEY (HKDF-SHA256)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=_DEV_INFO)
    return hkdf.derive(secret.encode())


def parse_tag_key(text: str) -> bytes:
    """The key of a PHONE_TAG_KEY value (32 bytes, URL-safe base64, as `new_key()` makes)."""
    try:
        key = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError) as exc:
        raise CryptoError("PHONE_TAG_KEY is not URL-safe base64") from exc
    if len(key) != KEY_BYTES:
        raise CryptoError(f"PHONE_TAG_KEY must be {KEY_BYTES} bytes (got {len(key)})")
    return key


def derived_tag_key(secret: str) -> bytes:
    """The tag key derived from SECRET_KEY (HKDF-SHA256, separate from the encryption key)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=_TAG_INFO)
    return hkdf.derive(secret.encode())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Crypto:
    """Encrypts with the first key; decrypts with whichever key a token names."""

    def __init__(self, keys: Iterable[bytes]):
        ordered = list(keys)
        if not ordered:
            raise CryptoError("at least one encryption key is needed")
        self._primary = key_id(ordered[0])
        self._ciphers = {}
        for key in ordered:
            self._ciphers.setdefault(key_id(key), AESGCM(key))

    @property
    def primary_id(self) -> str:
        return self._primary

    def encrypt(self, data: bytes | str, context: str = "") -> str:
        plain = data.encode() if isinstance(data, str) else data
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self._primary].encrypt(nonce, plain, context.encode())
        return f"{VERSION}.{self._primary}.{_b64(nonce + sealed)}"

    def decrypt_bytes(self, token: str | bytes, context: str = "") -> bytes:
        text = token.decode() if isinstance(token, bytes) else token
        version, _, rest = text.partition(".")
        kid, _, body = rest.partition(".")
        cipher = self._ciphers.get(kid)
        if version != VERSION or cipher is None or not body:
            raise DecryptError("not a token of a known version and key")
        try:
            raw = _unb64(body)
            return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise DecryptError("token does not decrypt with its key (tampered or moved)") \
                from exc

    def decrypt(self, token: str | bytes, context: str = "") -> str:
        return self.decrypt_bytes(token, context).decode()

    def needs_rewrap(self, token: str | bytes) -> bool:
        """True when `token` was made with an older key (re-encrypt it to finish a rotation)."""
        text = token.decode() if isinstance(token, bytes) else token
        return text.split(".", 2)[1:2] != [self._primary]

    @staticmethod
    def is_token(value: str | bytes) -> bool:
        text = value.decode(errors="replace") if isinstance(value, bytes) else value
        return text.startswith(VERSION + ".")


class Tagger:
    """Keyed, one-way tags for lookups (HMAC-SHA256): equal input, equal tag; without the key
    a tag cannot be brute-forced back to a phone number."""

    def __init__(self, key: bytes):
        self._key = key
        self.id = key_id(key)  # names the key in Redis keys, so a changed key is noticed

    def tag(self, value: str, purpose: str = "phone") -> str:
        message = purpose.encode() + b"\0" + value.encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:TAG_HEX]


def crypto_from(encryption_keys: str | None, secret_key: str) -> Crypto:
    """ENCRYPTION_KEYS if set, else (development) a key derived from SECRET_KEY."""
    if encryption_keys:
        return Crypto(parse_keys(encryption_keys))
    if not secret_key:
        raise CryptoError("neither ENCRYPTION_KEYS nor SECRET_KEY is set")
    return Crypto([derived_key(secret_key)])


def tagger_from(phone_tag_key: str | None, secret_key: str) -> Tagger:
    """PHONE_TAG_KEY if set, else a tag key derived from SECRET_KEY."""
    if phone_tag_key:
        return Tagger(parse_tag_key(phone_tag_key))
    if not secret_key:
        raise CryptoError("neither PHONE_TAG_KEY nor SECRET_KEY is set")
    return Tagger(derived_tag_key(secret_key))


def main(argv: list[str] | None = None) -> int:
    """`python -m checker.crypto`: print a new key for ENCRYPTION_KEYS or PHONE_TAG_KEY."""
    del argv
    sys.stdout.write(new_key() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
