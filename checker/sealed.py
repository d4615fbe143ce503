"""Encrypted fields of a stored record, shared by the screening, check-in and SMS stores.

Each value is an AES-GCM token bound to its record and field (`<scope><record id>:<field>` as
associated data, see checker.crypto): a token copied to another record or field does not
decrypt. Values written before encryption was switched on (plain text) are read as they are;
the next write encrypts them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from checker.crypto import Crypto


class SealedFields:
    def __init__(self, crypto: Crypto | None, names: Iterable[str], scope: str = ""):
        self.crypto = crypto  # None: tools and tests that read and write plain values
        self.names = frozenset(names)
        self.scope = scope

    def _context(self, record: str, name: str) -> str:
        return f"{self.scope}{record}:{name}"

    def seal(self, record: str, name: str, value: str) -> str:
        if self.crypto is None or name not in self.names or not value:
            return value
        return self.crypto.encrypt(value, self._context(record, name))

    def open(self, record: str, name: str, value: str | bytes) -> str:
        """The plain text; raises checker.crypto.DecryptError for a tampered or moved token."""
        if self.crypto is not None and name in self.names and Crypto.is_token(value):
            return self.crypto.decrypt(value, self._context(record, name))
        return value.decode() if isinstance(value, bytes) else value

    def open_all(self, record: str, raw: Mapping[bytes, bytes]) -> dict[str, str]:
        """Every field of a Redis hash as text, the sealed ones decrypted."""
        return {key.decode(): self.open(record, key.decode(), value)
                for key, value in raw.items()}
