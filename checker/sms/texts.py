"""What the texts say. Texts can be read by others: say what to do, never what was answered."""

from __future__ import annotations

from datetime import datetime

from checker.outcome import Level

STOP_HINT = "Reply STOP to stop texts."


def guidance(level: Level, clinic: str, emergency_number: str) -> str:
    if level == Level.EMERGENCY:
        return (f"{clinic}: call {emergency_number} now and tell them what is happening. "
                "Don't drive yourself. Don't rub or massage your leg. No massage today.")
    return (f"{clinic}: no massage today. Please get medical help today: your doctor, "
            "urgent care or the emergency department. If you become short of breath, get "
            f"chest pain, cough up blood or faint, call {emergency_number} now.")


def reminder(clinic: str, number: int, total: int) -> str:
    return (f"{clinic} reminder {number} of {total}: before you book a massage, please get "
            "written clearance from your doctor saying massage is OK, and bring the letter. "
            f"Reply CLEARED once you have it. {STOP_HINT}")


def appointment_reminder(clinic: str, day: str) -> str:
    return (f"{clinic} reminder: your doctor's appointment is on {day}. Please ask for "
            "written clearance saying massage is OK, and bring the letter to us. "
            f"Reply CLEARED once you have it. {STOP_HINT}")


def next_day_check(clinic: str, emergency_number: str) -> str:
    return (f"{clinic}: checking in after yesterday. Have you been checked by a doctor? If not, "
            "please get medical help today. If you become short of breath, get chest pain, "
            f"cough up blood or faint, call {emergency_number} now. {STOP_HINT}")


def staff_alert(clinic: str, code: str, level: Level, at: datetime) -> str:
    return (f"ClotCheck {clinic}: check-in {code} is {level.value.upper()} "
            f"({at:%H:%M}). No massage. See the staff screen.")


def staff_alert_summary(clinic: str, cap: int, until: datetime) -> str:
    return (f"ClotCheck {clinic}: more than {cap} check-ins needed attention this hour. "
            f"Texts are paused until {until:%H:%M}; see the staff screen for all of them.")


def cleared_ack(clinic: str) -> str:
    return (f"{clinic}: thank you. We have stopped your reminders. Please bring the letter "
            "from your doctor to your next visit.")


def help_text(clinic: str) -> str:
    return (f"{clinic} (ClotCheck): reply CLEARED when your doctor has cleared you for "
            "massage, STOP to stop texts, START to get them again. For medical help call "
            "your doctor; in an emergency call the emergency number.")
