"""Data protection: answers encrypted at rest (with key rotation), nothing clinical or personal
in any log record or access-log line."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from browserlike import KEY_A, KEY_B, answer_until_done, deployed_app, form, start, text
from flows import MODIFIED, URGENT, sid_of
from gunicorn.config import Config
from gunicorn.glogging import Logger

from checker.crypto import Crypto, CryptoError, DecryptError, key_id, new_key, parse_keys
from checker.questionnaire import QUESTIONS

PHONE = "+12025550143"
PHONE_FORMS = (PHONE, "2025550143", "202-555-0143", "(202) 555-0143", "555-0143")
PASSWORD = "correct horse battery staple"
# Answer codes and question ids long enough never to turn up by chance in base64 text.
SECRETS = sorted({o.code for q in QUESTIONS for o in q.options if len(o.code) >= 6}
                 | {q.id for q in QUESTIONS})


def raw_screening(app, sid: str) -> dict[str, str]:
    store = app.extensions["clotcheck"].store
    return {k.decode(): v.decode() for k, v in store.redis.hgetall(store.key(sid)).items()}


# -- crypto unit ---------------------------------------------------------------------------

def test_tokens_round_trip_bind_their_context_and_detect_tampering():
    crypto = Crypto(parse_keys(KEY_A))
    token = crypto.encrypt('{"medicines": ["anticoagulant"]}', "sid1:answers")
    assert token.startswith(f"v1.{key_id(parse_keys(KEY_A)[0])}.")
    assert "anticoagulant" not in token
    assert crypto.decrypt(token, "sid1:answers") == '{"medicines": ["anticoagulant"]}'
    assert crypto.encrypt("same", "c") != crypto.encrypt("same", "c")  # fresh nonce each time
    with pytest.raises(DecryptError):
        crypto.decrypt(token, "sid2:answers")  # moved to another screening
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(DecryptError):
        crypto.decrypt(flipped, "sid1:answers")
    with pytest.raises(DecryptError):
        Crypto(parse_keys(KEY_B)).decrypt(token, "sid1:answers")  # unknown key


def test_rotation_new_key_first_old_keys_still_decrypt():
    old = Crypto(parse_keys(KEY_A))
    token = old.encrypt("answers", "ctx")
    rotated = Crypto(parse_keys(f"{KEY_B}, {KEY_A}"))
    assert rotated.decrypt(token, "ctx") == "answers"
    assert rotated.needs_rewrap(token)
    fresh = rotated.encrypt("answers", "ctx")
    assert not rotated.needs_rewrap(fresh)
    assert fresh.split(".")[1] == key_id(parse_keys(KEY_B)[0])


def test_bad_keys_are_reported_without_their_value():
    for text_ in ("", "not base64!!", "c2hvcnQ=", f"{new_key()},abc"):
        with pytest.raises(CryptoError) as caught:
            parse_keys(text_)
        assert "abc" not in str(caught.value) or "key" in str(caught.value)


# -- at rest in Redis ----------------------------------------------------------------------

def test_no_answer_appears_in_plaintext_in_redis(deployed):
    client = deployed.test_client()
    url = start(client)
    sid = sid_of(url)
    page = answer_until_done(client, url, MODIFIED)
    assert 'data-outcome="modified"' in page
    raw = raw_screening(deployed, sid)
    assert Crypto.is_token(raw["answers"]) and Crypto.is_token(raw["outcome"])
    blob = "\n".join(f"{k}={v}" for k, v in raw.items())
    found = [s for s in SECRETS if s in blob]
    assert found == [], found
    assert "modified" not in blob and "light_pressure" not in blob
    # ... and so is every screening hash under the prefix.
    store = deployed.extensions["clotcheck"].store
    for key in store.redis.scan_iter(match=f"{store.prefix}*:screening"):
        values = b" ".join(store.redis.hvals(key)).decode(errors="replace")
        assert not [s for s in SECRETS if s in values], key
    # The stored tokens really hold the answers.
    crypto = deployed.extensions["clotcheck"].crypto
    assert "anticoagulant" in crypto.decrypt(raw["answers"], f"{sid}:answers")


def test_rotated_key_still_reads_old_screenings_and_rewrites_with_the_new_key(app_config):
    before = deployed_app(app_config, ENCRYPTION_KEYS=KEY_A)
    client = before.test_client()
    url = start(client)
    sid = sid_of(url)
    _, hidden = form(text(client.get(url)), "data-question")
    client.post(url, data=hidden + [("emergency_now", "none")])
    old_token = raw_screening(before, sid)["answers"]
    assert old_token.split(".")[1] == key_id(parse_keys(KEY_A)[0])

    after = deployed_app(app_config, ENCRYPTION_KEYS=f"{KEY_B},{KEY_A}")
    client2 = after.test_client()
    client2.set_cookie("session", client.get_cookie("session").value)  # same browser
    page = answer_until_done(client2, f"/s/{sid}/q/emergency_recent", URGENT)
    assert 'data-outcome="urgent"' in page
    new_token = raw_screening(after, sid)["answers"]
    assert new_token.split(".")[1] == key_id(parse_keys(KEY_B)[0])

    # With the old key dropped too early, an old token is unreadable: the check has "ended"
    # (404 page), never a crash and never guessed answers.
    before2 = deployed_app(app_config, ENCRYPTION_KEYS=KEY_A)
    other = before2.test_client()
    url2 = start(other)
    only_new = deployed_app(app_config, ENCRYPTION_KEYS=KEY_B).test_client()
    assert only_new.get(url2).status_code == 404


def test_a_token_copied_to_another_screening_does_not_decrypt(deployed):
    client = deployed.test_client()
    first, second = start(client), start(client)
    answer_until_done(client, first, URGENT)
    store = deployed.extensions["clotcheck"].store
    stolen = store.redis.hget(store.key(sid_of(first)), "answers")
    store.redis.hset(store.key(sid_of(second)), "answers", stolen)
    assert client.get(second).status_code == 404


# -- logs ----------------------------------------------------------------------------------

class AccessLog:
    """Gunicorn's own access-log formatting (its default format) of every request."""

    def __init__(self, app, handler: logging.Handler):
        self.logger = Logger(Config())
        self.logger.cfg.set("accesslog", "-")
        self.logger.setup(self.logger.cfg)
        self.logger.access_log.addHandler(handler)
        self.inner = app.wsgi_app
        app.wsgi_app = self

    def __call__(self, environ, start_response):
        environ.setdefault("RAW_URI", environ.get("PATH_INFO", "") + (
            "?" + environ["QUERY_STRING"] if environ.get("QUERY_STRING") else ""))
        seen = {}

        def recording(status, headers, exc_info=None):
            seen.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        body = b"".join(self.inner(environ, recording))
        resp = SimpleNamespace(status=seen["status"], sent=len(body), headers=seen["headers"])
        self.logger.access(resp, [], environ, timedelta(milliseconds=1))
        return [body]


