"""Numbers that asked not to be texted: kept without expiry, looked up by keyed tag.

The list maps tag -> encrypted number, under the tag key's id (`<prefix>{sms}:optout:<id>`):
rotating ENCRYPTION_KEYS never touches a tag, and if the tag key itself changes
(PHONE_TAG_KEY or SECRET_KEY), `migrate` re-tags every opt-out from its encrypted number.
"""

from __future__ import annotations

import logging

import redis

from checker.crypto import Crypto, DecryptError, Tagger
from checker.sms.messages import UNREADABLE

log = logging.getLogger("checker.sms")
CONTEXT = "sms:optout"


class OptOuts:
    def __init__(self, client: redis.Redis, prefix: str, crypto: Crypto, tagger: Tagger):
        self.redis = client
        self.base = f"{prefix}{{sms}}:"
        self.crypto = crypto
        self.tagger = tagger

    @property
    def key(self) -> str:
        return self.key_for(self.tagger.id)

    def key_for(self, tag_key_id: str) -> str:
        return f"{self.base}optout:{tag_key_id}"

    @property
    def ids_key(self) -> str:
        """The ids of every tag key an opt-out list was kept under (for migration)."""
        return f"{self.base}optout-keys"

    @property
    def legacy_key(self) -> str:
        return f"{self.base}optout"  # plain numbers, before encryption at rest

    def add(self, phone: str) -> None:
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(self.key, self.tagger.tag(phone), self.crypto.encrypt(phone, CONTEXT))
        pipe.sadd(self.ids_key, self.tagger.id)
        pipe.execute()

    def remove(self, phone: str) -> None:
        self.redis.hdel(self.key, self.tagger.tag(phone))

    def __contains__(self, phone: str) -> bool:
        return bool(self.redis.hexists(self.key, self.tagger.tag(phone)))

    def migrate(self) -> int:
        """Carry opt-outs to the current keys; how many were moved or re-encrypted.

        Lists kept under an older tag key and the plain list from before encryption are
        re-tagged from their numbers; tokens made with an older encryption key are
        re-encrypted with the current one. A list whose numbers do not decrypt is kept (and
        logged) so that restoring the old key can still recover it.
        """
        moved = self._migrate_legacy()
        current = self.tagger.id
        for raw_id in self.redis.smembers(self.ids_key):
            old_id = raw_id.decode()
            if old_id != current:
                moved += self._migrate_list(old_id)
        return moved + self._rewrap_current()

    def _migrate_legacy(self) -> int:
        numbers = [n.decode() for n in self.redis.smembers(self.legacy_key)]
        for phone in numbers:
            self.add(phone)
        if numbers:
            self.redis.delete(self.legacy_key)
        return len(numbers)

    def _migrate_list(self, old_id: str) -> int:
        old_key = self.key_for(old_id)
        try:
            numbers = [self.crypto.decrypt(token, CONTEXT) for token in self.redis.hvals(old_key)]
        except DecryptError:
            log.error("opt-outs kept under an older PHONE_TAG_KEY/SECRET_KEY %s; they stay "
                      "stored until the old encryption key is configured again", UNREADABLE)
            return 0
        for phone in numbers:
            self.add(phone)
        pipe = self.redis.pipeline(transaction=True)
        pipe.delete(old_key)
        pipe.srem(self.ids_key, old_id)
        pipe.execute()
        return len(numbers)

    def _rewrap_current(self) -> int:
        stale = {tag: token for tag, token in self.redis.hgetall(self.key).items()
                 if self.crypto.needs_rewrap(token)}
        rewrapped = 0
        for tag, token in stale.items():
            try:
                phone = self.crypto.decrypt(token, CONTEXT)
            except DecryptError:
                continue  # the old key is gone; the tag still blocks texts to this number
            self.redis.hset(self.key, tag, self.crypto.encrypt(phone, CONTEXT))
            rewrapped += 1
        return rewrapped
