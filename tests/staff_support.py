"""Shared helpers for the reception/staff tests: an app with two locations, sign-in, and a
driver that walks the client's real HTTP screening flow."""

from __future__ import annotations

import html
import re

from flask import Flask
from flask.testing import FlaskClient

TWO_LOCATIONS = """
[[location]]
slug = "a"
name = "Alpha Massage Studio"
timezone = "America/New_York"
emergency_number = "911"
staff_alert_numbers = ["+12025550143"]

[[location]]
slug = "b"
name = "Beta Wellness"
timezone = "Europe/London"
emergency_number = "999"
staff_alert_numbers = []
sms_from = "+15005550006"
"""

PUBLIC_BASE_URL = "https://clinic.example"
PASSWORD = "correct horse battery staple"

# Answers that finish quickly: nothing reported -> proceed; a red flag -> emergency.
PROCEED_ANSWERS = {
    "emergency_now": ["none"], "emergency_recent": "no", "limb_symptoms": ["none"],
    "clot_history": "no", "vein_conditions": ["none"], "medicines": ["none"],
    "recent_events": ["none"], "long_term_factors": ["none"],
}
EMERGENCY_ANSWERS = {"emergency_now": ["breathless"]}
# Blood thinner -> modified with flags (light pressure etc.).
MODIFIED_ANSWERS = {**PROCEED_ANSWERS, "medicines": ["anticoagulant"], "bleeding_signs": "no"}


def hidden_fields(page: str, form_marker: str) -> dict[str, str]:
    """Hidden inputs of the first form whose opening tag contains `form_marker`."""
    match = re.search(r"<form[^>]*" + re.escape(form_marker) + r".*?</form>", page, re.S)
    assert match, f"no form with {form_marker!r}"
    return {html.unescape(n): html.unescape(v) for n, v in re.findall(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)"', match.group(0))}


def form_action(page: str, form_marker: str) -> str:
    match = re.search(r'<form[^>]*action="([^"]+)"[^>]*' + re.escape(form_marker), page) or \
        re.search(r"<form[^>]*" + re.escape(form_marker) + r'[^>]*action="([^"]+)"', page)
    assert match, f"no form action with {form_marker!r}"
    return html.unescape(match.group(1))


def csrf_token(client: FlaskClient) -> str:
    page = client.get("/staff/sign-in").get_data(as_text=True)
    return hidden_fields(page, "data-staff-sign-in")["csrf_token"]


def add_staff(app: Flask, username: str = "alice", password: str = PASSWORD) -> None:
    accounts = app.extensions["clotcheck"].staff
    if accounts.get(username) is None:
        accounts.add(username, password)


def sign_in(client: FlaskClient, app: Flask, username: str = "alice",
            password: str = PASSWORD) -> None:
    add_staff(app, username, password)
    response = client.post("/staff/sign-in", data={
        "csrf_token": csrf_token(client), "username": username, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)


def finish_screening(client: FlaskClient, loc: str, answers: dict) -> str:
    """Scan the poster (GET /?loc=), answer every question, and return the check-in code."""
    landing = client.get(f"/?loc={loc}").get_data(as_text=True)
    response = client.post("/start", data=hidden_fields(landing, 'data-action="start"'))
    for _ in range(40):
        assert response.status_code in (302, 303), response.status_code
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        if "data-outcome=" in page:
            code = re.search(r'class="checkin__code">\s*([A-Z0-9-]+)\s*<', page)
            assert code, "no check-in code on the outcome page"
            return code.group(1)
        if "data-check-answers" in page:
            response = client.post(form_action(page, "data-check-answers"),
                                   data=hidden_fields(page, "data-check-answers"))
            continue
        qid = re.search(r'data-question="([a-z_]+)"', page).group(1)
        data = {**hidden_fields(page, "data-question"), qid: answers[qid]}
        response = client.post(form_action(page, "data-question"), data=data)
    raise AssertionError("the screening did not finish")


def board_day(app: Flask, slug: str, day: str) -> list:
    """A board's check-ins as staff see them (the board catches up on finish events first)."""
    services = app.extensions["clotcheck"]
    services.finishes.drain(only=["checkins"])
    return services.checkins.day(slug, day)
