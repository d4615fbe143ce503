"""What people get by text: the SMS side of the product (checker.services builds it).

Every method writes records and enqueues jobs only (never network): safe in a request and in
the finish-event consumer. Pages use this class only, never the stores behind it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from checker.finishes import FinishedScreening
from checker.locations import Location, Locations
from checker.outcome import Level
from checker.sms import texts
from checker.sms.dispatch import Dispatcher
from checker.sms.form_limits import FormLimits
from checker.sms.messages import CLIENT_FOLLOW_UPS, Kind, Message, State
from checker.sms.notes import ClearanceNotes
from checker.sms.outbox import Outbox
from checker.sms.phones import mask
from checker.sms.schedule import (
    appointment_times,
    cadence_times,
    hour_bucket,
    next_morning,
)
from checker.sms.settings import SmsSettings
from checker.store import Screening, format_code

log = logging.getLogger("checker.sms")

ALERT_LEVELS = (Level.EMERGENCY, Level.URGENT, Level.DEFER)
GUIDANCE_LEVELS = (Level.EMERGENCY, Level.URGENT)
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
START_WORDS = {"START", "YES", "UNSTOP"}
CLEARED_WORDS = {"CLEARED", "CLEAR"}
CLEARANCE_NOTE = "Client reports clearance - bring the letter"


@dataclass(frozen=True)
class ReminderPlan:
    weeks: int | None = None  # every 2 or 4 weeks ...
    count: int = 0  # ... this many times (1-6)
    appointment: date | None = None  # or: before this follow-up appointment


@dataclass(frozen=True)
class MessageView:
    """A text as staff see it: the number masked, times in the location's zone."""

    key: str
    kind: str
    state: str
    to: str  # masked
    body: str
    sid: str
    code: str
    location: str
    due: datetime
    sent_at: datetime | None
    error: str
    sender: str

    @property
    def needs_attention(self) -> bool:
        return self.state in (State.UNKNOWN, State.FAILED, State.UNDELIVERED)


