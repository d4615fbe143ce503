"""Senders behind one interface: Twilio's REST API, or the development outbox.

Errors are classified for the caller (the send job):
- RetryableError: nothing reached Twilio, or Twilio asked us to slow down (20429, 5xx) - retry
  with backoff;
- OptedOutError (21610) and PermanentError (other 4xx): record, never retry;
- OutcomeUnknown: the request may have been delivered (timeout or connection lost while
  waiting for the answer) - the Messages API has no idempotency key, so never resend blindly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import MaxRetryError, NewConnectionError

from checker.sms.outbox import Outbox
from checker.sms.settings import SmsSettings

_TWILIO_HOST = re.compile(r"^https://[A-Za-z0-9.-]*\.twilio\.com")
RETRYABLE_CODES = {20429}
OPTED_OUT = 21610


@dataclass(frozen=True)
class Outgoing:
    to: str
    body: str
    from_number: str | None = None  # the location's own number overrides the global sender
    status_callback: str | None = None


@dataclass(frozen=True)
class Sent:
    provider_id: str
    status: str


class SendError(Exception):
    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message


class RetryableError(SendError):
    """Nothing was sent (or Twilio refused for now): safe to try again later."""


class PermanentError(SendError):
    """Twilio refused this message for good (bad number, country not enabled, bad From...)."""


class OptedOutError(PermanentError):
    """The recipient opted out (21610)."""


class OutcomeUnknown(SendError):
    """The request may have reached Twilio; resending could text the person twice."""


class Sender(Protocol):
    name: str

    def send(self, message: Outgoing, now: datetime) -> Sent: ...


class OutboxSender:
    """No Twilio credentials: keep the text in the outbox for staff to read (development)."""

    name = "outbox"

    def __init__(self, outbox: Outbox):
        self.outbox = outbox

    def send(self, message: Outgoing, now: datetime) -> Sent:
        provider_id = self.outbox.add({"to": message.to, "body": message.body,
                                                "from": message.from_number or "",
                                                "at": now.isoformat()})
        return Sent(provider_id, "sent")


class RedirectingHttpClient(TwilioHttpClient):
    """Sends what would go to https://*.twilio.com to `base_url` (staging or a test fake)."""

    def __init__(self, base_url: str, timeout: float):
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def]
        return super().request(method, _TWILIO_HOST.sub(self.base_url, url), *args, **kwargs)


class TwilioSender:
    name = "twilio"

    def __init__(self, settings: SmsSettings):
        if not settings.twilio_configured:
            raise ValueError("Twilio needs an account SID, auth token and a From number or "
                             "Messaging Service SID")
        self.settings = settings
        http = (RedirectingHttpClient(settings.api_url, settings.timeout) if settings.api_url
                else TwilioHttpClient(timeout=settings.timeout))
        self.client = Client(settings.account_sid, settings.auth_token, http_client=http)

    def _params(self, message: Outgoing) -> dict[str, str]:
        params = {"to": message.to, "body": message.body}
        if message.from_number:
            params["from_"] = message.from_number
        elif self.settings.messaging_service_sid:
            params["messaging_service_sid"] = self.settings.messaging_service_sid
        else:
            params["from_"] = self.settings.from_number or ""
        if message.status_callback:
            params["status_callback"] = message.status_callback
        return params

    def send(self, message: Outgoing, now: datetime) -> Sent:
        try:
            created = self.client.messages.create(**self._params(message))
        except TwilioRestException as exc:
            raise classify(exc.status, exc.code, str(exc.msg)) from exc
        except requests.ConnectTimeout as exc:
            raise RetryableError("could not connect to Twilio (timeout)") from exc
        except requests.ConnectionError as exc:
            if _before_sending(exc):
                raise RetryableError("could not connect to Twilio") from exc
            raise OutcomeUnknown("connection lost while waiting for Twilio") from exc
        except requests.RequestException as exc:
            raise OutcomeUnknown(f"no answer from Twilio ({type(exc).__name__})") from exc
        return Sent(str(created.sid), str(created.status or "queued"))


def classify(status: int, code: int | None, message: str) -> SendError:
    """Twilio advises against logic on many codes: a small allow-list, other 4xx permanent."""
    if code == OPTED_OUT:
        return OptedOutError(message, code)
    if code in RETRYABLE_CODES or status == 429 or status >= 500:
        return RetryableError(message, code)
    return PermanentError(message, code)


def _before_sending(exc: requests.ConnectionError) -> bool:
    """True when the connection was never made (refused, DNS), so nothing was sent."""
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError)


def build_sender(settings: SmsSettings, outbox: Outbox) -> Sender:
    return TwilioSender(settings) if settings.twilio_configured else OutboxSender(outbox)
