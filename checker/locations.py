"""Clinic locations: one built-in default, or several from a TOML file.

The file is named by `CLOTCHECK_LOCATIONS`:

    [[location]]
    slug = "downtown"
    name = "Downtown Massage Studio"
    timezone = "America/New_York"
    emergency_number = "911"
    staff_alert_numbers = ["+12025550143"]
    sms_from = "+15005550006"        # optional; falls back to the global sender

The first location is the default (used for `/` without `?loc=` or with an unknown slug).
Bad configuration raises `LocationsError` naming the field, so start-up stops with a message
the clinic owner can act on instead of a traceback deep inside a request.
"""

from __future__ import annotations

import re
import tomllib
import zoneinfo
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import phonenumbers

SLUG_PATTERN = re.compile(r"[a-z0-9-]+")
# Dialled by a person in a hurry: digits only (911, 999, 112, 000, 111 …).
_EMERGENCY_PATTERN = re.compile(r"[0-9]{2,6}")
_FIELDS = {"slug", "name", "timezone", "emergency_number", "staff_alert_numbers", "sms_from"}

DEFAULT_SLUG = "main"
DEFAULT_NAME = "Our clinic"
DEFAULT_TIMEZONE = "America/New_York"
DEFAULT_EMERGENCY_NUMBER = "911"


class LocationsError(ValueError):
    """The locations configuration is invalid; the message names the field."""


@dataclass(frozen=True)
class Location:
    slug: str
    name: str
    timezone: str
    emergency_number: str
    staff_alert_numbers: tuple[str, ...]
    sms_from: str | None

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Locations:
    """The configured locations, in file order; the first one is the default."""

    def __init__(self, locations: tuple[Location, ...]) -> None:
        if not locations:
            raise LocationsError("location: at least one location is needed")
        self._by_slug = {loc.slug: loc for loc in locations}
        self._order = locations

    @property
    def default(self) -> Location:
        return self._order[0]

    def get(self, slug: str) -> Location | None:
        return self._by_slug.get(slug)

    def resolve(self, slug: str | None) -> Location:
        """The named location, or the default for None or an unknown slug."""
        if slug is None:
            return self.default
        return self._by_slug.get(slug, self.default)

    def __iter__(self) -> Iterator[Location]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)


def load_locations(config: Mapping) -> Locations:
    """Locations from the TOML file named by CLOTCHECK_LOCATIONS, else the built-in default."""
    path = config.get("CLOTCHECK_LOCATIONS")
    if path:
        return _from_file(Path(path))
    return Locations((_default_location(config),))


def _default_location(config: Mapping) -> Location:
    alerts = config.get("STAFF_ALERT_NUMBERS") or ""
    if isinstance(alerts, str):
        alerts = [part.strip() for part in alerts.split(",") if part.strip()]
    raw = {
        "slug": DEFAULT_SLUG,
        "name": config.get("CLINIC_NAME") or DEFAULT_NAME,
        "timezone": config.get("CLINIC_TIMEZONE") or DEFAULT_TIMEZONE,
        "emergency_number": str(config.get("EMERGENCY_NUMBER") or DEFAULT_EMERGENCY_NUMBER),
        "staff_alert_numbers": list(alerts),
    }
    return _location(raw, "default location")


def _from_file(path: Path) -> Locations:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise LocationsError(f"CLOTCHECK_LOCATIONS: cannot read {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise LocationsError(f"CLOTCHECK_LOCATIONS: {path} is not valid TOML: {exc}") from exc
    entries = data.get("location")
    if not isinstance(entries, list) or not entries:
        raise LocationsError(f"location: {path} needs at least one [[location]] table")
    locations = tuple(_location(raw, f"location[{i}]") for i, raw in enumerate(entries))
    seen: set[str] = set()
    for i, loc in enumerate(locations):
        if loc.slug in seen:
            raise LocationsError(f"location[{i}].slug: duplicate slug {loc.slug!r}")
        seen.add(loc.slug)
    return Locations(locations)


def _location(raw: object, where: str) -> Location:
    if not isinstance(raw, dict):
        raise LocationsError(f"{where}: must be a table")
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise LocationsError(f"{where}.{unknown[0]}: unknown field")
    sms_from = raw.get("sms_from")
    return Location(
        slug=_slug(raw, where),
        name=_text(raw, "name", where),
        timezone=_timezone(raw, where),
        emergency_number=_emergency_number(raw, where),
        staff_alert_numbers=_alert_numbers(raw, where),
        sms_from=None if sms_from is None else _e164(sms_from, f"{where}.sms_from"),
    )


def _text(raw: dict, field: str, where: str) -> str:
    value = raw.get(field)
    if not isinstance(value, str) or not value.strip():
        raise LocationsError(f"{where}.{field}: required text is missing")
    return value.strip()


def _slug(raw: dict, where: str) -> str:
    slug = _text(raw, "slug", where)
    if not SLUG_PATTERN.fullmatch(slug):
        raise LocationsError(
            f"{where}.slug: {slug!r} may only use lower-case letters, digits and '-'"
        )
    return slug


def _timezone(raw: dict, where: str) -> str:
    name = _text(raw, "timezone", where)
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise LocationsError(f"{where}.timezone: unknown time zone {name!r}") from exc
    return name


def _emergency_number(raw: dict, where: str) -> str:
    value = raw.get("emergency_number")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # `emergency_number = 911` written without quotes
    if not isinstance(value, str) or not _EMERGENCY_PATTERN.fullmatch(value.strip()):
        raise LocationsError(
            f"{where}.emergency_number: {value!r} is not a short emergency number such as '911'"
        )
    return value.strip()


def _alert_numbers(raw: dict, where: str) -> tuple[str, ...]:
    value = raw.get("staff_alert_numbers", [])
    if not isinstance(value, list):
        raise LocationsError(f"{where}.staff_alert_numbers: must be a list of phone numbers")
    return tuple(_e164(v, f"{where}.staff_alert_numbers[{i}]") for i, v in enumerate(value))


def _e164(value: object, field: str) -> str:
    """A phone number in E.164 form (+ and country code), checked with `phonenumbers`."""
    if not isinstance(value, str) or not value.startswith("+"):
        raise LocationsError(f"{field}: {value!r} must be in E.164 form, e.g. '+12025550143'")
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise LocationsError(f"{field}: {value!r} is not a phone number") from exc
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if formatted != value or not phonenumbers.is_possible_number(number):
        raise LocationsError(f"{field}: {value!r} must be in E.164 form, e.g. '+12025550143'")
    return formatted
