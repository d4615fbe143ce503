"""Abuse limits for the public phone-number forms (SMS pumping): fixed-window Redis counters.

Counter keys carry a keyed tag of what is counted (address, screening, number), never the
value itself. (Rate limits on other pages use Flask-Limiter: checker.web.limits.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import redis

from checker.crypto import Tagger


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    window: int  # seconds


PER_IP = Limit("ip", 10, 3600)  # form posts per client IP per hour
PER_SCREENING = Limit("screening", 3, 86400)  # accepted requests per screening
PER_PHONE = Limit("phone", 3, 86400)  # accepted requests per number per day


class FormLimits:
    def __init__(self, client: redis.Redis, prefix: str, tagger: Tagger):
        self.redis = client
        self.base = f"{prefix}{{sms}}:limit:"
        self.tagger = tagger

    def take(self, limit: Limit, ident: str, now: datetime) -> bool:
        """Count one use; False once `limit` is used up in the current window."""
        window = int(now.timestamp()) // limit.window
        key = f"{self.base}{limit.name}:{self.tagger.tag(ident, limit.name)}:{window}"
        pipe = self.redis.pipeline(transaction=True)
        pipe.incr(key)
        pipe.expire(key, limit.window)
        count, _ = pipe.execute()
        return int(count) <= limit.count

    def take_address(self, address: str, now: datetime) -> bool:
        """One form post from a client address; False when the address is over its limit."""
        return self.take(PER_IP, address, now)

    def take_request(self, sid: str, phone: str, now: datetime) -> str | None:
        """Which limit was hit (None if none) for an accepted phone-form request."""
        if not self.take(PER_SCREENING, sid, now):
            return "screening"
        if not self.take(PER_PHONE, phone, now):
            return "phone"
        return None
