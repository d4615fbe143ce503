"""The staff board: a location's check-ins of one day, "seen", and the clearance received.

Check-ins are derived from the finish events (checker.finishes) by the worker; the board also
catches up on any it has not handled yet before it reads, so a finished screening shows at
the next poll even when the worker is down.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Response, abort, g, redirect, request, url_for

from checker.checkins import Checkin, CheckinBook, ClearanceError, local_day, parse_clearance
from checker.locations import Location
from checker.web.extensions import htmx
from checker.web.pages import services
from checker.web.staff import bp, page
from checker.web.staff.access import current_staff
from checker.web.staff.messages import texts_by_code


def book() -> CheckinBook:
    """The check-ins, with every finished screening on them (caught up first)."""
    services().finishes.drain(only=["checkins"])
    return services().checkins


def location_page(slug: str) -> Location:
    location = services().locations.get(slug)
    if location is None:
        abort(404)
    g.location = location  # the page header shows this location's name and emergency number
    return location


def requested_day(location: Location) -> tuple[str, bool]:
    """The requested local day (?day=YYYY-MM-DD, default today) and whether it is today."""
    today = local_day(datetime.now(UTC), location.tz)
    raw = request.args.get("day") or today
    try:
        day = date.fromisoformat(raw).isoformat()
    except ValueError:
        abort(404)
    return day, day == today


@bp.get("/")
def index() -> Response | str:
    locations = list(services().locations)
    if len(locations) == 1:
        return redirect(url_for("staff.board", slug=locations[0].slug), code=303)
    counts = {loc.slug: len(book().day(loc.slug, local_day(datetime.now(UTC), loc.tz)))
              for loc in locations}
    return page("staff/index.html", locations=locations, counts=counts)


@bp.get("/board/<slug>")
def board(slug: str) -> Response | str:
    location = location_page(slug)
    day, today = requested_day(location)
    checkins = book().day(slug, day)
    context = {"location": location, "day": day, "today": today, "checkins": checkins,
               "texts": texts_by_code(slug), "sms_enabled": True,
               "prev_day": (date.fromisoformat(day) - timedelta(days=1)).isoformat()}
    if htmx and htmx.target == "board":  # the board's own poll: only the table
        return page("staff/_board.html", **context)
    return page("staff/board.html", **context)


@bp.post("/checkins/<cid>/seen")
def mark_seen(cid: str) -> Response:
    checkin = _checkin(cid)
    book().mark_seen(cid, current_staff() or "")
    return redirect(_board_url(checkin) + f"#checkin-{cid}", code=303)


@bp.route("/checkins/<cid>/clearance", methods=["GET", "POST"])
def clearance(cid: str) -> Response | str:
    checkin = _checkin(cid)
    location = location_page(checkin.location)
    form = {"signed_on": request.form.get("signed_on", ""),
            "limits": request.form.get("limits", "")}
    if request.method == "GET":
        return page("staff/clearance.html", checkin=checkin, location=location, form=form,
                     errors={})
    today = datetime.now(UTC).astimezone(location.tz).date()
    try:
        signed_on, limits = parse_clearance(form["signed_on"], form["limits"], today)
    except ClearanceError as exc:
        return page("staff/clearance.html", 422, checkin=checkin, location=location,
                     form=form, errors=exc.errors, error=True)
    if not book().record_clearance(cid, signed_on, limits, current_staff() or ""):
        abort(404)
    return redirect(_board_url(checkin) + f"#checkin-{cid}", code=303)


def _checkin(cid: str) -> Checkin:
    checkin = book().get(cid)
    if checkin is None:
        abort(404)
    return checkin


def _board_url(checkin: Checkin) -> str:
    return url_for("staff.board", slug=checkin.location, day=checkin.day)


