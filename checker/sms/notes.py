"""Notes for staff about a screening from its texts, e.g. "client reports clearance"."""

from __future__ import annotations

from datetime import datetime

import redis

from checker.crypto import Crypto, DecryptError
from checker.sms.messages import RETENTION, _from_ts, _ts


class ClearanceNotes:
    def __init__(self, client: redis.Redis, prefix: str, crypto: Crypto):
        self.redis = client
        self.base = f"{prefix}{{sms}}:"
        self.crypto = crypto

    def key(self, sid: str) -> str:
        return f"{self.base}note:{sid}"

    def set(self, sid: str, text: str, now: datetime) -> None:
        sealed = self.crypto.encrypt(text, f"sms:note:{sid}")
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(self.key(sid), mapping={"text": sealed, "at": _ts(now)})
        pipe.expire(self.key(sid), int(RETENTION.total_seconds()) * 7)
        pipe.execute()

    def get(self, sid: str) -> tuple[str, datetime] | None:
        raw = self.redis.hgetall(self.key(sid))
        if not raw:
            return None
        text = raw[b"text"]
        try:
            plain = self.crypto.decrypt(text, f"sms:note:{sid}") if Crypto.is_token(text) \
                else text.decode()
        except DecryptError:
            return None
        return plain, _from_ts(raw[b"at"].decode())
