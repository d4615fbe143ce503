"""Staff web pages: access control on every route, sign-in, board, clearance, CSV export."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from staff_support import (
    EMERGENCY_ANSWERS,
    MODIFIED_ANSWERS,
    PASSWORD,
    add_staff,
    board_day,
    csrf_token,
    finish_screening,
    sign_in,
)

from checker.checkins import local_day
from checker.wording import FLAG_TEXT


@pytest.fixture
def client(staff_app: Flask) -> FlaskClient:
    return staff_app.test_client()


@pytest.fixture
def staff(staff_app: Flask, client: FlaskClient) -> FlaskClient:
    sign_in(client, staff_app)
    return client


def today(app: Flask, slug: str) -> str:
    return local_day(datetime.now(UTC), app.extensions["clotcheck"].locations.get(slug).tz)


def board_page(client: FlaskClient, slug: str) -> str:
    response = client.get(f"/staff/board/{slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def only_checkin(app: Flask, slug: str):
    [checkin] = board_day(app, slug, today(app, slug))
    return checkin


# -- access control -----------------------------------------------------------------------

def test_every_staff_route_turns_away_a_signed_out_browser(staff_app: Flask,
                                                          client: FlaskClient) -> None:
    code = finish_screening(staff_app.test_client(), "a", MODIFIED_ANSWERS)
    checkin = only_checkin(staff_app, "a")
    values = {"slug": "a", "cid": checkin.id}
    token = csrf_token(client)  # a real token: only the missing sign-in may stop the request
    rules = [r for r in staff_app.url_map.iter_rules()
             if r.rule.startswith("/staff/") and r.endpoint != "staff_signin.sign_in"]
    assert len(rules) >= 7
    checked = 0
    for rule in rules:
        path = rule.build({arg: values[arg] for arg in rule.arguments})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method == "GET":
                response = client.get(path)
                assert response.status_code in (302, 303), path
                assert response.headers["Location"].startswith("/staff/sign-in"), path
                polled = client.get(path, headers={"HX-Request": "true", "HX-Target": "board"})
                assert polled.status_code == 401 and "/staff/sign-in" in polled.headers[
                    "HX-Redirect"], path
                body = response.get_data(as_text=True) + polled.get_data(as_text=True)
            else:
                response = client.open(path, method=method,
                                       data={"csrf_token": token, "signed_on": "2025-01-01",
                                             "limits": "None"})
                assert response.status_code in (401, 403), (method, path)
                body = response.get_data(as_text=True)
            # No check-in data (the id may only appear in the requested URL, echoed back).
            assert code not in body and FLAG_TEXT["light_pressure"] not in body
            checked += 1
    after = staff_app.extensions["clotcheck"].checkins.get(checkin.id)
    assert after.seen_at is None and after.clearance is None  # no action got through
    assert checked >= 8


def test_client_flow_needs_no_sign_in(client: FlaskClient) -> None:
    assert client.get("/?loc=a").status_code == 200
    assert client.get("/poster/a").status_code == 200
    assert client.get("/clearance/a").status_code == 200


# -- sign-in ------------------------------------------------------------------------------

def test_sign_in_and_out(staff_app: Flask, client: FlaskClient) -> None:
    add_staff(staff_app)
    response = client.get("/staff/board/b")
    assert response.headers["Location"] == "/staff/sign-in?next=/staff/board/b"
    response = client.post("/staff/sign-in", data={
        "csrf_token": csrf_token(client), "username": "Alice", "password": PASSWORD,
        "next": "/staff/board/b"})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/board/b"
    page = board_page(client, "b")
    assert "Signed in as <strong>alice</strong>" in page
    assert client.post("/staff/sign-out", data={"csrf_token": csrf_token_signed_in(client)}
                       ).status_code == 303
    assert client.get("/staff/board/b").status_code == 303


def csrf_token_signed_in(client: FlaskClient) -> str:
    page = client.get("/staff/messages").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_wrong_password_keeps_username_and_says_so(staff_app: Flask,
                                                  client: FlaskClient) -> None:
    add_staff(staff_app)
    response = client.post("/staff/sign-in", data={
        "csrf_token": csrf_token(client), "username": "alice", "password": "wrong password!"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<title>Error: " in page and "The username or password is not right." in page
    assert 'value="alice"' in page
    assert client.get("/staff/").status_code == 303  # still signed out


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/staff/",
                                    "/elsewhere", "/staff/\\evil"])
def test_no_open_redirect_after_sign_in(staff_app: Flask, client: FlaskClient,
                                        target: str) -> None:
    add_staff(staff_app)
    response = client.post("/staff/sign-in", data={
        "csrf_token": csrf_token(client), "username": "alice", "password": PASSWORD,
        "next": target})
    assert response.headers["Location"] == "/staff/"


def test_session_cookie_is_httponly_samesite_and_rotated(staff_app: Flask,
                                                         client: FlaskClient) -> None:
    add_staff(staff_app)
    token = csrf_token(client)
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    response = client.post("/staff/sign-in", data={
        "csrf_token": token, "username": "alice", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    with client.session_transaction() as sess:
        assert "planted" not in sess and sess["staff_user"] == "alice"


def test_secure_cookie_is_configurable(app_config: dict, redis_client) -> None:
    from checker.web import create_app
    app = create_app({**app_config, "SESSION_COOKIE_SECURE": True})
    client = app.test_client()
    add_staff(app)
    response = client.post("/staff/sign-in", data={
        "csrf_token": csrf_token(client), "username": "alice", "password": PASSWORD})
    assert "Secure" in response.headers["Set-Cookie"]


def test_removed_account_or_reset_password_ends_the_session(staff_app: Flask,
                                                             staff: FlaskClient) -> None:
    assert staff.get("/staff/board/a").status_code == 200
    staff_app.extensions["clotcheck"].staff.add("alice", "a brand new password", replace=True)
    assert staff.get("/staff/board/a").status_code == 303
    sign_in(staff, staff_app, password="a brand new password")
    assert staff.get("/staff/board/a").status_code == 200
    staff_app.extensions["clotcheck"].staff.remove("alice")
    assert staff.get("/staff/board/a").status_code == 303


def test_sign_in_form_needs_csrf_token(staff_app: Flask, client: FlaskClient) -> None:
    add_staff(staff_app)
    response = client.post("/staff/sign-in", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert client.get("/staff/").status_code == 303


# -- rate limit ---------------------------------------------------------------------------

def attempt(client: FlaskClient, username: str, password: str, ip: str) -> int:
    token = csrf_token(client)
    return client.post("/staff/sign-in", data={"csrf_token": token, "username": username,
                                               "password": password},
                       environ_base={"REMOTE_ADDR": ip}).status_code


def test_failed_sign_ins_are_rate_limited_per_ip(staff_app: Flask,
                                                 client: FlaskClient, redis_client,
                                                 key_prefix: str) -> None:
    add_staff(staff_app)
    for i in range(5):
        assert attempt(client, f"guess{i}", "wrong password!", "10.0.0.1") == 422
    token = csrf_token(client)
    response = client.post("/staff/sign-in", data={"csrf_token": token, "username": "alice",
                                                   "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert response.status_code == 429  # even the right password waits
    assert "Too many sign-in attempts" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) >= 1
    assert attempt(client, "alice", PASSWORD, "10.0.0.2") == 303  # another desk is fine
    # Counted in the app's Redis, under the app's key prefix (shared by all workers).
    assert list(redis_client.scan_iter(match=f"{key_prefix}limits*"))


def test_failed_sign_ins_are_rate_limited_per_username(staff_app: Flask,
                                                       client: FlaskClient) -> None:
    add_staff(staff_app)
    for i in range(5):
        assert attempt(client, "alice", "wrong password!", f"10.0.1.{i}") == 422
    assert attempt(client, "ALICE", PASSWORD, "10.0.1.99") == 429
    assert attempt(client, "bob", "wrong password!", "10.0.1.99") == 422


def test_successful_sign_ins_do_not_count(staff_app: Flask, client: FlaskClient) -> None:
    add_staff(staff_app)
    for _ in range(7):  # a fresh browser each time (a signed-in one skips the form)
        assert attempt(staff_app.test_client(), "alice", PASSWORD, "10.0.2.1") == 303


# -- board --------------------------------------------------------------------------------

def test_two_locations_end_to_end(staff_app: Flask, staff: FlaskClient) -> None:
    """Scan each location's poster, finish, and see each check-in on its own board only."""
    clients = staff_app.test_client(), staff_app.test_client()
    code_a = finish_screening(clients[0], "a", EMERGENCY_ANSWERS)
    code_b = finish_screening(clients[1], "b", MODIFIED_ANSWERS)
    board_a, board_b = board_page(staff, "a"), board_page(staff, "b")
    assert code_a in board_a and code_a not in board_b
    assert code_b in board_b and code_b not in board_a
    assert 'board-row--emergency' in board_a and 'badge--emergency' in board_a
    assert 'data-level="modified"' in board_b
    assert FLAG_TEXT["light_pressure"] in board_b and "light_pressure" not in board_b
    assert "Alpha Massage Studio" in board_a and "Beta Wellness" in board_b
    index = staff.get("/staff/").get_data(as_text=True)
    assert index.count("1 check-in today") == 2


