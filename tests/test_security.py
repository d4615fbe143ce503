"""Security as deployed: headers, cookies, CSRF (real tokens), body limit, escaping,
production start-up checks, and the 429 page."""

from __future__ import annotations

import re

import pytest
from browserlike import (
    KEY_A,
    PUBLIC_BASE_URL,
    TWILIO_TOKEN,
    answer_until_done,
    deployed_app,
    form,
    forms,
    start,
    text,
)
from flows import EMERGENCY, PROCEED, URGENT, sid_of
from twilio.request_validator import RequestValidator

from checker.settings import ProductionConfigError
from checker.web import create_app
from checker.web.security import CSP

HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


# -- headers -------------------------------------------------------------------------------

def _pages(client) -> dict[str, object]:
    url = start(client)
    sid = sid_of(url)
    outcome_page = answer_until_done(client, url, URGENT)
    assert 'data-outcome="urgent"' in outcome_page
    return {
        "landing": client.get("/"),
        "advice": client.get("/advice"),
        "question": client.get(f"/s/{sid}/q/emergency_now"),
        "outcome": client.get(f"/s/{sid}/outcome"),
        "text advice form": client.get(f"/s/{sid}/text-advice"),
        "not found": client.get("/nowhere"),
        "gone": client.get("/s/" + "A" * 24 + "/check"),
        "healthz": client.get("/healthz"),
        "staff sign-in": client.get("/staff/sign-in"),
        "static": client.get("/static/clotcheck.css"),
        "poster": client.get("/poster/main"),
    }


def test_every_response_carries_the_security_headers(deployed):
    client = deployed.test_client()
    for name, response in _pages(client).items():
        headers = response.headers
        assert headers["Content-Security-Policy"] == CSP, name
        assert headers["X-Content-Type-Options"] == "nosniff", name
        assert headers["Referrer-Policy"] == "no-referrer", name
        assert "camera=()" in headers["Permissions-Policy"], name
        assert "Strict-Transport-Security" not in headers, name  # plain HTTP: no HSTS
        if name not in ("static", "poster"):
            assert headers["Cache-Control"] == "no-store", name
        response.close()


