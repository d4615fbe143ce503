"""SMS web routes: the outcome page's text forms (POST-redirect-GET) and Twilio's webhooks.

Everything goes through the SmsService (checker.sms.service), built by checker.services.
Twilio cannot send a CSRF token, so its webhooks are exempt here and checked by signature.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, abort, g, redirect, request, url_for
from flask_babel import gettext
from twilio.request_validator import RequestValidator

from checker.catalog import N_
from checker.outcome import Level
from checker.sms.phones import PhoneError, log_ref, parse_phone
from checker.sms.schedule import CADENCE_WEEKS, MAX_REMINDERS
from checker.sms.service import GUIDANCE_LEVELS, ReminderPlan, SmsService
from checker.store import Screening
from checker.web.extensions import csrf
from checker.web.i18n import use_screening_lang
from checker.web.pages import render, services, set_location

bp = Blueprint("sms", __name__)
log = logging.getLogger("checker.sms")

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MAX_APPOINTMENT_DAYS = 365


def _service() -> SmsService:
    return services().sms


# -- the client's forms ---------------------------------------------------------------------

def _screening(sid: str, levels: tuple[Level, ...]) -> Screening:
    screening = services().store.load(sid)
    if screening is None or screening.outcome is None or screening.outcome.level not in levels:
        abort(404)
    set_location(screening.location)
    use_screening_lang(screening.lang)
    return screening


def _render(template: str, status: int = 200, **context: Any) -> Response:
    return render(template, status, partial=False, track_url=False, **context)


def _check_phone(form: dict[str, str], errors: dict[str, str]) -> str | None:
    settings = _service().settings
    try:
        phone = parse_phone(form.get("phone", ""), settings.default_region,
                            settings.allowed_countries)
    except PhoneError as exc:
        errors["phone"] = gettext(exc.msgid, **exc.params)
        return None
    if _service().opted_out(phone):
        errors["phone"] = gettext("This number asked us not to text it. To get texts again, "
                                  "text START to our number first.")
        return None
    return phone


def _limited(sid: str, phone: str, form: dict, template: str, screening: Screening,
             **context: Any) -> Response | None:
    hit = _service().limits.take_request(sid, phone, _service().clock())
    if hit is None:
        return None
    message = {"screening": N_("You have asked for texts from this check-in several times "
                               "already. Please ask at reception."),
               "phone": N_("This number has had several texts from us today. Please ask at "
                           "reception.")}[hit]
    return _render(template, 429, screening=screening, form=form,
                   errors={"phone": gettext(message)}, **context)


def _ip_allowed() -> bool:
    return _service().limits.take_address(request.remote_addr or "-", _service().clock())


def _too_many(template: str, screening: Screening, form: dict, **context: Any) -> Response:
    return _render(template, 429, screening=screening, form=form,
                   errors={"phone": gettext("Too many requests from this device. Please ask "
                                            "at reception.")}, **context)


@bp.route("/s/<sid>/text-advice", methods=["GET", "POST"])
def text_advice(sid: str) -> Response:
    screening = _screening(sid, GUIDANCE_LEVELS)
    level = screening.outcome.level  # type: ignore[union-attr]
    if request.method == "GET":
        return _render("sms/advice.html", screening=screening, level=level, form={}, errors={})
    form = {k: request.form.get(k, "") for k in ("phone", "consent", "next_day")}
    if not _ip_allowed():
        return _too_many("sms/advice.html", screening, form, level=level)
    errors: dict[str, str] = {}
    phone = _check_phone(form, errors)
    if form["consent"] != "yes":
        errors["consent"] = gettext("Check the box to say we may text you this advice")
    if errors or phone is None:
        return _render("sms/advice.html", 400, screening=screening, level=level, form=form,
                       errors=errors)
    limited = _limited(sid, phone, form, "sms/advice.html", screening, level=level)
    if limited is not None:
        return limited
    _service().request_guidance(screening, phone, form["next_day"] == "yes")
    return redirect(url_for("sms.advice_sent", sid=sid), code=303)


@bp.get("/s/<sid>/text-advice/sent")
def advice_sent(sid: str) -> Response:
    screening = _screening(sid, GUIDANCE_LEVELS)
    return _render("sms/done.html", screening=screening, what="advice",
                   messages=_service().for_screening(sid))


def _reminder_plan(form: dict[str, str], errors: dict[str, str]) -> ReminderPlan | None:
    plan = form.get("plan", "")
    if plan in {f"{w}w" for w in CADENCE_WEEKS}:
        try:
            count = int(form.get("count") or "0")
        except ValueError:
            count = 0
        if not 1 <= count <= MAX_REMINDERS:
            errors["count"] = gettext("Choose how many reminders, from 1 to %(most)s",
                                      most=MAX_REMINDERS)
            return None
        return ReminderPlan(weeks=int(plan[:-1]), count=count)
    if plan == "appointment":
        return _appointment_plan(form, errors)
    errors["plan"] = gettext("Choose when we should remind you")
    return None


def _appointment_plan(form: dict[str, str], errors: dict[str, str]) -> ReminderPlan | None:
    try:
        day = date.fromisoformat(form.get("appointment", ""))
    except ValueError:
        errors["appointment"] = gettext("Enter the date of your appointment, for example "
                                        "2031-07-14")
        return None
    today = _service().clock().astimezone(g.location.tz).date()
    if not today < day <= today + timedelta(days=MAX_APPOINTMENT_DAYS):
        errors["appointment"] = gettext("The appointment must be after today and within a "
                                        "year")
        return None
    return ReminderPlan(appointment=day)


@bp.route("/s/<sid>/reminders", methods=["GET", "POST"])
def reminders(sid: str) -> Response:
    screening = _screening(sid, (Level.DEFER,))
    context = {"cadences": CADENCE_WEEKS, "max_reminders": MAX_REMINDERS}
    if request.method == "GET":
        return _render("sms/reminders.html", screening=screening, form={}, errors={},
                       **context)
    form = {k: request.form.get(k, "") for k in ("phone", "consent", "plan", "count",
                                                 "appointment")}
    if not _ip_allowed():
        return _too_many("sms/reminders.html", screening, form, **context)
    errors: dict[str, str] = {}
    phone = _check_phone(form, errors)
    plan = _reminder_plan(form, errors)
    if form["consent"] != "yes":
        errors["consent"] = gettext("Check the box to say we may text you reminders")
    if errors or phone is None or plan is None:
        return _render("sms/reminders.html", 400, screening=screening, form=form,
                       errors=errors, **context)
    limited = _limited(sid, phone, form, "sms/reminders.html", screening, **context)
    if limited is not None:
        return limited
    if not _service().request_reminders(screening, phone, plan):
        errors["appointment"] = gettext("That appointment is too soon for a reminder")
        return _render("sms/reminders.html", 400, screening=screening, form=form,
                       errors=errors, **context)
    return redirect(url_for("sms.reminders_set", sid=sid), code=303)


@bp.get("/s/<sid>/reminders/set")
def reminders_set(sid: str) -> Response:
    screening = _screening(sid, (Level.DEFER,))
    return _render("sms/done.html", screening=screening, what="reminders",
                   messages=_service().for_screening(sid))


# -- Twilio webhooks ------------------------------------------------------------------------

def _signed() -> bool:
    """Twilio's signature over the public URL (query included) and every POST field."""
    settings = _service().settings
    signature = request.headers.get("X-Twilio-Signature", "")
    if not settings.auth_token or not signature:
        return False
    url = request.url
    if settings.public_base_url:  # the URL Twilio used, whatever proxies did to the Host
        url = settings.public_base_url + request.full_path.rstrip("?")
    validator = RequestValidator(settings.auth_token)
    return validator.validate(url, request.form.to_dict(), signature)


def _twiml() -> Response:
    return Response(EMPTY_TWIML, 200, content_type="text/xml")


@bp.post("/sms/inbound")
@csrf.exempt
def inbound() -> Response:
    if not _signed():
        abort(403)
    phone = request.form.get("From", "")
    handled = _service().handle_inbound(phone, request.form.get("Body", ""))
    log.info("sms reply from %s: %s", log_ref(_service().tag(phone)), handled)
    return _twiml()


@bp.post("/sms/status")
@csrf.exempt
def status() -> Response:
    if not _signed():
        abort(403)
    _service().handle_status(request.form.get("MessageSid", ""),
                             request.form.get("MessageStatus", ""),
                             request.form.get("ErrorCode", ""))
    return Response(status=204)
