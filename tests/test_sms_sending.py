"""Sending through the real twilio client, a real RQ worker and real Redis, against the fake
Twilio API: one text per record whatever happens, and errors classified as Twilio advises."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
import redis
from fake_twilio import (  # noqa: F401 (fixtures)
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    clock,
    fake_twilio,
    sms_prefix,
)
from rq import SimpleWorker
from rq.job import Job

from checker.crypto import Crypto, Tagger, derived_tag_key, new_key, parse_keys
from checker.sms.core import SmsCore, install
from checker.sms.records import Message, State
from checker.sms.senders import OutboxSender
from checker.sms.settings import SmsSettings

CLIENT = "+12025550143"
CRYPTO = Crypto(parse_keys(new_key()))
TAGGER = Tagger(derived_tag_key("sms sending tests"))


def make_core(url, prefix, clock, api_url=None, **overrides) -> SmsCore:  # noqa: F811
    twilio = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from_number": FROM_NUMBER,
              "api_url": api_url, "timeout": 2.0} if api_url else {}
    options = {"prefix": prefix, "retry_intervals": (0, 0, 0), "max_attempts": 3,
               "public_base_url": "https://clinic.example", **twilio, **overrides}
    settings = SmsSettings(**options)
    core = SmsCore(redis.Redis.from_url(url), settings, clock, crypto=CRYPTO, tagger=TAGGER)
    install(core)
    return core


def run_worker(core: SmsCore) -> None:
    SimpleWorker([core.queue], connection=core.redis).work(burst=True)


def text(core: SmsCore, key: str = "guidance:s1:a", to: str = CLIENT, **kw) -> Message:
    message = Message(key=key, kind="guidance", to=to, body="No massage today.",
                      due=core.clock(), sid="s1", **kw)
    core.schedule(message)
    return message


@pytest.fixture
def core(redis_url, sms_prefix, clock, fake_twilio):  # noqa: F811
    return make_core(redis_url, sms_prefix, clock, fake_twilio.url)


def test_a_text_goes_through_the_real_client_and_is_sent_once(core, fake_twilio):  # noqa: F811
    text(core)
    text(core)  # a double tap: same dedupe key, same record, same job id
    run_worker(core)
    assert fake_twilio.violations == []
    [request] = fake_twilio.sent_to(CLIENT)
    assert request["From"] == FROM_NUMBER and request["Body"] == "No massage today."
    assert request["StatusCallback"] == "https://clinic.example/sms/status"
    record = core.store.get("guidance:s1:a")
    assert record.state == State.SENT and record.provider_id == request["sid"]
    assert record.attempts == 1 and record.sender == "twilio"


def test_a_re_enqueued_job_cannot_send_again(core, fake_twilio):  # noqa: F811
    message = text(core)
    run_worker(core)
    Job.fetch(core.job_id(message.key), connection=core.redis).delete()
    core.enqueue(message)  # as a lost-job sweep or a second worker would
    run_worker(core)
    assert len(fake_twilio.sent_to(CLIENT)) == 1


def test_messaging_service_sid_is_used_when_no_from_number(redis_url, sms_prefix,  # noqa: F811
                                                          clock, fake_twilio):  # noqa: F811
    core = make_core(redis_url, sms_prefix, clock, fake_twilio.url,
                     messaging_service_sid="MG" + "a" * 32, from_number=None)
    text(core)
    run_worker(core)
    assert fake_twilio.violations == []
    [request] = fake_twilio.requests
    assert request["MessagingServiceSid"] == "MG" + "a" * 32 and "From" not in request


@pytest.mark.parametrize(("to", "code"), [("+15005550001", "21211"), ("+15005550003", "21408"),
                                          ("+15005550009", "21614")])
def test_permanent_errors_are_recorded_not_retried(core, fake_twilio, to, code):  # noqa: F811
    text(core, to=to)
    run_worker(core)
    record = core.store.get("guidance:s1:a")
    assert record.state == State.FAILED and record.error_code == code
    assert len(fake_twilio.received) == 1


def test_21610_records_the_opt_out_and_cancels_what_is_pending(core, fake_twilio):  # noqa: F811
    opted = "+15005550004"
    text(core, to=opted)
    later = Message(key="reminder:s1:1", kind="reminder", to=opted, body="Reminder",
                    due=core.clock() + timedelta(days=14), sid="s1")
    core.schedule(later)
    run_worker(core)
    assert core.store.get("guidance:s1:a").error_code == "21610"
    assert core.store.opted_out(opted)
    assert core.store.get("reminder:s1:1").state == State.CANCELLED
    # Never texted again, even if someone asks again.
    text(core, key="guidance:s2:a", to=opted)
    run_worker(core)
    assert core.store.get("guidance:s2:a").state == State.CANCELLED
    assert len(fake_twilio.received) == 1


@pytest.mark.parametrize(("status", "code"), [(429, 20429), (500, 20500), (503, 20503)])
def test_rate_limit_and_server_errors_retry_then_send(core, fake_twilio, status, code):  # noqa: F811
    fake_twilio.fail_next(status, code, "try later")
    text(core)
    run_worker(core)  # RQ's Retry (interval 0 here) re-runs the job in the same burst
    record = core.store.get("guidance:s1:a")
    assert record.state == State.SENT and record.attempts == 2
    assert len(fake_twilio.sent_to(CLIENT)) == 1


def test_retries_give_up_after_max_attempts(core, fake_twilio):  # noqa: F811
    for _ in range(5):
        fake_twilio.fail_next(503, 20503, "down")
    text(core)
    run_worker(core)  # 1 try + 3 RQ retries; max_attempts is 3
    record = core.store.get("guidance:s1:a")
    assert record.state == State.FAILED and "gave up after 3" in record.error
    assert len(fake_twilio.received) == 3


def test_connection_refused_is_retryable(redis_url, sms_prefix, clock):  # noqa: F811
    with socket.socket() as sock:  # a port with nobody listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    core = make_core(redis_url, sms_prefix, clock, f"http://127.0.0.1:{port}")
    text(core)
    run_worker(core)
    record = core.store.get("guidance:s1:a")
    assert record.state == State.FAILED and record.attempts == 3
    assert "gave up" in record.error


def test_timeout_after_sending_is_unknown_and_never_resent(redis_url, sms_prefix,  # noqa: F811
                                                           clock, fake_twilio):  # noqa: F811
    core = make_core(redis_url, sms_prefix, clock, fake_twilio.url, timeout=0.5)
    fake_twilio.hold_numbers.add(CLIENT)
    message = text(core)
    run_worker(core)
    record = core.store.get("guidance:s1:a")
    assert record.state == State.UNKNOWN and "no answer" in record.error
    fake_twilio.hold_released.set()
    core.enqueue(message)
    clock.advance(hours=1)
    core.sweep()
    run_worker(core)
    assert len(fake_twilio.received) == 1
    assert core.store.get("guidance:s1:a").state == State.UNKNOWN


def test_outbox_without_credentials(redis_url, sms_prefix, clock):  # noqa: F811
    core = make_core(redis_url, sms_prefix, clock)
    assert isinstance(core.sender, OutboxSender)
    text(core)
    run_worker(core)
    [item] = core.store.outbox()
    assert item["to"] == CLIENT and item["body"] == "No massage today."
    record = core.store.get("guidance:s1:a")
    assert record.state == State.SENT and record.provider_id == item["id"]