def test_board_newest_first_and_retention_note(staff_app: Flask,
                                               staff: FlaskClient) -> None:
    first = finish_screening(staff_app.test_client(), "a", MODIFIED_ANSWERS)
    second = finish_screening(staff_app.test_client(), "a", EMERGENCY_ANSWERS)
    response = staff.get("/staff/board/a")
    page = response.get_data(as_text=True)
    assert page.index(second) < page.index(first)
    assert "deleted automatically after 30 days" in page
    assert "not yet been reviewed by a clinician" in page
    assert response.headers["Cache-Control"] == "no-store"
    assert 'hx-trigger="every 5s"' in page and "style=" not in page


def test_board_poll_returns_only_the_table(staff_app: Flask, staff: FlaskClient) -> None:
    code = finish_screening(staff_app.test_client(), "a", MODIFIED_ANSWERS)
    response = staff.get("/staff/board/a", headers={"HX-Request": "true", "HX-Target": "board"})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200
    assert fragment.lstrip().startswith('<div id="board"') and "<html" not in fragment
    assert code in fragment
    assert "HX-Request" in response.headers.get("Vary", "")


def test_mark_seen(staff_app: Flask, staff: FlaskClient) -> None:
    finish_screening(staff_app.test_client(), "a", MODIFIED_ANSWERS)
    checkin = only_checkin(staff_app, "a")
    page = board_page(staff, "a")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = staff.post(f"/staff/checkins/{checkin.id}/seen", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/staff/board/a?day=")
    assert "Seen by alice" in board_page(staff, "a")


def test_actions_need_csrf_token_when_signed_in(staff_app: Flask,
                                                staff: FlaskClient) -> None:
    finish_screening(staff_app.test_client(), "a", MODIFIED_ANSWERS)
    checkin = only_checkin(staff_app, "a")
    response = staff.post(f"/staff/checkins/{checkin.id}/seen")
    assert response.status_code == 400
    assert only_checkin(staff_app, "a").seen_at is None


def test_unknown_location_or_check_in(staff: FlaskClient) -> None:
    assert staff.get("/staff/board/nowhere").status_code == 404
    assert staff.get("/staff/board/a?day=yesterday").status_code == 404
    assert staff.get("/staff/checkins/" + "0" * 24 + "/clearance").status_code == 404


def test_past_day_has_no_polling(staff: FlaskClient) -> None:
    page = board_page(staff, "a") and staff.get("/staff/board/a?day=2025-01-02").get_data(
        as_text=True)
    assert "on 2025-01-02" in page and "hx-trigger" not in page
    assert "No check-ins on this day" in page


# -- clearance ----------------------------------------------------------------------------

def test_record_clearance(staff_app: Flask, staff: FlaskClient) -> None:
    finish_screening(staff_app.test_client(), "b", MODIFIED_ANSWERS)
    checkin = only_checkin(staff_app, "b")
    url = f"/staff/checkins/{checkin.id}/clearance"
    page = staff.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    bad = staff.post(url, data={"csrf_token": token, "signed_on": "2999-01-01",
                                "limits": "Light pressure only"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "must be today or in the past" in text
    assert "Light pressure only" in text and 'href="#signed_on"' in text  # kept, linked
    good = staff.post(url, data={"csrf_token": token, "signed_on": "2025-03-01",
                                 "limits": "Light pressure only"})
    assert good.status_code == 303
    board = board_page(staff, "b")
    assert "Signed clearance received" in board and "2025-03-01" in board
    assert "Light pressure only" in board


# -- export -------------------------------------------------------------------------------

def test_csv_export_of_the_day(staff_app: Flask, staff: FlaskClient) -> None:
    code_a = finish_screening(staff_app.test_client(), "a", MODIFIED_ANSWERS)
    code_b = finish_screening(staff_app.test_client(), "b", EMERGENCY_ANSWERS)
    checkin = only_checkin(staff_app, "a")
    staff_app.extensions["clotcheck"].checkins.record_clearance(
        checkin.id, datetime(2025, 3, 1).date(), "=HYPERLINK(\"http://evil\")", "alice")
    response = staff.get(f"/staff/board/a/export.csv?day={today(staff_app, 'a')}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["code"] for r in rows] == [code_a]
    assert code_b not in text
    assert rows[0]["level"] == "modified"
    assert FLAG_TEXT["light_pressure"] in rows[0]["therapist_flags"]
    assert rows[0]["clearance_limits"].startswith("'=")  # no formula runs in a spreadsheet
    assert "+1202" not in text and "phone" not in text.lower()  # no phone numbers


def test_messages_page(staff: FlaskClient) -> None:
    response = staff.get("/staff/messages")
    assert response.status_code == 200
    assert "Messages and reminders" in response.get_data(as_text=True)
