"""Nothing personal or clinical at rest in Redis or in logs, across SMS, opt-outs and check-ins;
opt-outs survive key rotation; the worker builds the same keys from its environment.

Every test reads the raw Redis values under its own key prefix (and the RQ jobs of its queue).
"""

from __future__ import annotations

import logging
import zlib
from datetime import UTC, date, datetime

import pytest
import redis
from browserlike import KEY_A, KEY_B
from fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER
from flows import DEFER, URGENT, finish
from redis_keys import delete_sms_keys
from rq import SimpleWorker
from sms_support import Clock, dispatcher, run_worker
from staff_support import board_day
from twilio.request_validator import RequestValidator

from checker.checkins import local_day
from checker.crypto import Crypto, key_id, new_key, parse_keys
from checker.outcome import Level
from checker.questionnaire import QUESTIONS
from checker.services import keys
from checker.settings import ProductionConfigError, Settings
from checker.sms import worker
from checker.sms.messages import Message, State
from checker.sms.phones import redact
from checker.wording import FLAG_TEXT

TOKEN = "t" * 32
BASE = "https://clinic.example"
STAFF = "+12025550100"
ADVICE = "+12025550143"  # asks for the seek-care advice (urgent)
REMINDED = "+12025550178"  # asks for reminders (defer), then texts STOP


def forms(e164: str) -> list[str]:
    national = e164[2:]
    return [e164, national, f"{national[:3]}-{national[3:6]}-{national[6:]}",
            f"({national[:3]}) {national[3:6]}-{national[6:]}", f"{national[3:6]}-{national[6:]}",
            national[3:]]


# A cleared clot in the left leg: the outcome and the check-in name the limb (v2).
MODIFIED = {**DEFER, "clot_history": "yes", "clot_when": "over_12_months",
            "clot_clearance": "yes", "lasting_symptoms": "no", "clot_side": ["left_leg"],
            "medicines": ["anticoagulant"], "bleeding_signs": "no"}
PHONES = [form for number in (STAFF, ADVICE, REMINDED) for form in forms(number)]
# Answer codes, question ids and flag codes long enough never to turn up by chance in base64.
CODES = sorted({o.code for q in QUESTIONS for o in q.options if len(o.code) >= 6}
               | {q.id for q in QUESTIONS} | {f for f in FLAG_TEXT if len(f) >= 6})


def make_app(app_config: dict, clock: Clock, **extra: object):
    from checker.web import create_app

    return create_app({**app_config, "STAFF_ALERT_NUMBERS": STAFF,
                       "CLINIC_TIMEZONE": "America/New_York", "PUBLIC_BASE_URL": BASE,
                       "TWILIO_AUTH_TOKEN": TOKEN, "ENCRYPTION_KEYS": KEY_A, **extra},
                      clock=clock)


@pytest.fixture
def cleanup(redis_url, key_prefix, redis_client):
    yield
    delete_sms_keys(redis_url, key_prefix)


