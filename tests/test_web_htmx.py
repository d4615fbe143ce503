"""htmx: the same URLs answer HX-Request with the body's content only; strict-CSP friendly."""

from __future__ import annotations

import json
import re
from pathlib import Path

from flows import start

from checker.settings import REPO_ROOT

HX = {"HX-Request": "true", "HX-Boosted": "true"}


def test_full_page_has_boost_config_and_our_own_scripts(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert html.startswith("<!doctype html>")
    assert re.search(r'<body hx-boost="true">', html)
    config = json.loads(re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html)
                        .group(1))
    assert config["allowEval"] is False
    assert config["includeIndicatorStyles"] is False
    assert config["allowScriptTags"] is False
    assert config["historyCacheSize"] == 0
    assert config["refreshOnHistoryMiss"] is True
    assert config["historyRestoreAsHxRequest"] is False
    assert '<script src="/static/vendor/htmx.min.js" defer></script>' in html
    assert "HX-Request" in response.headers["Vary"]


def test_htmx_request_gets_the_partial_with_title_and_vary(client):
    url = start(client)
    full = client.get(url)
    partial = client.get(url, headers=HX)
    assert partial.status_code == 200
    html = partial.get_data(as_text=True)
    assert not html.lstrip().startswith("<!doctype")
    assert not re.search(r"<(head|body|html)[\s>]", html)
    assert html.lstrip().startswith("<title>")
    assert 'data-question="emergency_now"' in html
    assert "Get help now" in html  # the header is part of the swapped content
    assert "HX-Request" in partial.headers["Vary"]
    assert "HX-Request" in full.headers["Vary"]
    assert partial.headers["HX-Push-Url"] == url
    assert "no-store" in partial.headers["Cache-Control"]


def test_boosted_answer_gets_the_next_page_in_one_round_trip_and_pushes_its_url(client):
    url = start(client)
    response = client.post(url, data={"emergency_now": ["none"]}, headers=HX)
    assert response.status_code == 200  # no redirect: one round trip on a slow network
    next_url = url.replace("/q/emergency_now", "/q/emergency_recent")
    assert response.headers["HX-Push-Url"] == next_url
    assert "HX-Replace-Url" not in response.headers
    html = response.get_data(as_text=True)
    assert not html.lstrip().startswith("<!doctype")
    assert 'data-question="emergency_recent"' in html
    assert client.get(next_url).status_code == 200  # the pushed URL is a real page


def test_plain_answer_still_redirects_303(client):
    url = start(client)
    response = client.post(url, data={"emergency_now": ["none"]})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/q/emergency_recent")


def test_boosted_start_and_confirm_push_the_question_and_outcome_urls(client):
    response = client.post("/start", data={"loc": "main"}, headers=HX)
    assert response.status_code == 200
    assert response.headers["HX-Push-Url"].endswith("/q/emergency_now")
    assert 'data-question="emergency_now"' in response.get_data(as_text=True)
    url = response.headers["HX-Push-Url"]
    response = client.post(url, data={"emergency_now": ["chest_pain"]}, headers=HX)
    assert response.headers["HX-Push-Url"].endswith("/outcome")
    assert 'data-outcome="emergency"' in response.get_data(as_text=True)


def test_boosted_validation_error_is_a_swappable_partial_that_keeps_the_url(client):
    url = start(client)
    response = client.post(url, data={}, headers=HX)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<title>Error: ")
    assert 'class="error-summary"' in html
    assert response.headers["HX-Replace-Url"] == url
    assert "HX-Push-Url" not in response.headers
    # The configured response handling swaps these statuses instead of dropping them.
    config = json.loads(re.search(r"<meta name=\"htmx-config\" content='([^']+)'>",
                                  client.get("/").get_data(as_text=True)).group(1))
    swapped = [rule for rule in config["responseHandling"] if rule["swap"]]
    assert any(re.search(rule["code"], "400") for rule in swapped)
    assert any(re.search(rule["code"], "503") for rule in swapped)


def test_history_restore_request_gets_the_full_page(client):
    url = start(client)
    response = client.get(url, headers={**HX, "HX-History-Restore-Request": "true"})
    assert response.get_data(as_text=True).startswith("<!doctype html>")


def pages(client):
    """One of every kind of page, as HTML strings."""
    url = start(client)
    sid = url.split("/")[2]
    yield client.get("/").get_data(as_text=True)
    yield client.get(url).get_data(as_text=True)
    yield client.post(url, data={}).get_data(as_text=True)
    client.post(url, data={"emergency_now": ["fainted"]})
    yield client.get(f"/s/{sid}/outcome").get_data(as_text=True)
    yield client.get("/s/" + "A" * 24 + "/check").get_data(as_text=True)
    yield client.get("/missing").get_data(as_text=True)


def test_no_inline_script_or_style_anywhere(client):
    for html in pages(client):
        assert "style=" not in html
        assert "<style" not in html
        assert "hx-on" not in html and "javascript:" not in html
        assert not re.search(r"\son[a-z]+=", html)
        for tag in re.findall(r"<script[^>]*>", html):
            assert 'src="/static/' in tag, tag
        assert not re.search(r"<script[^>]*>[^<]+</script>", html)


def test_static_assets_are_served_from_our_origin(client):
    for path in ("/static/vendor/htmx.min.js", "/static/focus.js", "/static/clotcheck.css"):
        response = client.get(path)
        assert response.status_code == 200, path
        response.close()
    package = json.loads(Path(REPO_ROOT, "package.json").read_text())
    assert re.fullmatch(r"2\.0\.\d+", package["dependencies"]["htmx.org"])


def test_pages_send_a_strict_content_security_policy(client):
    response = client.get(start(client))
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_get_start_goes_back_to_the_landing_page(client):
    response = client.get("/start?loc=main")
    assert response.status_code == 303
    assert response.headers["Location"] == "/?loc=main"
