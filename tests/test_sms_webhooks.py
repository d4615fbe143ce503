"""Twilio's webhooks, signed with the real RequestValidator (and forged): replies and status."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flows import DEFER, finish
from sms_support import CLIENT, run_worker, sms
from twilio.request_validator import RequestValidator

from checker.sms.messages import Message, State

TOKEN = "t" * 32
BASE = "https://clinic.example"


def post(web, path: str, data: dict, signature: str | None = "sign"):
    headers = {}
    if signature == "sign":
        signature = RequestValidator(TOKEN).compute_signature(BASE + path, data)
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return web.post(path, data=data, headers=headers)


def reply(web, body: str, phone: str = CLIENT):
    return post(web, "/sms/inbound", {"From": phone, "To": "+15005550006", "Body": body,
                                      "MessageSid": "SM" + "1" * 32})


@pytest.fixture
def with_reminders(sms_app, web):
    sid = finish(web, DEFER)
    assert web.post(f"/s/{sid}/reminders", data={"phone": CLIENT, "consent": "yes",
                                                 "plan": "2w", "count": "3"}).status_code == 303
    return sid


@pytest.mark.parametrize("signature", [None, "", "forged", "sign-other-url"])
def test_bad_or_missing_signature_is_403_and_changes_nothing(sms_app, web, with_reminders,
                                                             signature):
    data = {"From": CLIENT, "Body": "STOP"}
    if signature == "sign-other-url":
        signature = RequestValidator(TOKEN).compute_signature(BASE + "/elsewhere", data)
    assert post(web, "/sms/inbound", data, signature).status_code == 403
    assert post(web, "/sms/status", {"MessageSid": "SMx", "MessageStatus": "delivered"},
                signature).status_code == 403
    assert not sms(sms_app).opted_out(CLIENT)
    assert len(sms(sms_app).reminders()) == 3


def test_stop_opts_out_and_cancels_everything_then_start_opts_in(sms_app, web,
                                                                 with_reminders):
    response = reply(web, "  stop ")
    assert response.status_code == 200 and b"<Response>" in response.data
    assert sms(sms_app).opted_out(CLIENT)
    assert sms(sms_app).reminders() == []
    again = web.post(f"/s/{with_reminders}/reminders", data={
        "phone": CLIENT, "consent": "yes", "plan": "4w", "count": "1"})
    assert again.status_code == 400 and b"asked us not to text" in again.data
    assert reply(web, "START").status_code == 200
    assert not sms(sms_app).opted_out(CLIENT)


def test_cleared_stops_reminders_notes_the_check_in_and_confirms(sms_app, web,
                                                                with_reminders):
    assert reply(web, "Cleared!").status_code == 200
    assert sms(sms_app).reminders() == []
    assert sms(sms_app).clearance_note(with_reminders).startswith("Client reports clearance")
    run_worker(sms_app)
    [ack] = [i for i in sms(sms_app).outbox() if i["to"] == CLIENT]
    assert "stopped your reminders" in ack["body"]


def test_help_and_other_words_get_at_most_one_help_text_a_day(sms_app, web, clock):
    for body in ("HELP", "what is this?", "INFO"):
        assert reply(web, body).status_code == 200
    run_worker(sms_app)
    [help_text] = [i["body"] for i in sms(sms_app).outbox() if i["to"] == CLIENT]
    assert "in an emergency call 911." in help_text  # the number itself, not "the number"
    clock.advance(days=1)
    reply(web, "help")
    run_worker(sms_app)
    assert len([i for i in sms(sms_app).outbox() if i["to"] == CLIENT]) == 2


def test_status_callbacks_never_move_backwards(sms_app, web, clock):
    service = sms(sms_app)
    service.dispatcher.schedule(Message(key="guidance:x:1", kind="guidance", to=CLIENT, body="b",
                                  due=clock()))
    run_worker(sms_app)
    record = service.records.get("guidance:x:1")
    assert record.state == State.SENT

    def status(value: str, **extra: str):
        return post(web, "/sms/status", {"MessageSid": record.provider_id,
                                         "MessageStatus": value, **extra})

    assert status("delivered").status_code == 204
    assert status("sent").status_code == 204  # late and out of order
    assert status("undelivered", ErrorCode="30003").status_code == 204
    record = service.records.get("guidance:x:1")
    assert record.state == State.DELIVERED and record.twilio_status == "delivered"
    assert post(web, "/sms/status", {"MessageSid": "SMunknown",
                                     "MessageStatus": "failed"}).status_code == 204


def test_failed_with_21610_status_records_the_opt_out(sms_app, web, clock):
    service = sms(sms_app)
    service.dispatcher.schedule(Message(key="guidance:y:1", kind="guidance", to=CLIENT, body="b",
                                  due=clock()))
    service.dispatcher.schedule(Message(key="reminder:y:1", kind="reminder", to=CLIENT, body="r",
                                  due=clock() + timedelta(days=3)))
    run_worker(sms_app)
    sid = service.records.get("guidance:y:1").provider_id
    post(web, "/sms/status", {"MessageSid": sid, "MessageStatus": "failed",
                              "ErrorCode": "21610"})
    assert service.records.get("guidance:y:1").state == State.FAILED
    assert service.opted_out(CLIENT)
    assert service.records.get("reminder:y:1").state == State.CANCELLED
