"""Property-based HTTP fuzzing of every form and webhook, as deployed (CSRF on, SMS wired).

Random and hostile field names, values, encodings, sizes, orders, methods, tokens, Twilio
signatures and replays. Properties: no response is a 5xx (with TESTING on, an unhandled
exception fails the test directly), and afterwards every stored screening still parses and a
normal screening still completes.

Size: FUZZ_EXAMPLES (default 1700 examples per test; each example sends 1-4 requests plus
replays), which totals more than 10,000 requests over the two tests - about 40 s here. The
count is printed (run with -s) and asserted.
"""

from __future__ import annotations

import os
import string

import pytest
from browserlike import PUBLIC_BASE_URL, TWILIO_TOKEN, Fields, answer_until_done, form, start, text
from flows import DEFER, PROCEED, URGENT, sid_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from checker.questionnaire import QUESTION_IDS, QUESTIONS

pytestmark = pytest.mark.slow  # hypothesis drives hundreds of requests

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1700"))
MIN_REQUESTS_TOTAL = 10_000
COUNTS: dict[str, int] = {}

CODES = sorted({o.code for q in QUESTIONS for o in q.options})
NAMES = sorted({*QUESTION_IDS, "csrf_token", "loc", "phone", "consent", "next_day", "plan",
                "count", "appointment", "username", "password", "next", "From", "To", "Body",
                "MessageSid", "MessageStatus", "ErrorCode", "AccountSid"})
HOSTILE = ["", " ", "\x00", "%00", "../../etc/passwd", "<script>alert(1)</script>",
           "' OR 1=1 --", "{{7*7}}", "${jndi:ldap://x}", "\u202e\u0000\ufeff", "🩸" * 50,
           "+12025550143", "+15005550006", "STOP", "START", "HELP", "yes", "no", "none",
           "2031-07-14", "9999-99-99", "-1", "1e309", "NaN", "[]", "{}", "null",
           "A" * 24, "a" * 2000]

texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
names = st.one_of(st.sampled_from(NAMES), texts, st.sampled_from(HOSTILE))
values = st.one_of(st.sampled_from(CODES), st.sampled_from(HOSTILE), texts,
                   st.integers(0, 30_000).map(lambda n: "x" * n))
field_lists = st.lists(st.tuples(names, values), max_size=8)
ips = st.sampled_from([f"198.51.100.{n}" for n in range(1, 40)])
RAW_TYPES = ["application/x-www-form-urlencoded", "application/x-www-form-urlencoded; "
             "charset=latin-1", "multipart/form-data; boundary=zzz", "multipart/form-data",
             "application/json", "text/plain", "application/xml", ""]


