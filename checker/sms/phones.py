"""Phone numbers: parse what people type into E.164, and keep numbers out of logs."""

from __future__ import annotations

import re

import phonenumbers

from checker.catalog import N_

# Anything that could be a phone number in free text (Twilio's error messages quote the To).
_NUMBER_LIKE = re.compile(r"\+?\d[\d\s().-]{5,}\d")


class PhoneError(ValueError):
    """The number cannot be texted; the message is for the person who typed it.

    str() is the English text; pages translate `msgid` and fill in `params`.
    """

    def __init__(self, msgid: str, **params: str) -> None:
        super().__init__(msgid % params if params else msgid)
        self.msgid = msgid
        self.params = params


def parse_phone(text: str, default_region: str, allowed: frozenset[str]) -> str:
    """E.164 form of `text`, or PhoneError with client wording."""
    text = (text or "").strip()
    if not text:
        raise PhoneError(N_("Enter a mobile phone number"))
    if len(text) > 32:
        raise PhoneError(N_("Enter a mobile phone number, like 202 555 0143"))
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as exc:
        raise PhoneError(N_("Enter a mobile phone number, like 202 555 0143")) from exc
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(N_("Enter a real mobile phone number, like 202 555 0143"))
    if phonenumbers.region_code_for_number(number) not in allowed:
        raise PhoneError(N_("We can only send texts to numbers in %(countries)s"),
                         countries=", ".join(sorted(allowed)))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask(phone: str) -> str:
    """`+12025550143` -> `+1 ••• ••• 0143`: enough for staff to tell numbers apart (logs use
    the number's keyed tag instead, see `log_ref`)."""
    if len(phone) < 6:
        return "•••"
    return f"{phone[:2]} ••• ••• {phone[-4:]}"


def log_ref(tag: str) -> str:
    """How logs name a number: a short prefix of its keyed tag (no digit of the number)."""
    return f"#{tag[:8]}"


def redact(text: str) -> str:
    """`text` with anything number-like replaced, for logs of third-party error messages."""
    return _NUMBER_LIKE.sub("[number]", text)