def test_nothing_clinical_or_personal_in_any_log(deployed, caplog):
    caplog.set_level(logging.DEBUG)
    AccessLog(deployed, caplog.handler)
    accounts = deployed.extensions["clotcheck"].staff
    accounts.add("alice", PASSWORD)
    client = deployed.test_client()
    # An urgent screening, a text to a phone number (good and bad forms), a reply from the
    # phone, a wrong and a right staff sign-in, and a Redis error on the way.
    url = start(client)
    sid = sid_of(url)
    _, hidden = form(text(client.get(url)), "data-question")
    client.post(url, data=hidden + [("emergency_now", ["chest_pain", "none"])])  # 400
    answer_until_done(client, url, URGENT)
    _, hidden = form(text(client.get(f"/s/{sid}/text-advice")), "text-advice")
    client.post(f"/s/{sid}/text-advice", data=hidden + [("phone", "(202) 555-01"),
                                                         ("consent", "yes")])
    client.post(f"/s/{sid}/text-advice", data=hidden + [("phone", PHONE), ("consent", "yes")])
    staff = deployed.test_client()
    for password in ("wrong password", PASSWORD):
        _, hidden = form(text(staff.get("/staff/sign-in")), "data-staff-sign-in")
        staff.post("/staff/sign-in", data=hidden + [("username", "alice"),
                                                    ("password", password)])
    staff.get("/staff/messages")
    logging.getLogger("checker").debug("debug logging is captured too")
    lines = [caplog.handler.format(r) for r in caplog.records]
    assert any("debug logging is captured too" in line for line in lines)
    assert any("GET /s/" in line for line in lines)  # access lines are in there
    assert len(lines) >= 15
    leaks = [(needle, line) for line in lines
             for needle in (*PHONE_FORMS, PASSWORD, "wrong password", *SECRETS,
                            "chest_pain", "being_checked")
             if needle in line and not _is_url_part(needle, line)]
    assert leaks == []


def _is_url_part(needle: str, line: str) -> bool:
    """Question ids appear in our own URLs (/s/<sid>/q/<qid>): acceptable, as agreed."""
    return bool(re.search(r"/s/[A-Za-z0-9_-]+/q/" + re.escape(needle) + r"\b", line)) and \
        not re.search(r"(?<!/q/)\b" + re.escape(needle) + r"\b",
                      re.sub(r"/q/[a-z_]+", "", line))
