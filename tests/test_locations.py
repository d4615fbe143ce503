"""Locations: the built-in default and the TOML file, with errors that name the field."""

from __future__ import annotations

import zoneinfo
from pathlib import Path

import pytest

from checker.locations import Location, Locations, LocationsError, load_locations

TWO = """
[[location]]
slug = "downtown"
name = "Downtown Massage Studio"
timezone = "America/New_York"
emergency_number = "911"
staff_alert_numbers = ["+12025550143"]
sms_from = "+15005550006"

[[location]]
slug = "harbour-2"
name = "Harbour Wellness"
timezone = "Europe/London"
emergency_number = "999"
staff_alert_numbers = []
"""


def write(tmp_path: Path, text: str) -> dict:
    path = tmp_path / "locations.toml"
    path.write_text(text, encoding="utf-8")
    return {"CLOTCHECK_LOCATIONS": str(path)}


def one(**fields: object) -> str:
    base: dict[str, object] = {
        "slug": "a",
        "name": "A",
        "timezone": "America/New_York",
        "emergency_number": "911",
        "staff_alert_numbers": ["+12025550143"],
    }
    base.update(fields)
    lines = ["[[location]]"]
    for key, value in base.items():
        if value is not None:
            lines.append(f"{key} = {_toml(value)}")
    return "\n".join(lines) + "\n"


def _toml(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, str):
        return '"' + value + '"'
    return str(value)


def test_default_location_from_config() -> None:
    locs = load_locations(
        {
            "CLINIC_NAME": "Sunrise Massage",
            "CLINIC_TIMEZONE": "Europe/Berlin",
            "EMERGENCY_NUMBER": "112",
            "STAFF_ALERT_NUMBERS": "+4915112345678, +12025550143",
        }
    )
    loc = locs.default
    assert loc == Location(
        slug="main",
        name="Sunrise Massage",
        timezone="Europe/Berlin",
        emergency_number="112",
        staff_alert_numbers=("+4915112345678", "+12025550143"),
        sms_from=None,
    )
    assert loc.tz == zoneinfo.ZoneInfo("Europe/Berlin")
    assert list(locs) == [loc]


def test_default_location_with_empty_config() -> None:
    loc = load_locations({}).default
    assert (loc.slug, loc.name, loc.timezone, loc.emergency_number) == (
        "main",
        "Our clinic",
        "America/New_York",
        "911",
    )
    assert loc.staff_alert_numbers == ()


def test_default_location_rejects_bad_alert_number() -> None:
    with pytest.raises(LocationsError, match=r"staff_alert_numbers\[0\]"):
        load_locations({"STAFF_ALERT_NUMBERS": "2025550143"})


def test_two_locations_from_file(tmp_path: Path) -> None:
    locs = load_locations(write(tmp_path, TWO))
    assert [loc.slug for loc in locs] == ["downtown", "harbour-2"]
    assert locs.default.slug == "downtown"
    harbour = locs.get("harbour-2")
    assert harbour is not None
    assert harbour.name == "Harbour Wellness"
    assert harbour.emergency_number == "999"
    assert harbour.staff_alert_numbers == ()
    assert harbour.sms_from is None
    assert locs.default.sms_from == "+15005550006"
    assert locs.default.staff_alert_numbers == ("+12025550143",)
    assert locs.get("nowhere") is None


def test_resolve_falls_back_to_default(tmp_path: Path) -> None:
    locs = load_locations(write(tmp_path, TWO))
    assert locs.resolve("harbour-2").slug == "harbour-2"
    assert locs.resolve("nowhere").slug == "downtown"
    assert locs.resolve(None).slug == "downtown"
    assert locs.resolve("").slug == "downtown"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"timezone": "Mars/Base"}, "location[0].timezone: unknown time zone 'Mars/Base'"),
        ({"timezone": "../etc/passwd"}, "location[0].timezone: unknown time zone"),
        ({"slug": "Down Town"}, "location[0].slug:"),
        ({"slug": None}, "location[0].slug: required"),
        ({"name": " "}, "location[0].name: required"),
        ({"emergency_number": "call 911"}, "location[0].emergency_number:"),
        ({"staff_alert_numbers": ["2025550143"]}, r"location[0].staff_alert_numbers[0]:"),
        ({"staff_alert_numbers": ["+1202555014"]}, r"location[0].staff_alert_numbers[0]:"),
        ({"staff_alert_numbers": "+12025550143"}, "location[0].staff_alert_numbers: must be"),
        ({"sms_from": "+1 500 555 0006"}, "location[0].sms_from:"),
        ({"colour": "blue"}, "location[0].colour: unknown field"),
    ],
)
def test_invalid_field_is_named(tmp_path: Path, fields: dict, message: str) -> None:
    with pytest.raises(LocationsError) as err:
        load_locations(write(tmp_path, one(**fields)))
    assert message in str(err.value)


def test_error_names_the_second_location(tmp_path: Path) -> None:
    text = one(slug="a") + one(slug="b", timezone="Mars/Base")
    expected = r"location\[1\]\.timezone: unknown time zone 'Mars/Base'"
    with pytest.raises(LocationsError, match=expected):
        load_locations(write(tmp_path, text))


def test_duplicate_slug_rejected(tmp_path: Path) -> None:
    with pytest.raises(LocationsError, match=r"location\[1\]\.slug: duplicate slug 'a'"):
        load_locations(write(tmp_path, one(slug="a") + one(slug="a")))


def test_emergency_number_without_quotes_accepted(tmp_path: Path) -> None:
    locs = load_locations(write(tmp_path, one(emergency_number=112)))
    assert locs.default.emergency_number == "112"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "at least one [[location]]"),
        ("location = 3\n", "at least one [[location]]"),
        ("[[location]\n", "not valid TOML"),
    ],
)
def test_bad_file(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(LocationsError, match=message.replace("[", r"\[")):
        load_locations(write(tmp_path, text))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LocationsError, match="CLOTCHECK_LOCATIONS: cannot read"):
        load_locations({"CLOTCHECK_LOCATIONS": str(tmp_path / "nope.toml")})


def test_empty_locations_rejected() -> None:
    with pytest.raises(LocationsError):
        Locations(())
