"""What the texts say. Texts can be read by others: say what to do, never what was answered.

Client texts are in the screening's language (`lang`): built from the message catalog with
babel directly, since reminders are written outside the client's own request. Keywords
(STOP, CLEARED, START) stay in capitals and untranslated: the carrier and our inbound handler
act on them. Staff alerts are English, like the staff pages.
"""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date

from checker.catalog import DEFAULT_LANG, N_, translate
from checker.outcome import Level
from checker.wording import emergency_signs_sentence

STOP_HINT = N_("Reply STOP to stop texts.")
# Every client text that is not itself "call now" ends with the emergency signs (v2).
SAFETY_NET = N_("If you get %(signs)s, call %(number)s now.")


def safety_net(emergency_number: str, lang: str = DEFAULT_LANG) -> str:
    return translate(lang, SAFETY_NET, signs=emergency_signs_sentence(lang),
                     number=emergency_number)


def _with_stop(lang: str, text: str) -> str:
    return f"{text} {translate(lang, STOP_HINT)}"


def guidance(level: Level, clinic: str, emergency_number: str, lang: str = DEFAULT_LANG) -> str:
    """Seek-care advice. The same for every urgent rule: a text can be read by others, so it
    never says why (R16's maternity advice is on the page only)."""
    if level == Level.EMERGENCY:
        return translate(lang, N_("%(clinic)s: call %(number)s now and tell them what is "
                                  "happening. Don't drive yourself. Don't rub or massage your "
                                  "leg. No massage today."),
                         clinic=clinic, number=emergency_number)
    advice = translate(lang, N_("%(clinic)s: no massage today. Please get medical help today: "
                                "your doctor, urgent care or the emergency department."),
                       clinic=clinic)
    return f"{advice} {safety_net(emergency_number, lang)}"


def reminder(clinic: str, number: int, total: int, emergency_number: str,
             lang: str = DEFAULT_LANG) -> str:
    return _with_stop(lang, translate(
        lang, N_("%(clinic)s reminder %(number)s of %(total)s: before you book a massage, "
                 "please get written clearance from your doctor saying massage is OK, and bring "
                 "the letter. Reply CLEARED once you have it."),
        clinic=clinic, number=number, total=total) + " " + safety_net(emergency_number, lang))


def appointment_day(day: date, lang: str = DEFAULT_LANG) -> str:
    """'Tuesday 14 July' / 'martes 14 de julio'."""
    pattern = "EEEE d 'de' MMMM" if lang == "es" else "EEEE d MMMM"
    return format_date(day, pattern, locale=lang)


def appointment_reminder(clinic: str, day: str, emergency_number: str,
                         lang: str = DEFAULT_LANG) -> str:
    return _with_stop(lang, translate(
        lang, N_("%(clinic)s reminder: your doctor's appointment is on %(day)s. Please ask for "
                 "written clearance saying massage is OK, and bring the letter to us. Reply "
                 "CLEARED once you have it."),
        clinic=clinic, day=day) + " " + safety_net(emergency_number, lang))


def next_day_check(clinic: str, emergency_number: str, lang: str = DEFAULT_LANG) -> str:
    return _with_stop(lang, translate(
        lang, N_("%(clinic)s: checking in after yesterday. Have you been checked by a doctor? "
                 "If not, please get medical help today."),
        clinic=clinic) + " " + safety_net(emergency_number, lang))


def staff_alert(clinic: str, code: str, level: Level, at: datetime) -> str:
    return (f"ClotCheck {clinic}: check-in {code} is {level.value.upper()} "
            f"({at:%H:%M}). No massage. See the staff screen.")


def staff_alert_summary(clinic: str, cap: int, until: datetime) -> str:
    return (f"ClotCheck {clinic}: more than {cap} check-ins needed attention this hour. "
            f"Texts are paused until {until:%H:%M}; see the staff screen for all of them.")


def cleared_ack(clinic: str, lang: str = DEFAULT_LANG) -> str:
    return translate(lang, N_("%(clinic)s: thank you. We have stopped your reminders. Please "
                              "bring the letter from your doctor to your next visit."),
                     clinic=clinic)


def help_text(clinic: str, emergency_number: str, lang: str = DEFAULT_LANG) -> str:
    return translate(lang, N_("%(clinic)s (ClotCheck): reply CLEARED when your doctor has "
                              "cleared you for massage, STOP to stop texts, START to get them "
                              "again. For medical help call your doctor; in an emergency call "
                              "%(number)s."),
                     clinic=clinic, number=emergency_number)
