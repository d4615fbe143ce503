"""The SMS forms and staff alerts over HTTP on the real app, the real Redis and an in-process
RQ worker (outbox sender), with an injected clock for reminder times and quiet hours."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flows import DEFER, URGENT, finish
from sms_support import CLIENT, STAFF, run_worker, sms

from checker.finishes import FinishedScreening
from checker.outcome import Level, Outcome
from checker.sms.messages import State


def test_urgent_client_gets_the_advice_text_and_staff_an_alert(sms_app, web):
    sid = finish(web, URGENT)
    page = web.get(f"/s/{sid}/text-advice")
    assert page.status_code == 200 and b'data-action="text-advice"' in page.data
    response = web.post(f"/s/{sid}/text-advice",
                        data={"phone": "(202) 555-0143", "consent": "yes", "next_day": "yes"})
    assert response.status_code == 303
    done = web.get(response.headers["Location"])
    assert done.status_code == 200 and b'data-sms-done="advice"' in done.data
    run_worker(sms_app)
    outbox = {item["to"]: item["body"] for item in sms(sms_app).outbox()}
    assert "Test Clinic" in outbox[CLIENT] and "medical help today" in outbox[CLIENT]
    assert "emergency_recent" not in outbox[CLIENT] and "14 days" not in outbox[CLIENT]
    assert re.fullmatch(r"ClotCheck Test Clinic: check-in [A-Z0-9]{3}-[A-Z0-9]{3} is URGENT "
                        r"\([0-2][0-9]:[0-5][0-9]\)\. No massage\. See the staff screen\.",
                        outbox[STAFF])
    [check] = [m for m in sms(sms_app).for_screening(sid) if m.kind == "next_day"]
    assert check.state == State.SCHEDULED and f"{check.due:%Y-%m-%d %H:%M}" == "2031-06-11 10:00"
    assert check.to == "+1 ••• ••• 0143"


def test_bad_input_is_kept_and_explained_with_400(sms_app, web):
    sid = finish(web, URGENT)
    response = web.post(f"/s/{sid}/text-advice", data={"phone": "555-01"})
    assert response.status_code == 400
    assert b'value="555-01"' in response.data
    assert b"Enter a real mobile phone number" in response.data or b"Enter a mobile" in \
        response.data
    assert b"Check the box" in response.data
    abroad = web.post(f"/s/{sid}/text-advice", data={"phone": "+44 7911 123456",
                                                     "consent": "yes"})
    assert abroad.status_code == 400 and b"only send texts to numbers in US" in abroad.data
    assert sms(sms_app).records.recent() == [] or all(
        m.kind == "alert" for m in sms(sms_app).records.recent())


def test_advice_is_not_offered_for_other_levels(sms_app, web):
    sid = finish(web, DEFER)
    assert web.post(f"/s/{sid}/text-advice", data={"phone": CLIENT, "consent": "yes"}
                    ).status_code == 404
    assert web.get("/s/nonsense-sid-that-is-long-enough/text-advice").status_code == 404


def test_limits_per_screening_then_429(sms_app, web):
    sid = finish(web, URGENT)
    for n in range(3):
        assert web.post(f"/s/{sid}/text-advice", data={"phone": f"+1202555014{n}",
                                                       "consent": "yes"}).status_code == 303
    blocked = web.post(f"/s/{sid}/text-advice", data={"phone": "+12025550149",
                                                      "consent": "yes"})
    assert blocked.status_code == 429 and b'value="+12025550149"' in blocked.data


def test_limit_per_client_ip(sms_app, web):
    sid = finish(web, URGENT)
    codes = [web.post(f"/s/{sid}/text-advice", data={"phone": "x"}).status_code
             for _ in range(11)]
    assert codes == [400] * 10 + [429]


def test_staff_alerts_are_capped_per_hour_with_one_summary(sms_app, clock):
    service = sms(sms_app)
    outcome = Outcome(Level.DEFER, (), (), ("R18",), "1")
    for n in range(13):
        service.on_screening_finished(FinishedScreening(
            f"sid{n:02d}", f"ACD{n:03d}", outcome, "main", clock(), 2))
    kinds = [m.kind for m in service.records.recent(50)]
    assert kinds.count("alert") == 10 and kinds.count("alert_summary") == 1
    clock.advance(hours=1)
    service.on_screening_finished(FinishedScreening("late", "ACD999", outcome, "main",
                                                    clock(), 2))
    assert [m.kind for m in service.records.recent(50)].count("alert") == 11


def test_no_alert_for_proceed_or_modified(sms_app, clock):
    service = sms(sms_app)
    for level in (Level.PROCEED, Level.MODIFIED):
        service.on_screening_finished(FinishedScreening(
            "s", "ACDEFG", Outcome(level, (), (), (), "1"), "main", clock(), 2))
    assert service.records.recent() == []


def test_reminders_every_4_weeks_respect_quiet_hours_and_arrive_via_sweep(sms_app, web,
                                                                          clock):
    sid = finish(web, DEFER)
    clock.now = datetime(2031, 6, 11, 0, 30, tzinfo=UTC)  # 20:30 in New York: quiet hours
    page = web.get(f"/s/{sid}/reminders")
    assert b'data-action="reminders"' in page.data
    response = web.post(f"/s/{sid}/reminders", data={"phone": CLIENT, "consent": "yes",
                                                     "plan": "4w", "count": "3"})
    assert response.status_code == 303
    assert b"Your reminders are set up" in web.get(response.headers["Location"]).data
    reminders = [m for m in sms(sms_app).reminders() if m.sid == sid]
    assert [f"{m.due:%Y-%m-%d %H:%M}" for m in reminders] == [
        "2031-07-09 09:00", "2031-08-06 09:00", "2031-09-03 09:00"]
    run_worker(sms_app)
    assert not [i for i in sms(sms_app).outbox() if i["to"] == CLIENT]  # nothing due yet
    clock.now = datetime(2031, 7, 9, 13, 1, tzinfo=UTC)  # 09:01 New York: first one is due
    report = sms(sms_app).dispatcher.sweep()
    assert report.enqueued == 1
    run_worker(sms_app)
    [sent] = [i for i in sms(sms_app).outbox() if i["to"] == CLIENT]
    assert "reminder 1 of 3" in sent["body"] and "Reply CLEARED" in sent["body"]
    assert "a racing or pounding heartbeat" in sent["body"]  # the one-line safety net
    assert "call 911 now." in sent["body"]


def test_reminder_form_errors_keep_input(sms_app, web):
    sid = finish(web, DEFER)
    response = web.post(f"/s/{sid}/reminders", data={"phone": CLIENT, "plan": "appointment",
                                                     "appointment": "2020-01-01"})
    assert response.status_code == 400
    assert b"after today" in response.data and b"Check the box" in response.data
    assert b'value="2020-01-01"' in response.data
    ok = web.post(f"/s/{sid}/reminders", data={"phone": CLIENT, "consent": "yes",
                                               "plan": "appointment",
                                               "appointment": "2031-06-25"})
    assert ok.status_code == 303
    due = [f"{m.due:%m-%d %H:%M}" for m in sms(sms_app).for_screening(sid)
           if m.kind == "reminder"]
    assert due == ["06-18 10:00", "06-24 10:00"]


def test_staff_can_cancel_a_reminder(sms_app, web):
    sid = finish(web, DEFER)
    web.post(f"/s/{sid}/reminders", data={"phone": CLIENT, "consent": "yes", "plan": "2w",
                                          "count": "2"})
    first = sms(sms_app).reminders()[0]
    assert sms(sms_app).cancel_reminder(first.key)
    assert not sms(sms_app).cancel_reminder(first.key)
    assert len(sms(sms_app).reminders()) == 1


def test_daily_cap_per_phone_number_across_screenings_and_addresses(sms_app, clock):
    """SMS pumping through the public QR URL: new screenings from new addresses (so neither
    the per-screening nor the per-address limit applies) all asking to text one number."""
    service = sms(sms_app)

    def screening(n: int, answers: dict):
        web = sms_app.test_client()
        web.environ_base["REMOTE_ADDR"] = f"198.51.100.{n}"
        return web, finish(web, answers)

    typed = ["(202) 555-0143", "202-555-0143", "+1 202 555 0143", "2025550143"]
    codes, sids = [], []
    for n, phone in enumerate(typed, start=1):
        web, sid = screening(n, URGENT)
        sids.append(sid)
        response = web.post(f"/s/{sid}/text-advice", data={"phone": phone, "consent": "yes",
                                                           "next_day": "yes"})
        codes.append(response.status_code)
    assert codes == [303, 303, 303, 429]
    page = response.data.decode()
    assert "This number has had several texts from us today" in page
    assert "Please ask at reception" in page and 'data-action="text-advice"' in page
    assert 'value="2025550143"' in page  # what was typed, not the E.164 form
    assert re.search(r'name="consent"[^>]*checked', page)
    assert re.search(r'name="next_day"[^>]*checked', page)
    client_kinds = ("guidance", "next_day")
    assert [m.kind for m in service.for_screening(sids[3]) if m.kind in client_kinds] == []
    assert len(service.records.keys_for_phone(CLIENT)) == 6  # 3 screenings x (advice + check)

    # The cap is per number: the same screening may still text another number ...
    assert web.post(f"/s/{sids[3]}/text-advice", data={"phone": "+12025550150",
                                                       "consent": "yes"}).status_code == 303
    # ... and it covers the reminders form as well.
    web, defer_sid = screening(5, DEFER)
    blocked = web.post(f"/s/{defer_sid}/reminders", data={"phone": CLIENT, "consent": "yes",
                                                          "plan": "2w", "count": "4"})
    assert blocked.status_code == 429 and b"several texts from us today" in blocked.data
    kept = blocked.data.decode()
    assert f'value="{CLIENT}"' in kept and re.search(r'value="2w"\s*checked', kept)
    assert re.search(r'value="4"\s*selected', kept)
    assert [m for m in service.for_screening(defer_sid) if m.kind == "reminder"] == []

    run_worker(sms_app)
    assert [i["to"] for i in service.outbox()].count(CLIENT) == 3

    clock.advance(days=1)  # a new day: the number may be texted again
    web, sid = screening(6, URGENT)
    assert web.post(f"/s/{sid}/text-advice", data={"phone": CLIENT, "consent": "yes"}
                    ).status_code == 303
