"""A local fake of Twilio's Messages API (its fixture, `fake_twilio`, is in conftest.py).

The fake is a small threaded HTTP server. Every request is checked against Twilio's published
OpenAPI description (`../shared/twilio/twilio_api_v2010.json`): path and AccountSid pattern,
HTTP Basic auth, form encoding, only known form fields (plus MessageIntent, which twilio 9.13
sends), the required ones, and From or MessagingServiceSid. It answers Twilio-shaped bodies and
uses Twilio's magic test numbers for errors. Violations are collected: tests assert none.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

SPEC_PATH = Path(__file__).resolve().parents[2] / "shared" / "twilio" / "twilio_api_v2010.json"
if not SPEC_PATH.exists():  # a fresh clone next to ../shared, or the shared copy
    SPEC_PATH = Path("/work/shared/twilio/twilio_api_v2010.json")
MESSAGES_PATH = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
EXTRA_FIELDS = {"MessageIntent"}

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "f" * 32
FROM_NUMBER = "+15005550006"
MAGIC_ERRORS = {  # Twilio's test-credential magic To numbers
    "+15005550001": (21211, "The 'To' number is not a valid phone number."),
    "+15005550002": (21612, "The 'To' phone number is not currently reachable via SMS."),
    "+15005550003": (21408, "Permission to send an SMS has not been enabled for the region."),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (21614, "'To' number is not a valid mobile number"),
}


def _load_spec() -> tuple[re.Pattern[str], set[str], set[str], dict]:
    spec = json.loads(SPEC_PATH.read_text())
    operation = spec["paths"][MESSAGES_PATH]["post"]
    param = next(p for p in operation["parameters"] if p["name"] == "AccountSid")
    schema = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    return (re.compile(param["schema"]["pattern"]), set(schema["properties"]) | EXTRA_FIELDS,
            set(schema.get("required", [])), schema["properties"])


ACCOUNT_PATTERN, KNOWN_FIELDS, REQUIRED_FIELDS, PROPERTIES = _load_spec()


@dataclass
class FakeTwilio:
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    requests: list[dict] = field(default_factory=list)  # accepted (2xx) message creations
    received: list[dict] = field(default_factory=list)  # every valid request, answered or not
    violations: list[str] = field(default_factory=list)
    # (client address, port) of the TCP connection of each valid request: shows reuse.
    connections: list[tuple[str, int]] = field(default_factory=list)
    arrival_times: list[float] = field(default_factory=list)  # time.monotonic() per request
    planned: list[tuple[int, int, str]] = field(default_factory=list)  # next answers
    hold_numbers: set[str] = field(default_factory=set)
    hold_released: threading.Event = field(default_factory=threading.Event)
    request_arrived: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def fail_next(self, status: int, code: int, message: str = "error") -> None:
        self.planned.append((status, code, message))

    def sent_to(self, phone: str) -> list[dict]:
        return [r for r in self.requests if r.get("To") == phone]

    def check(self, handler: BaseHTTPRequestHandler, body: bytes) -> dict | str:
        """The request's form fields, or a description of what Twilio would reject."""
        match = re.fullmatch(r"/2010-04-01/Accounts/([^/]+)/Messages\.json", handler.path)
        if handler.command != "POST" or not match:
            return f"unknown operation {handler.command} {handler.path}"
        if not ACCOUNT_PATTERN.fullmatch(match.group(1)):
            return f"AccountSid {match.group(1)!r} does not match the spec pattern"
        expected = "Basic " + base64.b64encode(
            f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if handler.headers.get("Authorization") != expected or match.group(1) != self.account_sid:
            return "auth"
        if not handler.headers.get("Content-Type", "").startswith(
                "application/x-www-form-urlencoded"):
            return "body is not application/x-www-form-urlencoded"
        raw = parse_qs(body.decode(), keep_blank_values=True, strict_parsing=False)
        form = {k: v[-1] for k, v in raw.items()}
        unknown = set(form) - KNOWN_FIELDS
        if unknown:
            return f"unknown form fields {sorted(unknown)}"
        missing = REQUIRED_FIELDS - set(form)
        if missing:
            return f"missing required fields {sorted(missing)}"
        if not ({"From", "MessagingServiceSid"} & set(form)):
            return "neither From nor MessagingServiceSid"
        if not ({"Body", "MediaUrl", "ContentSid"} & set(form)):
            return "no Body"
        sid = form.get("MessagingServiceSid")
        if sid and not re.fullmatch(PROPERTIES["MessagingServiceSid"]["pattern"], sid):
            return "MessagingServiceSid does not match the spec pattern"
        for name in ("To", "From"):
            if name in form and not re.fullmatch(r"\+[1-9][0-9]{6,14}", form[name]):
                return f"{name} is not E.164"
        return form


class _Handler(BaseHTTPRequestHandler):
    fake: FakeTwilio
    protocol_version = "HTTP/1.1"  # keep-alive, as Twilio's API: clients may reuse connections
    # Headers and body go out as two writes: without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK add ~40 ms to every answer on a kept-alive connection.
    disable_nagle_algorithm = True

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def _answer(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client went away (timeout or killed worker)

    def _error(self, status: int, code: int, message: str) -> None:
        self._answer(status, {"code": code, "message": message, "status": status,
                              "more_info": f"https://www.twilio.com/docs/errors/{code}"})

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        fake = self.fake
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        checked = fake.check(self, body)
        if checked == "auth":
            self._error(401, 20003, "Authenticate")
            return
        if isinstance(checked, str):
            with fake.lock:
                fake.violations.append(checked)
            self._error(400, 21601, checked)  # any 4xx the sender must treat as permanent
            return
        with fake.lock:
            fake.received.append(checked)
            fake.connections.append(self.client_address[:2])
            fake.arrival_times.append(time.monotonic())
            planned = fake.planned.pop(0) if fake.planned else None
        fake.request_arrived.set()
        if checked["To"] in fake.hold_numbers:
            fake.hold_released.wait(30)
        if planned:
            self._error(*planned)
            return
        if checked["To"] in MAGIC_ERRORS:
            self._error(400, *MAGIC_ERRORS[checked["To"]])
            return
        sid = "SM" + secrets.token_hex(16)
        with fake.lock:
            fake.requests.append({**checked, "sid": sid})
        now = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
        self._answer(201, {
            "sid": sid, "account_sid": fake.account_sid, "api_version": "2010-04-01",
            "to": checked["To"], "from": checked.get("From"), "body": checked.get("Body"),
            "messaging_service_sid": checked.get("MessagingServiceSid"), "status": "queued",
            "direction": "outbound-api", "num_segments": "1", "num_media": "0",
            "date_created": now, "date_updated": now, "date_sent": None, "error_code": None,
            "error_message": None, "price": None, "price_unit": "USD",
            "uri": f"/2010-04-01/Accounts/{fake.account_sid}/Messages/{sid}.json",
            "subresource_uris": {}})


def start_fake_twilio() -> FakeTwilio:
    fake = FakeTwilio()
    handler = type("Handler", (_Handler,), {"fake": fake})
    fake.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    fake.server.daemon_threads = True
    threading.Thread(target=fake.server.serve_forever, daemon=True).start()
    return fake