def test_csp_is_exactly_the_strict_policy():
    assert CSP == ("default-src 'self'; script-src 'self'; style-src 'self'; "
                   "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                   "frame-ancestors 'none'; form-action 'self'")


def test_hsts_only_over_https(deployed):
    client = deployed.test_client()
    secure = client.get("/", base_url="https://clinic.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_https_behind_a_proxy_is_recognised_with_proxy_fix(app_config):
    app = deployed_app(app_config, PROXY_FIX_HOPS=1)
    response = app.test_client().get("/", headers={"X-Forwarded-Proto": "https",
                                                   "X-Forwarded-For": "203.0.113.9"})
    assert "Strict-Transport-Security" in response.headers


def test_session_cookie_is_httponly_samesite_and_secure_in_production(app_config, monkeypatch):
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    dev = deployed_app(app_config).test_client()
    cookie = dev.get("/").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # local development over plain HTTP on the LAN
    prod = deployed_app(app_config, CLOTCHECK_ENV="production",
                        SECRET_KEY="s" * 40).test_client()
    cookie = prod.get("/", base_url="https://clinic.example").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


# -- CSRF ----------------------------------------------------------------------------------

def test_every_form_carries_a_csrf_token_and_a_whole_screening_works_with_it(deployed):
    client = deployed.test_client()
    url = start(client)
    sid = sid_of(url)
    seen = []
    for path in (url, "/", "/staff/sign-in", f"/s/{sid}/q/emergency_now"):
        seen += forms(text(client.get(path)))
    page = answer_until_done(client, url, PROCEED)
    assert 'data-outcome="proceed"' in page
    seen += forms(text(client.get(f"/s/{sid}/check")))
    seen += forms(page)
    assert len(seen) >= 5
    for attrs, body in seen:
        if attrs.get("method", "get").lower() == "post":
            assert re.search(r'<input type="hidden" name="csrf_token" value="[^"]+">', body), \
                attrs


def test_post_without_token_is_refused_readably_and_keeps_the_screening(deployed):
    client = deployed.test_client()
    url = start(client)
    sid = sid_of(url)
    response = client.post(url, data={"emergency_now": "chest_pain"})
    assert response.status_code == 400
    page = text(response)
    # The same question again, the choice kept, a fresh token, nothing saved.
    assert 'data-question="emergency_now"' in page and "had expired" in page
    assert re.search(r'value="chest_pain"\s+checked', page)
    assert deployed.extensions["clotcheck"].store.load(sid).answers == {}
    action, hidden = form(page, "data-question")
    assert client.post(action, data=hidden + [("emergency_now", "none")]).status_code == 303

    for path, back in ((f"/s/{sid}/check", f"/s/{sid}/check"), ("/start", "/?loc=main")):
        response = client.post(path, data={"loc": "main", "csrf_token": "forged"})
        assert response.status_code == 400
        page = text(response)
        assert "had expired" in page and f'href="{back}"' in page
        assert "call 911" in page  # the emergency number stays on every page


def test_token_from_another_browser_is_refused(deployed):
    mine, theirs = deployed.test_client(), deployed.test_client()
    _, hidden = form(text(theirs.get("/")), 'data-action="start"')
    mine.get("/")
    assert mine.post("/start", data=hidden).status_code == 400


def test_https_post_without_referer_works(deployed):
    """Referrer-Policy: no-referrer means browsers send none; the token alone must suffice."""
    client = deployed.test_client()
    page = text(client.get("/", base_url="https://clinic.example"))
    action, hidden = form(page, 'data-action="start"')
    response = client.post(action, data=hidden, base_url="https://clinic.example")
    assert response.status_code == 303


def test_sms_and_staff_forms_need_the_token(deployed):
    client = deployed.test_client()
    url = start(client)
    answer_until_done(client, url, URGENT)
    sid = sid_of(url)
    assert client.post(f"/s/{sid}/text-advice", data={"phone": "+12025550143",
                                                       "consent": "yes"}).status_code == 400
    assert client.post("/staff/sign-in", data={"username": "a", "password": "b"}
                       ).status_code == 400


def _twilio_post(client, path: str, params: dict, sign: bool):
    headers = {}
    if sign:
        headers["X-Twilio-Signature"] = RequestValidator(TWILIO_TOKEN).compute_signature(
            PUBLIC_BASE_URL + path, params)
    return client.post(path, data=params, headers=headers)


def test_twilio_webhooks_are_exempt_from_csrf_and_rely_on_the_signature(deployed):
    client = deployed.test_client()
    inbound = {"From": "+12025550143", "To": "+15005550006", "Body": "STOP",
               "MessageSid": "SM" + "0" * 32}
    assert _twilio_post(client, "/sms/inbound", inbound, sign=False).status_code == 403
    assert _twilio_post(client, "/sms/inbound", inbound, sign=True).status_code == 200
    status = {"MessageSid": "SM" + "1" * 32, "MessageStatus": "delivered"}
    assert _twilio_post(client, "/sms/status", status, sign=True).status_code in (200, 204)


# -- body size and escaping ----------------------------------------------------------------

def test_body_over_the_limit_gets_a_readable_413_and_keeps_the_screening(deployed):
    client = deployed.test_client()
    url = start(client)
    sid = sid_of(url)
    _, hidden = form(text(client.get(url)), "data-question")
    response = client.post(url, data=hidden + [("emergency_now", "x" * 20_000)])
    assert response.status_code == 413
    page = text(response)
    assert "too long" in page and f'href="{url}"' in page and "call 911" in page
    assert deployed.extensions["clotcheck"].store.load(sid).answers == {}
    assert client.get(url).status_code == 200


def test_hostile_input_is_escaped_everywhere(deployed):
    client = deployed.test_client()
    responses = [client.get("/?loc=" + HOSTILE), client.get("/advice?loc=" + HOSTILE),
                 client.get("/s/" + HOSTILE + "/q/emergency_now"),
                 client.get("/nowhere/" + HOSTILE)]
    url = start(client)
    _, hidden = form(text(client.get(url)), "data-question")
    responses.append(client.post(url, data=hidden + [("emergency_now", HOSTILE)]))
    answer_until_done(client, url, URGENT)
    sid = sid_of(url)
    _, hidden = form(text(client.get(f"/s/{sid}/text-advice")), "text-advice")
    responses.append(client.post(f"/s/{sid}/text-advice",
                                 data=hidden + [("phone", HOSTILE), ("consent", HOSTILE)]))
    _, hidden = form(text(client.get("/staff/sign-in")), "data-staff-sign-in")
    responses.append(client.post("/staff/sign-in", data=hidden + [
        ("username", HOSTILE), ("password", "x"), ("next", HOSTILE)]))
    for response in responses:
        assert response.status_code < 500
        page = text(response)
        assert "<script>alert(1)" not in page and "<img src=x" not in page, page[:300]


# -- production start-up -------------------------------------------------------------------

@pytest.fixture
def clean_env(monkeypatch):
    for key in ("SECRET_KEY", "ENCRYPTION_KEYS", "CLOTCHECK_ENV", "SESSION_COOKIE_SECURE"):
        monkeypatch.delenv(key, raising=False)


def test_production_refuses_to_start_with_defaults(app_config, clean_env):
    config = {k: v for k, v in app_config.items() if k != "SECRET_KEY"}
    with pytest.raises(ProductionConfigError) as caught:
        create_app({**config, "CLOTCHECK_ENV": "production"})
    message = str(caught.value)
    assert "SECRET_KEY is not set" in message and "ENCRYPTION_KEYS is not set" in message
    for weak in ("change-me", "short"):
        with pytest.raises(ProductionConfigError, match="placeholder or shorter"):
            create_app({**config, "CLOTCHECK_ENV": "production", "SECRET_KEY": weak,
                        "ENCRYPTION_KEYS": KEY_A})
    with pytest.raises(ProductionConfigError, match="key 1 must be 32 bytes"):
        create_app({**config, "CLOTCHECK_ENV": "production", "SECRET_KEY": "s" * 40,
                    "ENCRYPTION_KEYS": "c2hvcnQ="})
    with pytest.raises(ProductionConfigError, match="WTF_CSRF_ENABLED is off"):
        create_app({**config, "CLOTCHECK_ENV": "production", "SECRET_KEY": "s" * 40,
                    "ENCRYPTION_KEYS": KEY_A, "WTF_CSRF_ENABLED": False})


def test_production_starts_with_settings_from_the_environment(app_config, clean_env,
                                                              monkeypatch):
    config = {k: v for k, v in app_config.items() if k not in ("SECRET_KEY",
                                                               "WTF_CSRF_ENABLED")}
    monkeypatch.setenv("CLOTCHECK_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "e" * 64)
    monkeypatch.setenv("ENCRYPTION_KEYS", KEY_A)
    app = create_app(config)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert "csrf" in app.extensions and app.config["WTF_CSRF_ENABLED"]
    assert app.test_client().get("/").status_code == 200


def test_development_needs_no_configuration(app_config, clean_env):
    config = {k: v for k, v in app_config.items() if k != "SECRET_KEY"}
    app = create_app(config)
    assert app.config["SECRET_KEY"] and app.extensions["clotcheck"].crypto
    assert app.test_client().get("/").status_code == 200


# -- rate limits ---------------------------------------------------------------------------

def test_starting_screenings_is_limited_per_address_with_a_readable_429(app_config):
    app = deployed_app(app_config, START_LIMIT="3 per minute")
    client = app.test_client()
    for _ in range(3):
        start(client, ip="192.0.2.7")
    page = text(client.get("/?loc=main", environ_base={"REMOTE_ADDR": "192.0.2.7"}))
    action, hidden = form(page, 'data-action="start"')
    response = client.post(action, data=hidden, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60
    page = text(response)
    assert "Please wait a moment" in page and "call 911" in page
    # The start form is there again, with its location and a token.
    _, hidden = form(page, 'data-action="start"')
    assert ("loc", "main") in hidden and any(name == "csrf_token" for name, _ in hidden)
    # Another address (another clinic) is not held up.
    start(client, ip="192.0.2.8")


def test_limits_can_be_switched_off_for_load_tests(app_config):
    app = deployed_app(app_config, START_LIMIT="1 per minute", RATELIMIT_ENABLED="false")
    client = app.test_client()
    for _ in range(3):
        start(client, ip="192.0.2.9")


def test_emergency_outcome_still_shows_with_every_protection_on(deployed):
    client = deployed.test_client()
    page = answer_until_done(client, start(client), EMERGENCY)
    assert 'data-outcome="emergency"' in page and 'href="tel:911"' in page


def test_a_form_field_werkzeug_cannot_name_is_a_400_not_a_500(deployed):
    from werkzeug.datastructures import MultiDict

    client = deployed.test_client()
    fields = MultiDict([("\n", "a"), ("loc", "main")])  # a newline in a multipart name
    response = client.post("/start", data=fields, content_type="multipart/form-data")
    assert response.status_code == 400