def reply(client, body: str, phone: str):
    data = {"From": phone, "To": "+15005550006", "Body": body, "MessageSid": "SM" + "1" * 32}
    signature = RequestValidator(TOKEN).compute_signature(BASE + "/sms/inbound", data)
    response = client.post("/sms/inbound", data=data, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200


def raw_dump(client: redis.Redis, prefix: str) -> str:
    """Every key name and value under `prefix`, plus the RQ jobs of its SMS queue."""
    parts = []
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        kind = client.type(key).decode()
        parts.append(key.decode())
        if kind == "string":
            parts.append(client.get(key).decode(errors="replace"))
        elif kind == "hash":
            parts += [f"{k.decode()}={v.decode(errors='replace')}"
                      for k, v in client.hgetall(key).items()]
        elif kind == "list":
            parts += [v.decode(errors="replace") for v in client.lrange(key, 0, -1)]
        elif kind == "set":
            parts += [v.decode(errors="replace") for v in client.smembers(key)]
        elif kind == "zset":
            parts += [v.decode(errors="replace") for v in client.zrange(key, 0, -1)]
    slug = "".join(c for c in prefix if c.isalnum() or c in "_-")
    for key in client.scan_iter(match=f"rq:job:{slug}-sms-*", count=1000):
        for name, value in client.hgetall(key).items():
            if name == b"data":
                value = zlib.decompress(value)
            parts.append(value.decode(errors="replace"))
    return "\n".join(parts)


def leaks(text: str, needles: list[str]) -> list[str]:
    return [n for n in needles if n in text]


def today(app) -> str:
    """The board's day: check-ins are filed by the real finish time (not the SMS clock)."""
    return local_day(datetime.now(UTC), app.extensions["clotcheck"].locations.default.tz)


def all_flows(app, clock: Clock) -> tuple[str, str]:
    """An urgent screening with advice by text, a defer one with reminders, a modified one,
    replies (STOP, CLEARED, other), staff alerts, the sends, and a clearance recorded by staff."""
    web = app.test_client()
    urgent = finish(web, URGENT)
    assert web.post(f"/s/{urgent}/text-advice", data={
        "phone": "(202) 555-0143", "consent": "yes", "next_day": "yes"}).status_code == 303
    defer = finish(web, DEFER)
    assert web.post(f"/s/{defer}/reminders", data={
        "phone": "202-555-0178", "consent": "yes", "plan": "2w", "count": "3"}).status_code == 303
    finish(web, MODIFIED)  # a check-in with therapist flags
    run_worker(app)
    reply(web, "STOP", REMINDED)
    reply(web, "CLEARED", ADVICE)
    reply(web, "what is this", ADVICE)
    run_worker(app)
    book = app.extensions["clotcheck"].checkins
    board = book.day("main", today(app))
    assert {c.level for c in board} == {Level.URGENT, Level.DEFER, Level.MODIFIED}
    assert any(c.flags for c in board)
    assert any(c.limbs == (("no_deep_affected_limb", ("left_leg",)),) for c in board)
    deferred = next(c for c in board if c.level == Level.DEFER)
    assert book.record_clearance(deferred.id, date(2031, 6, 1), "Avoid the left calf", "alice")
    return urgent, defer


def test_nothing_personal_or_clinical_in_redis_or_logs(app_config, clock, cleanup, caplog,
                                                       redis_client, key_prefix):
    caplog.set_level(logging.DEBUG)
    app = make_app(app_config, clock)
    sms = app.extensions["clotcheck"].sms
    urgent, defer = all_flows(app, clock)

    # What happened really happened (and reads back decrypted) ...
    assert sms.opted_out(REMINDED) and not sms.opted_out(ADVICE)
    texts = sms.records.recent(100)
    assert {m.to for m in texts} == {STAFF, ADVICE, REMINDED}
    assert [m.state for m in texts if m.to == REMINDED] == [State.CANCELLED] * 3
    assert any(m.kind == "guidance" and m.state == State.SENT and "medical help" in m.body
               for m in texts)
    outbox = sms.outbox()
    assert {i["to"] for i in outbox} == {STAFF, ADVICE} and len(outbox) >= 5
    assert sms.clearance_note(urgent)
    board = board_day(app, "main", today(app))
    assert any(c.clearance and c.clearance.limits == "Avoid the left calf" for c in board)

    # ... and none of it is readable at rest.
    dump = raw_dump(redis_client, key_prefix)
    assert "v1." in dump and len(dump) > 2000
    body_words = ["medical help", "Test Clinic", "Avoid the left calf", "bring the letter",
                  "urgent", "defer", "emergency", "modified"]
    assert leaks(dump, PHONES) == []
    assert leaks(dump, CODES) == []
    assert leaks(dump, body_words) == []

    lines = [caplog.handler.format(r) for r in caplog.records]
    assert any("sms guidance sent to #" in line for line in lines)  # the sends are logged
    assert leaks("\n".join(lines), PHONES) == []
    assert leaks("\n".join(lines), CODES) == []


def test_twilio_errors_quoting_the_number_are_kept_encrypted_and_logged_redacted(
        redis_url, sms_prefix, clock, fake_twilio, caplog):
    caplog.set_level(logging.DEBUG)
    core = dispatcher({}, clock, REDIS_URL=redis_url, REDIS_KEY_PREFIX=sms_prefix,
                      SECRET_KEY="at rest", ENCRYPTION_KEYS=KEY_A,
                      TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                      TWILIO_FROM_NUMBER=FROM_NUMBER, TWILIO_API_URL=fake_twilio.url)
    fake_twilio.fail_next(400, 21211, f"The 'To' number {ADVICE} is not a valid phone number.")
    core.schedule(Message(key="guidance:s9:x", kind="guidance", to=ADVICE, body="Advice",
                          due=clock(), sid="s9"))
    SimpleWorker([core.queue], connection=core.redis).work(burst=True)
    message = core.messages.get("guidance:s9:x")
    assert message.state == State.FAILED and ADVICE in message.error  # staff can read it
    client = redis.Redis.from_url(redis_url)
    dump = raw_dump(client, sms_prefix)
    assert leaks(dump, forms(ADVICE)) == []
    lines = "\n".join(caplog.handler.format(r) for r in caplog.records)
    assert "not a valid phone number" in lines and leaks(lines, forms(ADVICE)) == []
    assert redact("call +1 (202) 555-0143 now") == "call [number] now"


# -- opt-outs and key rotation ---------------------------------------------------------------

def optout_tokens(app) -> dict[bytes, bytes]:
    optouts = app.extensions["clotcheck"].sms.optouts
    return optouts.redis.hgetall(optouts.key)


def test_opt_outs_survive_encryption_key_rotation(app_config, clock, cleanup):
    before = make_app(app_config, clock, ENCRYPTION_KEYS=KEY_A)
    reply(before.test_client(), "STOP", REMINDED)
    [token] = optout_tokens(before).values()
    assert token.split(b".")[1].decode() == key_id(parse_keys(KEY_A)[0])

    # New key first: still opted out, and the entry is re-encrypted with the new key.
    rotated = make_app(app_config, clock, ENCRYPTION_KEYS=f"{KEY_B},{KEY_A}")
    assert rotated.extensions["clotcheck"].sms.opted_out(REMINDED)
    [token] = optout_tokens(rotated).values()
    assert token.split(b".")[1].decode() == key_id(parse_keys(KEY_B)[0])

    # The old key dropped: the tag does not depend on it, so the number stays opted out, the
    # form refuses it, and a text scheduled anyway is cancelled at the claim, never sent.
    only_new = make_app(app_config, clock, ENCRYPTION_KEYS=KEY_B)
    sms = only_new.extensions["clotcheck"].sms
    assert sms.opted_out(REMINDED)
    web = only_new.test_client()
    sid = finish(web, DEFER)
    page = web.post(f"/s/{sid}/reminders", data={"phone": REMINDED, "consent": "yes",
                                                 "plan": "2w", "count": "1"})
    assert page.status_code == 400 and b"asked us not to text" in page.data
    sms.dispatcher.schedule(Message(key="guidance:direct:1", kind="guidance", to=REMINDED,
                              body="Advice", due=clock()))
    run_worker(only_new)
    assert sms.records.get("guidance:direct:1").state == State.CANCELLED
    assert not [i for i in sms.outbox() if i["to"] == REMINDED]


def test_opt_outs_are_carried_over_when_the_tag_key_changes(app_config, clock, cleanup):
    first = make_app(app_config, clock, SECRET_KEY="first secret")
    reply(first.test_client(), "STOP", REMINDED)
    old_key = first.extensions["clotcheck"].sms.optouts.key
    # SECRET_KEY changed (the tag key is derived from it): re-tagged from the encrypted number.
    second = make_app(app_config, clock, SECRET_KEY="second secret")
    sms = second.extensions["clotcheck"].sms
    assert sms.optouts.key != old_key and sms.opted_out(REMINDED)
    assert not sms.optouts.redis.exists(old_key)
    # Then an explicit PHONE_TAG_KEY: carried over again; START removes it for good.
    third = make_app(app_config, clock, SECRET_KEY="second secret", PHONE_TAG_KEY=new_key())
    assert third.extensions["clotcheck"].sms.opted_out(REMINDED)
    reply(third.test_client(), "START", REMINDED)
    assert not third.extensions["clotcheck"].sms.opted_out(REMINDED)


def test_plain_opt_out_list_from_before_encryption_is_migrated(app_config, clock, cleanup,
                                                               redis_client, key_prefix):
    legacy = f"{key_prefix}{{sms}}:optout"
    redis_client.sadd(legacy, REMINDED)
    app = make_app(app_config, clock)
    assert app.extensions["clotcheck"].sms.opted_out(REMINDED)
    assert not redis_client.exists(legacy)
    assert leaks(raw_dump(redis_client, key_prefix), forms(REMINDED)) == []


def test_an_opt_out_list_that_does_not_decrypt_is_kept_not_lost(app_config, clock, cleanup):
    first = make_app(app_config, clock, SECRET_KEY="first secret", ENCRYPTION_KEYS=KEY_A)
    reply(first.test_client(), "STOP", REMINDED)
    old_key = first.extensions["clotcheck"].sms.optouts.key
    # Tag key and encryption key both changed: nothing to re-tag from, so keep it for later.
    lost = make_app(app_config, clock, SECRET_KEY="other secret", ENCRYPTION_KEYS=KEY_B)
    assert lost.extensions["clotcheck"].sms.optouts.redis.exists(old_key)
    # With the old encryption key back (listed second), the next start recovers it.
    back = make_app(app_config, clock, SECRET_KEY="other secret",
                    ENCRYPTION_KEYS=f"{KEY_B},{KEY_A}")
    assert back.extensions["clotcheck"].sms.opted_out(REMINDED)


# -- the worker's keys -----------------------------------------------------------------------

def test_worker_keys_from_the_environment_match_the_web_app(app_config, clock, cleanup):
    tag_key = new_key()
    app = make_app(app_config, clock, SECRET_KEY="shared secret", PHONE_TAG_KEY=tag_key)
    env = {"ENCRYPTION_KEYS": KEY_A, "SECRET_KEY": "shared secret", "PHONE_TAG_KEY": tag_key}
    crypto, tagger = keys(Settings.from_env(env))
    assert tagger.tag(ADVICE) == app.extensions["clotcheck"].sms.tag(ADVICE)
    token = app.extensions["clotcheck"].crypto.encrypt(ADVICE, "ctx")
    assert crypto.decrypt(token, "ctx") == ADVICE
    # Without PHONE_TAG_KEY both derive it from the same SECRET_KEY.
    plain_app = make_app(app_config, clock, SECRET_KEY="shared secret")
    _, derived = keys(Settings.from_env({"SECRET_KEY": "shared secret"}))
    assert derived.tag(ADVICE) == plain_app.extensions["clotcheck"].sms.tag(ADVICE)


def test_worker_refuses_to_start_in_production_without_keys(monkeypatch, capsys):
    for name in ("ENCRYPTION_KEYS", "SECRET_KEY", "PHONE_TAG_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLOTCHECK_ENV", "production")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # never reached
    assert worker.main(["--burst"]) == 2
    err = capsys.readouterr().err
    assert "ENCRYPTION_KEYS is not set" in err and "PHONE_TAG_KEY" in err
    with pytest.raises(ProductionConfigError):
        Settings.from_env({"CLOTCHECK_ENV": "production", "SECRET_KEY": "x" * 40})


def test_development_worker_without_secret_uses_the_instance_secret(tmp_path):
    environ = {"INSTANCE_PATH": str(tmp_path)}
    crypto, tagger = keys(Settings.from_env(environ))
    again_crypto, again_tagger = keys(Settings.from_env(environ))
    assert (tmp_path / "secret_key").exists()
    assert again_tagger.tag(ADVICE) == tagger.tag(ADVICE)
    assert again_crypto.decrypt(crypto.encrypt("x", "c"), "c") == "x"
    assert isinstance(crypto, Crypto)


def test_production_refuses_a_malformed_phone_tag_key(app_config, monkeypatch):
    from checker.settings import ProductionConfigError
    from checker.web import create_app

    monkeypatch.delenv("PHONE_TAG_KEY", raising=False)
    config = {**app_config, "CLOTCHECK_ENV": "production", "SECRET_KEY": "s" * 40,
              "ENCRYPTION_KEYS": KEY_A, "WTF_CSRF_ENABLED": True}
    with pytest.raises(ProductionConfigError, match="PHONE_TAG_KEY must be 32 bytes"):
        create_app({**config, "PHONE_TAG_KEY": "c2hvcnQ="})
