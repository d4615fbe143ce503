"""SMS settings: part of checker.settings.Settings (read once from the environment there)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar


def _ints(value: object, default: tuple[int, ...]) -> tuple[int, ...]:
    if value in (None, ""):
        return default
    if isinstance(value, str):
        return tuple(int(part) for part in value.split(",") if part.strip())
    return tuple(int(v) for v in value)  # type: ignore[union-attr]


def _text(value: object) -> str | None:
    return str(value).strip() or None if value is not None else None


@dataclass(frozen=True)
class SmsSettings:
    # The environment variables these come from (checker.settings reads them).
    ENV_KEYS: ClassVar[tuple[str, ...]] = (
        "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER",
        "TWILIO_MESSAGING_SERVICE_SID", "TWILIO_API_URL", "TWILIO_TIMEOUT",
        "SMS_DEFAULT_REGION", "SMS_ALLOWED_COUNTRIES", "SMS_ALERT_CAP_PER_HOUR",
        "SMS_RETRY_INTERVALS", "SMS_SWEEP_SECONDS", "SMS_CLAIM_LEASE", "SMS_MAX_ATTEMPTS",
    )

    prefix: str = "clotcheck:"
    account_sid: str | None = None
    auth_token: str | None = None
    from_number: str | None = None
    messaging_service_sid: str | None = None
    api_url: str | None = None  # e.g. a fake Twilio for staging/tests; None = Twilio's
    timeout: float = 10.0  # seconds; the twilio client has none by default
    public_base_url: str | None = None  # for StatusCallback and webhook signatures
    default_region: str = "US"
    allowed_countries: frozenset[str] = frozenset({"US"})
    alert_cap_per_hour: int = 10
    retry_intervals: tuple[int, ...] = (10, 30, 120, 300, 900)
    max_attempts: int = 6
    sweep_seconds: int = 60
    sweep_grace: int = 30  # a due record younger than this still belongs to the RQ scheduler
    claim_lease: int = 300  # a claim older than this cannot still be sending: mark unknown

    @property
    def twilio_configured(self) -> bool:
        return bool(self.account_sid and self.auth_token
                    and (self.from_number or self.messaging_service_sid))

    @property
    def queue_name(self) -> str:
        return f"{self.prefix}sms"

    @classmethod
    def from_mapping(cls, merged: Mapping[str, Any]) -> SmsSettings:
        """From environment-named settings (REDIS_KEY_PREFIX, PUBLIC_BASE_URL, TWILIO_...)."""
        countries = str(merged.get("SMS_ALLOWED_COUNTRIES") or "US")
        base = merged.get("PUBLIC_BASE_URL")
        return cls(
            prefix=str(merged.get("REDIS_KEY_PREFIX") or "clotcheck:"),
            account_sid=_text(merged.get("TWILIO_ACCOUNT_SID")),
            auth_token=_text(merged.get("TWILIO_AUTH_TOKEN")),
            from_number=_text(merged.get("TWILIO_FROM_NUMBER")),
            messaging_service_sid=_text(merged.get("TWILIO_MESSAGING_SERVICE_SID")),
            api_url=_text(merged.get("TWILIO_API_URL")),
            timeout=float(merged.get("TWILIO_TIMEOUT") or 10.0),
            public_base_url=str(base).rstrip("/") if base else None,
            default_region=str(merged.get("SMS_DEFAULT_REGION") or "US").upper(),
            allowed_countries=frozenset(c.strip().upper() for c in countries.split(",")
                                        if c.strip()),
            alert_cap_per_hour=int(merged.get("SMS_ALERT_CAP_PER_HOUR") or 10),
            retry_intervals=_ints(merged.get("SMS_RETRY_INTERVALS"), cls.retry_intervals),
            max_attempts=int(merged.get("SMS_MAX_ATTEMPTS") or 6),
            sweep_seconds=int(merged.get("SMS_SWEEP_SECONDS") or 60),
            claim_lease=int(merged.get("SMS_CLAIM_LEASE") or 300),
        )