class SmsService:
    def __init__(self, dispatcher: Dispatcher, locations: Locations, outbox: Outbox,
                 notes: ClearanceNotes, limits: FormLimits):
        self.dispatcher = dispatcher
        self.records = dispatcher.messages
        self.optouts = dispatcher.optouts
        self.locations = locations
        self.notes = notes
        self.limits = limits
        self._outbox = outbox

    @property
    def settings(self) -> SmsSettings:
        return self.dispatcher.settings

    @property
    def clock(self):  # noqa: ANN201 - the dispatcher's injectable clock
        return self.dispatcher.clock

    def tag(self, phone: str) -> str:
        """A number's keyed tag: how logs and keys name it."""
        return self.records.tag(phone)

    def opted_out(self, phone: str) -> bool:
        return phone in self.optouts

    def _location(self, slug: str) -> Location:
        return self.locations.resolve(slug)

    def _message(self, key: str, kind: Kind, to: str, body: str, due: datetime,
                 location: Location, sid: str = "", code: str = "", lang: str = "") -> Message:
        return Message(key=key, kind=kind.value, to=to, body=body, due=due,
                       location=location.slug, sid=sid, code=code,
                       sender_from=location.sms_from or "", lang=lang)

    def _schedule_all(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self.dispatcher.schedule(message)
        return [m for m in (self.records.get(m.key) for m in messages) if m is not None]

    # -- what clients ask for ------------------------------------------------------------------
    def request_guidance(self, screening: Screening, phone: str, next_day: bool) -> list[Message]:
        """Seek-care-now advice at once (and, for urgent, a check the next morning)."""
        assert screening.outcome is not None
        level = screening.outcome.level
        location = self._location(screening.location)
        now = self.clock()
        tag = self.records.tag(phone)
        code = format_code(screening.code or "")
        lang = screening.lang
        messages = [self._message(
            f"guidance:{screening.sid}:{tag}", Kind.GUIDANCE, phone,
            texts.guidance(level, location.name, location.emergency_number, lang), now, location,
            screening.sid, code, lang)]
        if next_day and level == Level.URGENT:
            messages.append(self._message(
                f"next_day:{screening.sid}:{tag}", Kind.NEXT_DAY, phone,
                texts.next_day_check(location.name, location.emergency_number, lang),
                next_morning(now, location.tz), location, screening.sid, code, lang))
        return self._schedule_all(messages)

    def request_reminders(self, screening: Screening, phone: str, plan: ReminderPlan
                          ) -> list[Message]:
        location = self._location(screening.location)
        now = self.clock()
        code = format_code(screening.code or "")
        lang = screening.lang
        if plan.appointment is not None:
            day = texts.appointment_day(plan.appointment, lang)
            bodies_times = [(texts.appointment_reminder(location.name, day,
                                                        location.emergency_number, lang), when)
                            for when in appointment_times(now, plan.appointment, location.tz)]
        else:
            assert plan.weeks is not None
            times = cadence_times(now, plan.weeks, plan.count, location.tz)
            bodies_times = [(texts.reminder(location.name, n, len(times),
                                            location.emergency_number, lang), when)
                            for n, when in enumerate(times, start=1)]
        tag = self.records.tag(phone)
        return self._schedule_all([
            self._message(f"reminder:{screening.sid}:{tag}:{n}", Kind.REMINDER, phone, body,
                          when, location, screening.sid, code, lang)
            for n, (body, when) in enumerate(bodies_times, start=1)])

    # -- staff alerts (the on-finish listener) ---------------------------------------------
    def on_screening_finished(self, done: FinishedScreening) -> None:
        """Alert staff for emergency/urgent/defer; drop follow-ups the new level no longer fits."""
        level = done.outcome.level
        self._cancel_stale_follow_ups(done.sid, level)
        if level not in ALERT_LEVELS:
            return
        location = self._location(done.location)
        for number in location.staff_alert_numbers:
            self._alert(done, location, number)

    def _cancel_stale_follow_ups(self, sid: str, level: Level) -> None:
        keep = {Level.DEFER: Kind.REMINDER, Level.URGENT: Kind.NEXT_DAY}.get(level)
        stale = [m.key for m in self.records.get_many(self.records.keys_for_sid(sid))
                 if m.kind in CLIENT_FOLLOW_UPS and m.kind != keep]
        self.dispatcher.cancel(stale, "the answers were changed")

    def _alert(self, done: FinishedScreening, location: Location, number: str) -> None:
        now = self.clock()
        bucket, hour_end = hour_bucket(now, location.tz)
        tag = self.records.tag(number)
        # The finishes alerted this hour, in order: a finish event handled twice (a worker
        # restart) keeps its place, so the cap counts each finish once.
        alerted = f"{self.records.base}alerted:{location.slug}:{tag}:{bucket}"
        member = f"{done.sid}:{done.revision}"
        pipe = self.records.redis.pipeline(transaction=True)
        pipe.zadd(alerted, {member: now.timestamp()}, nx=True)
        pipe.zrank(alerted, member)
        pipe.expire(alerted, 7200)
        count = int(pipe.execute()[1]) + 1
        cap = self.settings.alert_cap_per_hour
        if count <= cap:
            local = done.finished_at.astimezone(location.tz)
            body = texts.staff_alert(location.name, format_code(done.code), done.outcome.level,
                                     local)
            key = f"alert:{done.sid}:{done.revision}:{tag}"
            self.dispatcher.schedule(self._message(key, Kind.ALERT, number, body, now,
                                                   location, done.sid, format_code(done.code)))
        elif count == cap + 1:  # one summary, then silence until the hour ends
            body = texts.staff_alert_summary(location.name, cap, hour_end.astimezone(location.tz))
            key = f"alert_summary:{location.slug}:{bucket}:{tag}"
            self.dispatcher.schedule(self._message(key, Kind.ALERT_SUMMARY, number, body,
                                                   now, location))

    # -- replies (/sms/inbound) ---------------------------------------------------------------
    def handle_inbound(self, phone: str, body: str) -> str:
        """Act on a text from `phone`; returns the keyword family handled (for the log)."""
        words = (body or "").strip().upper().split()
        word = words[0].strip(".!") if words else ""
        if word in STOP_WORDS:
            self.dispatcher.opt_out(phone)  # Twilio itself answers STOP
            return "stop"
        if word in START_WORDS:
            self.optouts.remove(phone)  # Twilio itself answers START
            return "start"
        if word in CLEARED_WORDS:
            self._cleared(phone)
            return "cleared"
        self._help(phone)
        return "help"

    def _reply_location(self, messages: list[Message]) -> Location:
        return self._location(messages[-1].location) if messages else self.locations.default

    @staticmethod
    def _reply_lang(messages: list[Message]) -> str:
        """The language of the latest text we sent this client (English if none)."""
        with_lang = [m for m in messages if m.lang]
        if not with_lang:
            return "en"
        return max(with_lang, key=lambda m: m.created or m.due).lang

    def _cleared(self, phone: str) -> None:
        now = self.clock()
        messages = self.records.get_many(self.records.keys_for_phone(phone))
        follow_ups = [m for m in messages if m.kind in CLIENT_FOLLOW_UPS]
        self.dispatcher.cancel([m.key for m in follow_ups], "the client reports clearance")
        for sid in sorted({m.sid for m in follow_ups if m.sid}):
            self.notes.set(sid, CLEARANCE_NOTE, now)
        location = self._reply_location(follow_ups or messages)
        lang = self._reply_lang(follow_ups or messages)
        day = now.astimezone(location.tz).strftime("%Y%m%d")
        self.dispatcher.schedule(self._message(f"cleared_ack:{self.records.tag(phone)}:{day}",
                                         Kind.CLEARED_ACK, phone,
                                         texts.cleared_ack(location.name, lang), now, location,
                                         lang=lang))

    def _help(self, phone: str) -> None:
        """At most one help text a day per number (the dedupe key carries the local date)."""
        now = self.clock()
        messages = self.records.get_many(self.records.keys_for_phone(phone))
        location = self._reply_location(messages)
        lang = self._reply_lang(messages)
        day = now.astimezone(location.tz).strftime("%Y%m%d")
        key = f"help:{self.records.tag(phone)}:{day}"
        body = texts.help_text(location.name, location.emergency_number, lang)
        self.dispatcher.schedule(self._message(key, Kind.HELP, phone, body, now, location,
                                               lang=lang))

    # -- delivery status (/sms/status) -------------------------------------------------------
    def handle_status(self, provider_id: str, status: str, error_code: str = "") -> bool:
        """Follow Twilio's callbacks; out-of-order ones never move a message backwards."""
        key = self.records.by_provider(provider_id)
        if key is None:
            return False
        status = status.lower()
        now = self.clock()
        if status in SENT_STATUSES_FOR_CLAIM:
            self.records.transition(key, [State.CLAIMED], State.SENT, now, twilio_status=status)
            return True
        final = FINAL.get(status)
        if final is None:
            return False
        fields: dict[str, object] = {"twilio_status": status}
        if error_code:
            fields["error_code"] = error_code
        moved = self.records.transition(key, [State.CLAIMED, State.SENT], final, now, **fields)
        if moved and error_code == "21610":
            message = self.records.get(key)
            if message:
                self.dispatcher.opt_out(message.to)
        return moved is not None

    # -- for staff pages -----------------------------------------------------------------------
    def view(self, message: Message) -> MessageView:
        tz = self._location(message.location).tz
        return MessageView(message.key, message.kind, message.state, mask(message.to),
                           message.body, message.sid, message.code, message.location,
                           message.due.astimezone(tz),
                           message.sent_at.astimezone(tz) if message.sent_at else None,
                           message.error, message.sender)

    def messages(self, limit: int = 100) -> list[MessageView]:
        """The most recent texts, newest first (all kinds and states)."""
        return [self.view(m) for m in self.records.recent(limit)]

    def for_screening(self, sid: str) -> list[MessageView]:
        found = self.records.get_many(self.records.keys_for_sid(sid))
        return [self.view(m) for m in sorted(found, key=lambda m: m.due)]

    def reminders(self, limit: int = 500) -> list[MessageView]:
        """Scheduled reminders and next-day checks, soonest first (`due` = next send time)."""
        keys = self.records.due_keys(datetime.max.replace(tzinfo=self.clock().tzinfo), limit)
        found = [m for m in self.records.get_many(keys)
                 if m.kind in CLIENT_FOLLOW_UPS and m.state == State.SCHEDULED]
        return [self.view(m) for m in found]

    def cancel_reminder(self, key: str) -> bool:
        message = self.records.get(key)
        if message is None or message.kind not in CLIENT_FOLLOW_UPS:
            return False
        return self.dispatcher.cancel([key], "cancelled by staff") == 1

    def outbox(self, limit: int = 50) -> list[dict]:
        """Texts the development outbox 'sent' (no Twilio configured), newest first."""
        return self._outbox.recent(limit)

    def clearance_note(self, sid: str) -> str | None:
        note = self.notes.get(sid)
        return note[0] if note else None


SENT_STATUSES_FOR_CLAIM = {"accepted", "scheduled", "queued", "sending", "sent"}
FINAL = {"delivered": State.DELIVERED, "read": State.DELIVERED,
         "undelivered": State.UNDELIVERED, "failed": State.FAILED}
