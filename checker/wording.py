"""Words for people: therapist instructions per flag, a title per level, the emergency signs.

English here, marked with `N_` for the catalog. Pages and texts translate them where they
are shown: the functions take a `translate` callable (gettext in a page, the catalog's
translate for a text, identity for the English staff pages).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from babel.lists import format_list

from checker.catalog import N_, translate
from checker.limbs import ARMS, LEFT_ARM, LEFT_LEG, LEGS, RIGHT_ARM, RIGHT_LEG
from checker.outcome import Level, Outcome

Translate = Callable[[str], str]

# The therapist's words for each flag (outcome page, staff board, export). `%(limb)s` is
# filled by `flag_text` with the limb the answers name, or the generic phrase below.
FLAG_TEXT: dict[str, str] = {
    "mld_only_affected_limb": N_("Only light manual lymphatic drainage on %(limb)s, as the "
    "doctor recommended, directed away from the original clot site."),
    "no_deep_affected_limb": N_("No deep pressure on %(limb)s."),
    "follow_clearance_limits": N_("Follow any limits written in the doctor's clearance."),
    "bring_written_clearance": N_("Needs written clearance from a doctor; keep a copy on file."),
    "no_leg_massage_without_surgeon_clearance": N_("No massage on %(limb)s without the "
    "surgeon's clearance."),
    "no_leg_massage_without_clearance": N_("No leg massage without a doctor's clearance."),
    "light_pressure": N_("Light pressure only."),
    "no_deep_legs": N_("No deep pressure on the legs."),
    "no_mld_without_clearance": N_("No lymphatic drainage without a doctor's clearance."),
    "no_massage_affected_limb": N_("No massage on %(limb)s."),
    "no_deep_over_affected_vein": N_("No deep pressure over the affected vein in %(limb)s."),
    "no_direct_pressure_varicose": N_("No direct pressure on varicose veins."),
    "no_deep_tissue": N_("No deep-tissue work."),
    "no_cupping_scraping_percussion_heat": N_("No cupping, scraping, percussion or heat."),
    "check_bruising": N_("Check for bruising before and after; use gentle pressure."),
    "oncology_protocol": N_("Follow the oncology massage protocol."),
    "pregnancy_protocol": N_("Follow the pregnancy massage protocol."),
    "no_massage_line_limb": N_("No massage or pressure on the arm, shoulder and chest on the "
    "side with the central line, PICC line or port; light pressure elsewhere."),
}

# `mld_only_affected_limb` says "away from the original clot site" only when a clot is known
# (R22); for a long-term condition with a doctor's letter (R6) it follows the letter.
MLD_AS_LETTER = N_("Only light manual lymphatic drainage on %(limb)s, as the doctor's letter "
                   "describes.")
MLD_AS_LETTER_AND_AWAY = N_("Only light manual lymphatic drainage on %(limb)s, as the doctor's "
                            "letter describes, directed away from the original clot site.")

AFFECTED_LIMB = N_("the affected limb")  # when no side was asked (v1) or answered
OPERATED_LEG = N_("the operated leg")
_LEG_PHRASE = {LEFT_LEG: N_("the left leg"), RIGHT_LEG: N_("the right leg")}
_ARM_PHRASE = {LEFT_ARM: N_("the left arm"), RIGHT_ARM: N_("the right arm")}
BOTH_LEGS, BOTH_ARMS = N_("both legs"), N_("both arms")
AND = N_("%(first)s and %(second)s")
SIDE_NOT_KNOWN = {LEGS: N_("Side not known: avoid deep work on both legs."),
                  ARMS: N_("Side not known: avoid deep work on both arms.")}


def _same(message: str) -> str:
    return message


def flag_text(flag: str, outcome: Outcome, translate: Translate = _same) -> str:
    """The therapist's words for one of `outcome`'s flags, naming the limb when known."""
    template = _template(flag, outcome)
    if "%(limb)s" not in template:
        return translate(template)
    limbs = outcome.limbs_for(flag)
    generic = OPERATED_LEG if flag == "no_leg_massage_without_surgeon_clearance" else (
        AFFECTED_LIMB)
    text = translate(template) % {"limb": limb_phrase(limbs, translate) or translate(generic)}
    notes = [translate(SIDE_NOT_KNOWN[limb]) for limb in (LEGS, ARMS) if limb in limbs]
    return " ".join([text, *notes])


def flag_texts(outcome: Outcome, translate: Translate = _same) -> list[str]:
    return [flag_text(flag, outcome, translate) for flag in outcome.flags]


def _template(flag: str, outcome: Outcome) -> str:
    if flag == "mld_only_affected_limb" and "R6" in outcome.rules:
        return MLD_AS_LETTER_AND_AWAY if "R22" in outcome.rules else MLD_AS_LETTER
    return FLAG_TEXT.get(flag, flag)


def limb_phrase(limbs: tuple[str, ...], translate: Translate = _same) -> str:
    """'the left leg', 'both legs', 'the right leg and both arms'; '' when none is named."""
    parts = [part for part in (_pair(limbs, LEGS, _LEG_PHRASE, BOTH_LEGS),
                               _pair(limbs, ARMS, _ARM_PHRASE, BOTH_ARMS)) if part]
    parts = [translate(part) for part in parts]
    if len(parts) == 2:
        return translate(AND) % {"first": parts[0], "second": parts[1]}
    return parts[0] if parts else ""


def _pair(limbs: tuple[str, ...], unknown: str, one_side: dict[str, str], both: str) -> str:
    sides = [limb for limb in one_side if limb in limbs]
    if unknown in limbs or len(sides) == 2:
        return both
    return one_side[sides[0]] if sides else ""


# Short titles for the client's outcome page and the staff badge.
LEVEL_TITLE: dict[Level, str] = {
    Level.EMERGENCY: N_("Call the emergency number now"),
    Level.URGENT: N_("No massage today: get medical help today"),
    Level.DEFER: N_("We can't massage you yet"),
    Level.MODIFIED: N_("Massage can go ahead, with some changes"),
    Level.PROCEED: N_("Massage can go ahead"),
}

# Every outcome carries this instruction for the therapist (clinical rules); %(number)s is
# the location's emergency number.
THERAPIST_INSTRUCTION = N_(
    "If signs of a clot appear during a session, stop all pressure and movement on the area. "
    "If the client becomes short of breath, has chest pain, coughs up blood, feels faint or "
    "has a racing heartbeat, call the emergency number (%(number)s). Otherwise, refer them "
    "for medical help the same day.")

# Outcome pages speak to the rules that fired.
LIMB_URGENT_RULES = frozenset({"R3", "R5", "R10", "R11", "R12"})  # a limb may hold a clot
BLOOD_THINNER_BLEEDING = "R17"
PREGNANCY_WARNING = "R16"  # said on the page only: a text must not reveal a pregnancy
# Deferred because something may be wrong now (not only paperwork): see a doctor soon.
SEE_DOCTOR_SOON_RULES = frozenset({"R4", "R8", "R13", "R18", "R34", "R35"})


@dataclass(frozen=True)
class UrgentAdvice:
    """What an `urgent` page says beyond "no massage today" and the emergency signs."""

    maternity: bool  # contact the maternity unit or midwife now (R16)
    limb: bool  # stop pressure, rubbing, stretching and heat on the limb
    medical_help_today: bool
    keep_blood_thinner: bool  # do not stop it unless a doctor says so (R17)


def urgent_advice(outcome: Outcome) -> UrgentAdvice:
    rules = set(outcome.rules)
    maternity = PREGNANCY_WARNING in rules
    limb = bool(rules & LIMB_URGENT_RULES)
    bleeding = BLOOD_THINNER_BLEEDING in rules
    # Pregnancy warning signs alone: the maternity unit or midwife is the medical help.
    help_today = not maternity or limb or bleeding or "R2" in rules
    return UrgentAdvice(maternity, limb, help_today, bleeding)


def see_doctor_soon(outcome: Outcome) -> bool:
    return bool(SEE_DOCTOR_SOON_RULES & set(outcome.rules))


# Every "call the emergency number now" list names exactly these (v2 wording).
EMERGENCY_SIGNS: tuple[str, ...] = (
    N_("sudden shortness of breath"),
    N_("chest or upper-back pain"),
    N_("coughing up blood"),
    N_("fainting or nearly fainting"),
    N_("a racing or pounding heartbeat"),
    N_("a leg that suddenly becomes very swollen and blue, or cold, pale and numb"),
)


def emergency_signs(lang: str) -> list[str]:
    """The emergency signs in `lang`, one per list item."""
    return [translate(lang, sign) for sign in EMERGENCY_SIGNS]


def emergency_signs_sentence(lang: str) -> str:
    """The emergency signs as one phrase: 'a, b, ... or f' (texts, poster, short notices)."""
    return format_list(emergency_signs(lang), style="or", locale=lang)