class Target:
    """The app, its known screenings, and a browser session with a valid token."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.in_progress = sid_of(start(self.client, ip="203.0.113.1"))
        urgent_url = start(self.client, ip="203.0.113.1")
        answer_until_done(self.client, urgent_url, URGENT, ip="203.0.113.1")
        defer_url = start(self.client, ip="203.0.113.1")
        answer_until_done(self.client, defer_url, DEFER, ip="203.0.113.1")
        self.urgent, self.defer = sid_of(urgent_url), sid_of(defer_url)
        _, hidden = form(text(self.client.get("/")), 'data-action="start"')
        self.token = dict(hidden)["csrf_token"]
        self.requests = 0

    def sids(self) -> st.SearchStrategy[str]:
        return st.one_of(st.sampled_from([self.in_progress, self.urgent, self.defer]),
                         st.sampled_from(["A" * 24, "x", "%2e%2e", "A" * 80]),
                         st.text(alphabet=string.ascii_letters + "-_", min_size=1,
                                 max_size=30))

    def send(self, method: str, path: str, **kwargs):
        self.requests += 1
        response = self.client.open(path, method=method, **kwargs)
        assert response.status_code < 500, (method, path, response.status_code,
                                            text(response)[:500])
        response.close()
        return response


def form_paths(sid: str) -> list[str]:
    return (["/start", f"/s/{sid}/check", f"/s/{sid}/text-advice", f"/s/{sid}/reminders",
             "/staff/sign-in", "/staff/sign-out"]
            + [f"/s/{sid}/q/{qid}" for qid in QUESTION_IDS] + [f"/s/{sid}/q/nope"])


@st.composite
def form_requests(draw, target: Target):
    sid = draw(target.sids())
    path = draw(st.sampled_from(form_paths(sid)))
    fields = Fields(draw(field_lists))
    token = draw(st.sampled_from(["valid", "valid", "valid", "missing", "garbage"]))
    if token == "valid":
        fields.insert(draw(st.integers(0, len(fields))), ("csrf_token", target.token))
    elif token == "garbage":
        fields.append(("csrf_token", draw(values)))
    encoding = draw(st.sampled_from(["form", "form", "multipart", "raw", "query"]))
    method = draw(st.sampled_from(["POST"] * 6 + ["GET", "PUT", "DELETE", "PATCH"]))
    headers = draw(st.sampled_from([{}, {"HX-Request": "true", "HX-Boosted": "true"},
                                    {"HX-Request": "true", "HX-History-Restore-Request":
                                     "true"}, {"X-Forwarded-For": "1.2.3.4"}]))
    kwargs: dict = {"headers": headers}
    if encoding == "form":
        kwargs["data"] = fields
    elif encoding == "multipart":
        kwargs["data"] = fields
        kwargs["content_type"] = "multipart/form-data"
    elif encoding == "query":
        kwargs["query_string"] = list(fields)
    else:
        kwargs["data"] = draw(st.binary(max_size=3000))
        kwargs["content_type"] = draw(st.sampled_from(RAW_TYPES))
    return method, path, kwargs


@st.composite
def webhook_requests(draw, target: Target):
    path = draw(st.sampled_from(["/sms/inbound", "/sms/status"]))
    params = dict(draw(st.lists(st.tuples(names, values.map(lambda v: v[:500])),
                                max_size=8)))
    if draw(st.booleans()):
        params.setdefault("From", draw(st.sampled_from(["+12025550143", "+15005550006"])))
        params.setdefault("MessageSid", "SM" + draw(st.text("0123456789abcdef", min_size=32,
                                                            max_size=32)))
    signature = draw(st.sampled_from(["valid", "valid", "missing", "garbage"]))
    headers = {}
    if signature == "valid":
        headers["X-Twilio-Signature"] = RequestValidator(TWILIO_TOKEN).compute_signature(
            PUBLIC_BASE_URL + path, params)
    elif signature == "garbage":
        # Any value an HTTP header can carry (no control characters).
        headers["X-Twilio-Signature"] = draw(st.text(string.ascii_letters + string.digits
                                                     + string.punctuation + " ", max_size=60))
    return "POST", path, {"data": params, "headers": headers}


def _run(target: Target, strategy) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(strategy(target), min_size=1, max_size=4), ips,
           st.integers(0, 2))
    def fuzz(batch, ip, replays):
        for method, path, kwargs in batch:
            for _ in range(1 + replays):
                target.send(method, path, environ_base={"REMOTE_ADDR": ip}, **kwargs)

    fuzz()


def _still_healthy(target: Target) -> None:
    """No state corruption: every stored screening parses; a normal screening completes."""
    store = target.app.extensions["clotcheck"].store
    keys = list(store.redis.scan_iter(match=f"{store.prefix}*:screening"))
    assert keys
    for key in keys:
        sid = key.decode()[len(store.prefix) + 1:].split("}")[0]
        assert store.load(sid) is not None, sid
    client = target.app.test_client()
    page = answer_until_done(client, start(client, ip="203.0.113.200"), PROCEED,
                             ip="203.0.113.200")
    assert 'data-outcome="proceed"' in page
    assert store.load(target.urgent).outcome.level.value == "urgent"


def test_fuzz_forms(deployed):
    target = Target(deployed)
    _run(target, form_requests)
    _still_healthy(target)
    COUNTS["forms"] = target.requests
    print(f"\nfuzz: {target.requests} form requests")
    assert target.requests >= EXAMPLES


def test_fuzz_webhooks_and_query_strings(deployed):
    target = Target(deployed)

    @st.composite
    def mixed(draw, target):
        if draw(st.integers(0, 3)) == 0:
            sid = draw(target.sids())
            path = draw(st.sampled_from(form_paths(sid) + ["/", "/advice", "/healthz",
                                                           f"/s/{sid}/outcome",
                                                           "/poster/main", "/staff/"]))
            query = draw(st.lists(st.tuples(names, values.map(lambda v: v[:300])),
                                  max_size=5))
            return "GET", path, {"query_string": query}
        return draw(webhook_requests(target))

    _run(target, mixed)
    _still_healthy(target)
    COUNTS["webhooks"] = target.requests
    print(f"\nfuzz: {target.requests} webhook and GET requests")
    assert target.requests >= EXAMPLES
    if "forms" in COUNTS and EXAMPLES >= 1700:
        total = sum(COUNTS.values())
        print(f"fuzz: {total} requests in total, no 5xx")
        assert total >= MIN_REQUESTS_TOTAL


@pytest.fixture(autouse=True)
def _quiet_logs(caplog):
    # Thousands of expected warnings (CSRF, limits, bad signatures) need not be kept.
    caplog.set_level("ERROR")
