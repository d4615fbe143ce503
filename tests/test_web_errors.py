"""Bad input, unknown or expired screenings and a Redis outage: clear pages, never a 500."""

from __future__ import annotations

import re
import socket
import time

import pytest
from flows import start

from checker.web import create_app


def to_question(client, qid: str) -> str:
    url = start(client)
    path = {"emergency_now": ["none"], "emergency_recent": "no"}
    while not url.endswith("/" + qid):
        current = url.rsplit("/", 1)[1]
        url = client.post(url, data={current: path[current]}).headers["Location"]
    return url


def assert_error_page(response, message: str, first_input: str):
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r"<title>Error: ", html)
    summary = re.search(r'<div class="error-summary" role="alert" tabindex="-1"[\s\S]*?</div>',
                        html)
    assert summary, html[:3000]
    assert f'href="#{first_input}"' in summary.group(0)
    assert message in summary.group(0)
    assert f'id="{first_input}"' in html  # the link target exists
    inline = re.search(r'class="error-message"[^>]*>([\s\S]*?)</p>', html)
    assert inline and message in inline.group(1)
    return html


@pytest.mark.parametrize("data", [{}, {"emergency_now": ""}])
def test_nothing_ticked(client, data):
    url = start(client)
    response = client.post(url, data=data)
    assert_error_page(response, "Select at least one answer", "emergency_now-breathless")


def test_none_with_another_box_keeps_the_ticks(client):
    url = start(client)
    response = client.post(url, data={"emergency_now": ["breathless", "none"]})
    html = assert_error_page(response, "not both", "emergency_now-breathless")
    assert re.search(r'value="breathless"\s+checked', html)
    assert re.search(r'value="none"\s+checked', html)
    assert html.count(" checked") == 2


def test_unknown_option_code(client):
    url = start(client)
    response = client.post(url, data={"emergency_now": ["hiccups"]})
    assert_error_page(response, "is not one of the answers", "emergency_now-breathless")


def test_radio_nothing_chosen_and_list_for_radio(client):
    url = to_question(client, "limb_symptoms")
    url = client.post(url, data={"limb_symptoms": ["pain"]}).headers["Location"]
    assert url.endswith("/limb_side")
    response = client.post(url, data={})
    assert_error_page(response, "Choose one answer", "limb_side-one")
    response = client.post(url, data={"limb_side": ["one", "both"]})
    html = assert_error_page(response, "Choose only one answer", "limb_side-one")
    assert 'aria-describedby="limb_side-error"' in html


def test_exercise_soreness_refused_for_one_leg(client):
    url = to_question(client, "limb_symptoms")
    url = client.post(url, data={"limb_symptoms": ["pain"]}).headers["Location"]
    url = client.post(url, data={"limb_side": "one"}).headers["Location"]
    url = client.post(url, data={"symptom_side": "left"}).headers["Location"]
    assert url.endswith("/pain_kind")
    assert b"exercise_soreness" not in client.get(url).data  # not offered
    response = client.post(url, data={"pain_kind": "exercise_soreness"})
    assert_error_page(response, "both legs", "pain_kind-cramp_gone")


def test_error_keeps_earlier_stored_answer_unchanged(client, app):
    url = start(client)
    client.post(url, data={"emergency_now": ["none"]})
    client.post(url, data={"emergency_now": ["none", "fainted"]})
    sid = url.split("/")[2]
    assert app.extensions["clotcheck"].store.load(sid).answers == {"emergency_now": ("none",)}


def test_unknown_screening_gets_a_friendly_fresh_start(client):
    for path in ("/s/" + "A" * 24 + "/q/emergency_now", "/s/" + "A" * 24 + "/check",
                 "/s/" + "A" * 24 + "/outcome", "/s/short/q/emergency_now"):
        response = client.get(path)
        assert response.status_code == 404, path
        html = response.get_data(as_text=True)
        assert "Start a new check" in html and 'href="/"' in html
    response = client.post("/s/" + "A" * 24 + "/q/emergency_now", data={"emergency_now": "none"})
    assert response.status_code == 404


def test_expired_screening_mid_flow(client, app):
    url = start(client)
    sid = url.split("/")[2]
    store = app.extensions["clotcheck"].store
    store.redis.delete(store.key(sid))
    response = client.post(url, data={"emergency_now": ["none"]})
    assert response.status_code == 404
    assert "Start a new check" in response.get_data(as_text=True)


def test_unknown_question_and_page(client):
    url = start(client)
    assert client.get(url.rsplit("/", 1)[0] + "/not_a_question").status_code == 404
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def down_client(app_config):
    return create_app({**app_config, "REDIS_URL": closed_port_url()}).test_client()


def test_healthz_503_when_redis_is_down(down_client):
    started = time.monotonic()
    response = down_client.get("/healthz")
    assert response.status_code == 503
    assert time.monotonic() - started < 5  # fails fast


def test_redis_down_during_the_flow_shows_emergency_advice(down_client):
    for response in (down_client.post("/start", data={"loc": "main"}),
                     down_client.get("/s/" + "A" * 24 + "/q/emergency_now"),
                     down_client.post("/s/" + "A" * 24 + "/check")):
        assert response.status_code == 503
        html = response.get_data(as_text=True)
        assert 'href="tel:911"' in html and "call 911" in html
        assert "Try again" in html
        assert "Traceback" not in html
        assert response.headers["Retry-After"]
    html = down_client.post("/start", data={"loc": "main"}).get_data(as_text=True)
    assert 'href="/?loc=main">Try again' in html
    # The landing page itself needs no Redis.
    assert down_client.get("/").status_code == 200
