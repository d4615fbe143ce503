"""Failure modes: Redis down, crashed and restarted (AOF), out of memory; two web processes
behind one Redis. Each uses its own redis-server, so stopping it disturbs nobody."""

from __future__ import annotations

import itertools

import pytest
from browserlike import answer_until_done, deployed_app, form, start, text
from flows import PROCEED, URGENT, sid_of
from werkzeug.test import Client

from devtools.embedded_redis import EmbeddedRedis

pytestmark = pytest.mark.slow  # starts processes or Redis servers of its own


@pytest.fixture
def own_redis(tmp_path):
    server = EmbeddedRedis(tmp_path / "own-redis", appendonly=True).start()
    yield server
    server.stop()


def _answer(client, url: str, qid: str, value: str) -> str:
    _, hidden = form(text(client.get(url)), "data-question")
    response = client.post(url, data=hidden + [(qid, value)])
    assert response.status_code == 303, text(response)[:500]
    return response.headers["Location"]


def _assert_outage_page(response, retry: str) -> None:
    assert response.status_code == 503
    page = text(response)
    assert 'href="tel:911"' in page and "call 911" in page
    assert f'href="{retry}"' in page and "Try again" in page
    assert "Traceback" not in page and response.headers["Retry-After"]


def test_redis_crash_then_restart_with_aof_continues_the_screening(app_config, own_redis):
    app = deployed_app(app_config, REDIS_URL=own_redis.url)
    client = app.test_client()
    url = start(client)
    sid = sid_of(url)
    url = _answer(client, url, "emergency_now", "none")
    assert url.endswith("/q/emergency_recent")
    _, hidden = form(text(client.get(url)), "data-question")

    own_redis.kill()  # a crash: no SHUTDOWN, no RDB save; only the AOF has the answers

    # Pages that need no Redis still work, with the emergency advice.
    assert client.get("/").status_code == 200
    advice = client.get("/advice")
    assert advice.status_code == 200
    assert "a racing or pounding heartbeat" in text(advice) and 'href="tel:911"' in text(advice)
    # The flow answers 503 with the advice and a way back, never a stack trace.
    _assert_outage_page(client.get(url), url)
    _assert_outage_page(client.post(url, data=hidden + [("emergency_recent", "no")]), url)
    _, start_hidden = form(text(client.get("/")), 'data-action="start"')
    _assert_outage_page(client.post("/start", data=start_hidden), "/?loc=main")
    assert client.get("/healthz").status_code == 503

    own_redis.start()  # same data dir: the AOF is replayed

    # The same app and client recover by themselves, and the answers are still there.
    assert client.get("/healthz").status_code == 200
    assert app.extensions["clotcheck"].store.load(sid).answers == {"emergency_now": ("none",)}
    page = answer_until_done(client, url, PROCEED)
    assert 'data-outcome="proceed"' in page


def test_redis_out_of_memory_refuses_writes_and_the_page_says_so(app_config, own_redis):
    app = deployed_app(app_config, REDIS_URL=own_redis.url)
    client = app.test_client()
    url = start(client)
    admin = app.extensions["clotcheck"].redis
    admin.config_set("maxmemory", "1")  # noeviction: every write is now refused
    try:
        _, hidden = form(text(client.get(url)), "data-question")
        _assert_outage_page(client.post(url, data=hidden + [("emergency_now", "none")]), url)
    finally:
        admin.config_set("maxmemory", "0")
    assert _answer(client, url, "emergency_now", "none").endswith("/q/emergency_recent")


class RoundRobin:
    """A load balancer in front of several web processes (each its own app instance)."""

    def __init__(self, *apps):
        self.apps = apps
        self.turn = itertools.cycle(range(len(apps)))
        self.served = [0] * len(apps)

    def __call__(self, environ, start_response):
        index = next(self.turn)
        self.served[index] += 1
        return self.apps[index](environ, start_response)


def test_two_web_processes_behind_one_redis_share_screenings(app_config, redis_client):
    one = deployed_app(app_config)
    two = deployed_app(app_config)
    assert one.extensions["clotcheck"].redis is not two.extensions["clotcheck"].redis
    balancer = RoundRobin(one.wsgi_app, two.wsgi_app)
    client = Client(balancer)
    url = start(client)
    page = answer_until_done(client, url, URGENT)
    assert 'data-outcome="urgent"' in page
    assert min(balancer.served) >= 3  # both processes served parts of the same screening
    # The check-in code is the same whichever process shows the outcome.
    sid = sid_of(url)
    codes = {app.extensions["clotcheck"].store.load(sid).code for app in (one, two)}
    assert len(codes) == 1 and None not in codes
