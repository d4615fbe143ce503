"""Helpers for the security, fault and fuzz tests: the app as deployed (CSRF on, SMS wired,
explicit encryption keys) and a client that fills forms like a browser (hidden fields from the
rendered page, so the CSRF token is the real one). The `deployed` fixture is in conftest.py."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from flask import Flask
from flask.testing import FlaskClient

from checker.crypto import new_key

TWILIO_TOKEN = "t" * 32
PUBLIC_BASE_URL = "https://clinic.example"
KEY_A = new_key()
KEY_B = new_key()


_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
_INPUT = re.compile(r"<input\b([^>]*)>", re.I)
_ATTR = re.compile(r"([\w:-]+)\s*=\s*\"([^\"]*)\"")


def deployed_config(app_config: Mapping, **extra: object) -> dict:
    """The test config with what production turns on: CSRF, explicit keys, Twilio token."""
    return {**app_config, "WTF_CSRF_ENABLED": True, "ENCRYPTION_KEYS": KEY_A,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "PUBLIC_BASE_URL": PUBLIC_BASE_URL, **extra}


def deployed_app(app_config: Mapping, **extra: object) -> Flask:
    from checker.web import create_app

    return create_app(deployed_config(app_config, **extra))


class Fields(list):
    """Form fields in page order, repeats allowed; usable as `data=` of the test client."""

    def items(self):
        return iter(self)

    def __add__(self, other):
        return Fields([*self, *other])


def _attrs(tag: str) -> dict[str, str]:
    return {k.lower(): html.unescape(v) for k, v in _ATTR.findall(tag)}


def form(page: str, marker: str) -> tuple[str, Fields]:
    """(action, hidden fields) of the first form whose tag or body contains `marker`."""
    for tag, body in _FORM.findall(page):
        if marker in tag or marker in body:
            hidden = Fields((a["name"], a.get("value", ""))
                            for a in map(_attrs, _INPUT.findall(body))
                            if a.get("type", "").lower() == "hidden" and "name" in a)
            return _attrs(tag)["action"], hidden
    raise AssertionError(f"no form with {marker!r} in:\n{page[:1500]}")


def forms(page: str) -> list[tuple[dict[str, str], str]]:
    """(form tag attributes, body) of every form on the page."""
    return [(_attrs(tag), body) for tag, body in _FORM.findall(page)]


def text(response) -> str:
    return response.get_data(as_text=True)


def start(client: FlaskClient, loc: str = "main", ip: str = "10.9.0.1") -> str:
    """Open the landing page and press Start; the first question's URL."""
    page = text(client.get(f"/?loc={loc}", environ_base={"REMOTE_ADDR": ip}))
    action, hidden = form(page, 'data-action="start"')
    response = client.post(action, data=hidden, environ_base={"REMOTE_ADDR": ip})
    assert response.status_code == 303, text(response)[:500]
    return response.headers["Location"]


def answer_until_done(client: FlaskClient, url: str, answers: Mapping[str, object],
                      ip: str = "10.9.0.1") -> str:
    """Answer every question page from `url` on, confirm, and return the outcome page."""
    env = {"REMOTE_ADDR": ip}
    for _ in range(40):
        page = text(client.get(url, environ_base=env))
        if "data-outcome=" in page:
            return page
        if "data-check-answers" in page:
            action, hidden = form(page, "data-check-answers")
        else:
            qid = re.search(r'data-question="([a-z_]+)"', page).group(1)
            action, hidden = form(page, "data-question")
            value = answers[qid]
            hidden = hidden + [(qid, v) for v in (value if isinstance(value, list) else [value])]
        response = client.post(action, data=hidden, environ_base=env)
        assert response.status_code == 303, (url, response.status_code, text(response)[:800])
        url = response.headers["Location"]
    raise AssertionError("the screening did not finish")


