"""Redis connections: the configured REDIS_URL, or an embedded redis-server for dev and tests.

REDIS_URL forms (see README, "Running in production"):
  redis://[:password@]host:6379/0               plain TCP
  rediss://[:password@]host:6380/0?ssl_cert_reqs=required&ssl_ca_certs=/path/ca.pem
                                                TLS, as managed Redis services require
  unix:///path/to/redis.socket                  a local socket
  redis+sentinel://[:password@]host1:26379,host2:26379/<service>[/db][?sentinel_password=..]
  rediss+sentinel://...                         the same, TLS to the sentinels and the primary
A Sentinel URL connects to whichever server the sentinels name as the service's primary, and
follows a failover (redis.sentinel.Sentinel(...).master_for(...)).

Development and tests run an embedded redis-server (devtools.embedded_redis); the product
only connects to a URL. Without REDIS_URL, development connects to the socket that `make run`
starts under INSTANCE_PATH (checker.settings).
"""

from __future__ import annotations

import urllib.parse
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from redis.sentinel import Sentinel

# A dead Redis must fail a request quickly (the page then shows the outage advice) instead of
# hanging a worker.
SOCKET_TIMEOUT = 2.0
CONNECT_TIMEOUT = 2.0
HEALTH_CHECK_INTERVAL = 30


SENTINEL_SCHEMES = ("redis+sentinel", "rediss+sentinel")


class RedisUrlError(ValueError):
    """REDIS_URL cannot be understood (the message never repeats a password)."""


def _client_options() -> dict[str, Any]:
    return {
        "socket_timeout": SOCKET_TIMEOUT,
        "socket_connect_timeout": CONNECT_TIMEOUT,
        "health_check_interval": HEALTH_CHECK_INTERVAL,
        # One immediate retry covers a pooled connection that went stale after a Redis
        # restart (or a Sentinel failover); more would only make an outage slower to report.
        "retry": Retry(NoBackoff(), 1),
    }


def connect(url: str) -> redis.Redis:
    """A client for `url` with fast-fail timeouts (bytes responses, as RQ requires)."""
    if url.split("://", 1)[0].lower() in SENTINEL_SCHEMES:
        return _sentinel_primary(url)
    return redis.Redis.from_url(url, **_client_options())


def parse_sentinel_url(url: str) -> tuple[list[tuple[str, int]], str, dict[str, Any],
                                          dict[str, Any]]:
    """(sentinel addresses, service name, primary's options, sentinels' options)."""
    parts = urllib.parse.urlsplit(url)
    tls = parts.scheme.lower().startswith("rediss")
    hosts = []
    for item in parts.netloc.rpartition("@")[2].split(","):
        host, _, port = item.strip().rpartition(":")
        if not host or not port.isdigit():
            raise RedisUrlError("a Sentinel REDIS_URL needs host:port for every sentinel")
        hosts.append((host.strip("[]"), int(port)))
    path = [p for p in parts.path.split("/") if p]
    if not path or len(path) > 2 or (len(path) == 2 and not path[1].isdigit()):
        raise RedisUrlError("a Sentinel REDIS_URL ends with /<service name>[/<db>]")
    query = dict(urllib.parse.parse_qsl(parts.query))
    primary: dict[str, Any] = {"db": int(path[1]) if len(path) == 2 else 0}
    if parts.password:
        primary["password"] = urllib.parse.unquote(parts.password)
    if parts.username:
        primary["username"] = urllib.parse.unquote(parts.username)
    sentinels: dict[str, Any] = {"socket_timeout": SOCKET_TIMEOUT,
                                 "socket_connect_timeout": CONNECT_TIMEOUT}
    if query.get("sentinel_password"):
        sentinels["password"] = query["sentinel_password"]
    if tls:
        for options in (primary, sentinels):
            options["ssl"] = True
            for name in ("ssl_cert_reqs", "ssl_ca_certs", "ssl_certfile", "ssl_keyfile"):
                if query.get(name):
                    options[name] = query[name]
    return hosts, path[0], primary, sentinels


def _sentinel_primary(url: str) -> redis.Redis:
    hosts, service, primary, sentinel_options = parse_sentinel_url(url)
    sentinel = Sentinel(hosts, sentinel_kwargs=sentinel_options)
    return sentinel.master_for(service, **primary, **_client_options())
