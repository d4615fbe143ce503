"""The development outbox: where texts go when Twilio is not configured (staff can read it)."""

from __future__ import annotations

import json
import secrets

import redis

from checker.crypto import Crypto, DecryptError

OUTBOX_SIZE = 500
CONTEXT = "sms:outbox"


class Outbox:
    def __init__(self, client: redis.Redis, prefix: str, crypto: Crypto):
        self.redis = client
        self.key = f"{prefix}{{sms}}:outbox"
        self.crypto = crypto

    def add(self, item: dict) -> str:
        """Keep one 'sent' text (encrypted: it holds the number); returns its id."""
        item = {**item, "id": "OB" + secrets.token_hex(16)}
        pipe = self.redis.pipeline(transaction=True)
        pipe.lpush(self.key, self.crypto.encrypt(json.dumps(item), CONTEXT))
        pipe.ltrim(self.key, 0, OUTBOX_SIZE - 1)
        pipe.execute()
        return item["id"]

    def recent(self, limit: int = 50) -> list[dict]:
        """Newest first; items written with a key no longer configured are left out."""
        items = []
        for raw in self.redis.lrange(self.key, 0, limit - 1):
            try:
                text = self.crypto.decrypt(raw, CONTEXT) if Crypto.is_token(raw) else raw
            except DecryptError:
                continue
            items.append(json.loads(text))
        return items
