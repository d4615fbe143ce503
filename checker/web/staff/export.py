"""The day's check-ins as CSV, for the clinic's records. Holds no phone numbers."""

from __future__ import annotations

import csv
import io

from flask import Response, make_response

from checker.checkins import Checkin
from checker.locations import Location
from checker.web.staff import bp
from checker.web.staff.board import book, location_page, requested_day
from checker.wording import flag_texts

CSV_COLUMNS = ("date", "time", "code", "location", "level", "therapist_flags", "reasons",
               "questionnaire_version", "finished_again", "seen_at", "seen_by",
               "clearance_signed_on", "clearance_limits", "clearance_recorded_by",
               "client_reported_clearance")


def _cell(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: quote them as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv_row(c: Checkin, location: Location) -> list[str]:
    tz = location.tz
    clear = c.clearance
    row = [c.day, c.local_time(tz).strftime("%H:%M"), c.display_code, location.slug,
           c.level.value, "; ".join(flag_texts(c.outcome)), "; ".join(c.reasons),
           c.version, "yes" if c.finishes > 1 else "no",
           c.seen_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if c.seen_at else "",
           c.seen_by or "", clear.signed_on.isoformat() if clear else "",
           clear.limits if clear else "", clear.recorded_by if clear else "",
           "; ".join(c.client_notes)]
    return [_cell(v) for v in row]


@bp.get("/board/<slug>/export.csv")
def export(slug: str) -> Response:
    """The day's check-ins for the clinic's records. Holds no phone numbers."""
    location = location_page(slug)
    day, _ = requested_day(location)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for checkin in reversed(book().day(slug, day)):  # oldest first, as a record
        writer.writerow(_csv_row(checkin, location))
    response = make_response(out.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="clotcheck-{slug}-{day}.csv"')
    return response


