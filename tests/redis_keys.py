"""Cleaning up after a test on a Redis that others may share."""

from __future__ import annotations

import redis


def delete_test_keys(client: redis.Redis, prefix: str) -> None:
    """Delete the keys under `prefix` and the RQ keys of its queue and jobs (RQ names its
    keys `rq:…` and builds job ids from the queue name), nothing else."""
    slug = "".join(c for c in prefix if c.isalnum() or c in "_-")
    for pattern in (f"{prefix}*", f"rq:*{slug}*", f"rq:*{prefix}*"):
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            client.delete(*keys)
    client.srem("rq:queues", f"rq:queue:{prefix}sms")


def delete_sms_keys(redis_url: str, prefix: str) -> None:
    """Delete the keys under `prefix` and the RQ keys of its queue and jobs (own client)."""
    client = redis.Redis.from_url(redis_url)
    try:
        delete_test_keys(client, prefix)
    finally:
        client.close()
