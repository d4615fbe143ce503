"""Time: an injectable clock, quiet hours and reminder dates (all in the location's zone)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]  # returns an aware UTC datetime

QUIET_END = time(9, 0)  # texts to clients start at 09:00 local ...
QUIET_START = time(19, 0)  # ... and stop at 19:00 local
NEXT_DAY_AT = time(10, 0)
APPOINTMENT_REMINDER_AT = time(10, 0)
MAX_REMINDERS = 6
CADENCE_WEEKS = (2, 4)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def outside_quiet_hours(when: datetime, tz: ZoneInfo) -> datetime:
    """`when`, or 09:00 local the same/next morning if it falls at night (19:00–09:00)."""
    local = when.astimezone(tz)
    if local.time() < QUIET_END:
        return _local(local.date(), QUIET_END, tz)
    if local.time() >= QUIET_START:
        return _local(local.date() + timedelta(days=1), QUIET_END, tz)
    return when.astimezone(UTC)


def cadence_times(start: datetime, weeks: int, count: int, tz: ZoneInfo) -> list[datetime]:
    """`count` reminders every `weeks` weeks after `start` (same local time), out of quiet hours.

    Adding weeks to the local wall time keeps 14:00 at 14:00 across a DST change.
    """
    local = start.astimezone(tz)
    return [outside_quiet_hours((local + timedelta(weeks=weeks * n)).replace(tzinfo=tz), tz)
            for n in range(1, count + 1)]


def appointment_times(now: datetime, appointment: date, tz: ZoneInfo) -> list[datetime]:
    """Reminders a week before and the day before the appointment, 10:00 local, if still ahead."""
    times = [_local(appointment - timedelta(days=days), APPOINTMENT_REMINDER_AT, tz)
             for days in (7, 1)]
    return [t for t in times if t > now]


def next_morning(now: datetime, tz: ZoneInfo) -> datetime:
    local = now.astimezone(tz)
    return _local(local.date() + timedelta(days=1), NEXT_DAY_AT, tz)


def hour_bucket(now: datetime, tz: ZoneInfo) -> tuple[str, datetime]:
    """The local hour `now` falls in (for per-location caps) and when it ends (UTC)."""
    local = now.astimezone(tz).replace(minute=0, second=0, microsecond=0)
    return local.strftime("%Y%m%d%H"), (local + timedelta(hours=1)).astimezone(UTC)
