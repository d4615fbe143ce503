"""Sending through the real twilio client, a real RQ worker and real Redis, against the fake
Twilio API: one text per record whatever happens, and errors classified as Twilio advises."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER
from rq import SimpleWorker
from rq.job import Job
from sms_support import CLIENT, dispatcher

from checker.crypto import new_key
from checker.sms.dispatch import Dispatcher
from checker.sms.messages import Message, State
from checker.sms.senders import OutboxSender

KEYS = {"ENCRYPTION_KEYS": new_key(), "SECRET_KEY": "sms sending tests"}


def make_core(url, prefix, clock, api_url=None, **overrides) -> Dispatcher:
    twilio = {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
              "TWILIO_FROM_NUMBER": FROM_NUMBER, "TWILIO_API_URL": api_url,
              "TWILIO_TIMEOUT": 2.0} if api_url else {}
    return dispatcher({}, clock, **{
        "REDIS_URL": url, "REDIS_KEY_PREFIX": prefix, "SMS_RETRY_INTERVALS": "0,0,0",
        "SMS_MAX_ATTEMPTS": 3, "PUBLIC_BASE_URL": "https://clinic.example", **KEYS, **twilio,
        **overrides})


def run_worker(core: Dispatcher) -> None:
    SimpleWorker([core.queue], connection=core.redis).work(burst=True)


def text(core: Dispatcher, key: str = "guidance:s1:a", to: str = CLIENT, **kw) -> Message:
    message = Message(key=key, kind="guidance", to=to, body="No massage today.",
                      due=core.clock(), sid="s1", **kw)
    core.schedule(message)
    return message


@pytest.fixture
def core(redis_url, sms_prefix, clock, fake_twilio):
    return make_core(redis_url, sms_prefix, clock, fake_twilio.url)


def test_a_text_goes_through_the_real_client_and_is_sent_once(core, fake_twilio):
    text(core)
    text(core)  # a double tap: same dedupe key, same record, same job id
    run_worker(core)
    assert fake_twilio.violations == []
    [request] = fake_twilio.sent_to(CLIENT)
    assert request["From"] == FROM_NUMBER and request["Body"] == "No massage today."
    assert request["StatusCallback"] == "https://clinic.example/sms/status"
    record = core.messages.get("guidance:s1:a")
    assert record.state == State.SENT and record.provider_id == request["sid"]
    assert record.attempts == 1 and record.sender == "twilio"


def test_a_re_enqueued_job_cannot_send_again(core, fake_twilio):
    message = text(core)
    run_worker(core)
    Job.fetch(core.job_id(message.key), connection=core.redis).delete()
    core.enqueue(message)  # as a lost-job sweep or a second worker would
    run_worker(core)
    assert len(fake_twilio.sent_to(CLIENT)) == 1


def test_messaging_service_sid_is_used_when_no_from_number(redis_url, sms_prefix,
                                                          clock, fake_twilio):
    core = make_core(redis_url, sms_prefix, clock, fake_twilio.url,
                     TWILIO_MESSAGING_SERVICE_SID="MG" + "a" * 32, TWILIO_FROM_NUMBER="")
    text(core)
    run_worker(core)
    assert fake_twilio.violations == []
    [request] = fake_twilio.requests
    assert request["MessagingServiceSid"] == "MG" + "a" * 32 and "From" not in request


@pytest.mark.parametrize(("to", "code"), [("+15005550001", "21211"), ("+15005550003", "21408"),
                                          ("+15005550009", "21614")])
def test_permanent_errors_are_recorded_not_retried(core, fake_twilio, to, code):
    text(core, to=to)
    run_worker(core)
    record = core.messages.get("guidance:s1:a")
    assert record.state == State.FAILED and record.error_code == code
    assert len(fake_twilio.received) == 1


def test_21610_records_the_opt_out_and_cancels_what_is_pending(core, fake_twilio):
    opted = "+15005550004"
    text(core, to=opted)
    later = Message(key="reminder:s1:1", kind="reminder", to=opted, body="Reminder",
                    due=core.clock() + timedelta(days=14), sid="s1")
    core.schedule(later)
    run_worker(core)
    assert core.messages.get("guidance:s1:a").error_code == "21610"
    assert opted in core.optouts
    assert core.messages.get("reminder:s1:1").state == State.CANCELLED
    # Never texted again, even if someone asks again.
    text(core, key="guidance:s2:a", to=opted)
    run_worker(core)
    assert core.messages.get("guidance:s2:a").state == State.CANCELLED
    assert len(fake_twilio.received) == 1


@pytest.mark.parametrize(("status", "code"), [(429, 20429), (500, 20500), (503, 20503)])
def test_rate_limit_and_server_errors_retry_then_send(core, fake_twilio, status, code):
    fake_twilio.fail_next(status, code, "try later")
    text(core)
    run_worker(core)  # RQ's Retry (interval 0 here) re-runs the job in the same burst
    record = core.messages.get("guidance:s1:a")
    assert record.state == State.SENT and record.attempts == 2
    assert len(fake_twilio.sent_to(CLIENT)) == 1


def test_retries_give_up_after_max_attempts(core, fake_twilio):
    for _ in range(5):
        fake_twilio.fail_next(503, 20503, "down")
    text(core)
    run_worker(core)  # 1 try + 3 RQ retries; max_attempts is 3
    record = core.messages.get("guidance:s1:a")
    assert record.state == State.FAILED and "gave up after 3" in record.error
    assert len(fake_twilio.received) == 3


def test_connection_refused_is_retryable(redis_url, sms_prefix, clock):
    with socket.socket() as sock:  # a port with nobody listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    core = make_core(redis_url, sms_prefix, clock, f"http://127.0.0.1:{port}")
    text(core)
    run_worker(core)
    record = core.messages.get("guidance:s1:a")
    assert record.state == State.FAILED and record.attempts == 3
    assert "gave up" in record.error


def test_timeout_after_sending_is_unknown_and_never_resent(redis_url, sms_prefix,
                                                           clock, fake_twilio):
    core = make_core(redis_url, sms_prefix, clock, fake_twilio.url, TWILIO_TIMEOUT=0.5)
    fake_twilio.hold_numbers.add(CLIENT)
    message = text(core)
    run_worker(core)
    record = core.messages.get("guidance:s1:a")
    assert record.state == State.UNKNOWN and "no answer" in record.error
    fake_twilio.hold_released.set()
    core.enqueue(message)
    clock.advance(hours=1)
    core.sweep()
    run_worker(core)
    assert len(fake_twilio.received) == 1
    assert core.messages.get("guidance:s1:a").state == State.UNKNOWN


def test_outbox_without_credentials(redis_url, sms_prefix, clock):
    core = make_core(redis_url, sms_prefix, clock)
    assert isinstance(core.sender, OutboxSender)
    text(core)
    run_worker(core)
    [item] = core.sender.outbox.recent()
    assert item["to"] == CLIENT and item["body"] == "No massage today."
    record = core.messages.get("guidance:s1:a")
    assert record.state == State.SENT and record.provider_id == item["id"]
