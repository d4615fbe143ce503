"""The triage rules as tables: questionnaire v1 (R1–R33) and v2 (v1 with replaced and
added rows), each a list of small named conditions over `checker.facts.Facts`.

A rule certainly true on a partial screening stays true whatever is answered later, so the
same tables decide a finished screening and an early end (see checker.facts). Which limb a
fired rule's flags are about is in `checker.limbs`; a version's bundle is `checker.versions`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from checker.facts import (
    Facts,
    Tiers,
    Tri,
    any_of,
    at_least,
    derived,
    exactly,
)
from checker.outcome import Level

# -- Definitions shared by the rules and the branching -----------------------

LEG_OPTIONS = ("pain", "swelling", "warmth", "discoloured", "hard_vein")

TIERS_V1 = Tiers(
    a=(
        ("recent_events", "surgery"),
        ("recent_events", "hospital_or_bed_rest"),
        ("recent_events", "leg_immobilised"),
        ("recent_events", "major_injury"),
        ("recent_events", "pregnancy"),
        ("long_term_factors", "cancer"),
        ("long_term_factors", "clotting_disorder"),
        ("long_term_factors", "paralysis"),
    ),
    b=(
        ("recent_events", "long_journey"),
        ("recent_events", "covid"),
        ("medicines", "hormones"),
        ("long_term_factors", "age_60_plus"),
        ("long_term_factors", "obesity"),
        ("long_term_factors", "smoker"),
        ("long_term_factors", "family_history"),
        ("long_term_factors", "chronic_condition"),
        ("vein_conditions", "varicose"),
    ),
)
# v2 definitions: Tier A adds minor_procedure, heart_or_stroke, central_line; Tier B adds
# infection, fertility_treatment.
TIERS_V2 = Tiers(
    a=TIERS_V1.a + (
        ("recent_events", "minor_procedure"),
        ("recent_events", "heart_or_stroke"),
        ("long_term_factors", "central_line"),
    ),
    b=TIERS_V1.b + (
        ("recent_events", "infection"),
        ("recent_events", "fertility_treatment"),
    ),
)


@derived
def pain_discounted(f: Facts) -> Tri:
    """Pain that does not count: a passing cramp, or exercise soreness in both legs."""
    return f.picked("pain_kind", "cramp_gone") | (
        f.picked("pain_kind", "exercise_soreness") & f.picked("limb_side", "both")
    )


def counting(f: Facts, code: str) -> Tri:
    chosen = f.picked("limb_symptoms", code)
    return chosen & ~pain_discounted(f) if code == "pain" else chosen


def any_counting(f: Facts, codes: Collection[str] = LEG_OPTIONS) -> Tri:
    return any_of([counting(f, code) for code in codes])


def one_leg(f: Facts) -> Tri:
    """`limb_side` one, or not sure (which counts as one)."""
    return f.picked("limb_side", "one", "not_sure")


@derived
def one_sided(f: Facts) -> Tri:
    """A one-sided counting leg symptom, an arm symptom, or unsure (counts as one-sided)."""
    return (any_counting(f) & one_leg(f)) | f.picked("limb_symptoms", "arm", "not_sure")


@derived
def both_legs_swelling_only(f: Facts) -> Tri:
    others = [code for code in LEG_OPTIONS if code != "swelling"]
    return f.picked("limb_side", "both") & counting(f, "swelling") & ~any_counting(f, others)


@derived
def clot_known(f: Facts) -> Tri:
    """A doctor found a clot, or the client is not sure (which counts as yes)."""
    return f.picked("clot_history", "yes", "not_sure")


@derived
def any_risk_factor(f: Facts) -> Tri:
    return at_least(f, f.tiers.a + f.tiers.b, 1)


def only_pain_or_swelling(f: Facts) -> Tri:
    others = ("warmth", "discoloured", "hard_vein", "arm", "not_sure")
    return f.picked("limb_symptoms", "pain", "swelling") & ~f.picked("limb_symptoms", *others)


def context(f: Facts, code: str) -> Tri:
    """A one-sided symptom (or arm) explained by `limb_context` = code."""
    return one_sided(f) & f.picked("limb_context", code)


@derived
def after_surgery_expected(f: Facts) -> Tri:
    """R9 applies: expected pain or swelling around a recently operated joint."""
    return context(f, "after_surgery") & only_pain_or_swelling(f)


@derived
def known_clot_confirmed(f: Facts) -> Tri:
    return f.picked("clot_history", "yes") | f.picked("vein_conditions", "phlebitis_recent")


@derived
def cleared_after_three_months(f: Facts) -> Tri:
    return (
        clot_known(f)
        & f.picked("clot_clearance", "yes")
        & f.picked("clot_when", "3_to_12_months", "over_12_months")
    )


def lasting_after_clearance(f: Facts) -> Tri:
    return cleared_after_three_months(f) & ~f.picked("lasting_symptoms", "no")


# -- Questionnaire v1: the table ------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    id: str
    level: Level | None  # None: adds flags or a note without a level of its own
    flags: tuple[str, ...]
    reason: str  # for the staff screen
    when: Callable[[Facts], Tri]
    only_if_proceed: bool = False  # a note that holds only when the final level is proceed


NO_DEEP_AFFECTED = "no_deep_affected_limb"
CLEARANCE_FLAGS = (NO_DEEP_AFFECTED, "follow_clearance_limits", "bring_written_clearance")
BLOOD_THINNER_FLAGS = (
    "light_pressure", "no_deep_tissue", "no_cupping_scraping_percussion_heat", "check_bruising",
)

E, U, D, M = Level.EMERGENCY, Level.URGENT, Level.DEFER, Level.MODIFIED

RULES_V1: tuple[Rule, ...] = (
    Rule("R1", E, (), "Possible pulmonary embolism or limb emergency: symptom now or in the "
         "last 24 hours.", lambda f: f.picked(
             "emergency_now", "breathless", "chest_pain", "coughing_blood", "fainted",
             "racing_heart", "limb_crisis", "head_injury_on_blood_thinner")),
    Rule("R2", U, (), "Emergency-type symptom in the last 14 days that no doctor has checked "
         "(or not sure).", lambda f: f.picked("emergency_recent", "yes", "not_sure")),
    Rule("R3", U, (), "One-sided leg or arm symptom with no known explanation: possible DVT.",
         lambda f: context(f, "none_of_these")),
    Rule("R4", D, (), "Limb symptom under a doctor's care (checked in the last 7 days, or part "
         "of a diagnosed clot or phlebitis): written clearance first.",
         lambda f: context(f, "doctor_checked")
         | (context(f, "known_clot") & known_clot_confirmed(f))),
    Rule("R5", U, (), "Limb symptom said to belong to a known clot, but no clot or recent "
         "phlebitis is confirmed in the answers: possible DVT.",
         lambda f: context(f, "known_clot") & ~known_clot_confirmed(f)),
    Rule("R6", M, ("mld_only_affected_limb", NO_DEEP_AFFECTED),
         "Long-term diagnosed limb condition; doctor's letter recommends lymphatic drainage.",
         lambda f: context(f, "long_term") & f.picked("limb_letter", "mld")),
    Rule("R7", M, CLEARANCE_FLAGS,
         "Long-term diagnosed limb condition; doctor's letter says massage is OK.",
         lambda f: context(f, "long_term") & f.picked("limb_letter", "massage_ok")),
    Rule("R8", D, (), "Long-term diagnosed limb condition without a doctor's letter.",
         lambda f: context(f, "long_term") & f.picked("limb_letter", "no")),
    Rule("R9", M, ("no_leg_massage_without_surgeon_clearance", "light_pressure"),
         "Expected, improving pain or swelling around a recently operated joint.",
         after_surgery_expected),
    Rule("R10", U, (), "Limb signs after recent surgery beyond expected pain or swelling: "
         "possible DVT.", lambda f: context(f, "after_surgery") & ~only_pain_or_swelling(f)),
    Rule("R11", U, (), "Pain, warmth, color change or a hard vein in both legs: possible DVT.",
         lambda f: f.picked("limb_side", "both")
         & any_counting(f, ("pain", "warmth", "discoloured", "hard_vein"))),
    Rule("R12", U, (), "New or unexplained swelling in both legs with a clot risk factor.",
         lambda f: both_legs_swelling_only(f)
         & ~f.picked("swelling_course", "long_term") & any_risk_factor(f)),
    Rule("R13", D, (), "New or unexplained swelling in both legs: a doctor should check it first.",
         lambda f: both_legs_swelling_only(f)
         & ~f.picked("swelling_course", "long_term") & ~any_risk_factor(f)),
    Rule("R14", D, (), "Long-standing swelling in both legs with a major clot risk factor.",
         lambda f: both_legs_swelling_only(f) & f.picked("swelling_course", "long_term")
         & at_least(f, [item for item in f.tiers.a if item[1] != "pregnancy"], 1)),
    Rule("R15", M, ("no_deep_legs", "no_mld_without_clearance"),
         "Long-standing swelling in both legs, cause known to a doctor or midwife.",
         lambda f: both_legs_swelling_only(f) & f.picked("swelling_course", "long_term")),
    Rule("R16", U, (), "Pregnancy warning signs (possible pre-eclampsia): contact the maternity "
         "unit or midwife now.", lambda f: f.picked("pregnancy_warning", "yes", "not_sure")),
    Rule("R17", U, (), "Signs of bleeding while on a blood thinner.",
         lambda f: f.picked("bleeding_signs", "yes", "not_sure")),
    Rule("R18", D, (), "Waiting for a scan or results for a possible clot.",
         lambda f: f.picked("clot_history", "being_checked")),
    Rule("R19", D, ("bring_written_clearance",),
         "Clot found less than 3 months ago (or date unknown): no massage yet, even with a note.",
         lambda f: clot_known(f) & f.picked("clot_when", "under_3_months", "not_sure")),
    Rule("R20", D, ("bring_written_clearance",),
         "Past clot without written clearance from a doctor.",
         lambda f: clot_known(f) & ~f.picked("clot_clearance", "yes")),
    Rule("R21", M, CLEARANCE_FLAGS,
         "Past clot, 3 or more months ago, with written clearance.", cleared_after_three_months),
    Rule("R22", M, ("mld_only_affected_limb",),
         "Lasting symptoms after a cleared clot; doctor recommends lymphatic drainage (light, "
         "directed away from the original clot site).",
         lambda f: lasting_after_clearance(f) & f.picked("mld_recommended", "yes")),
    Rule("R23", M, ("no_massage_affected_limb",),
         "Lasting symptoms after a cleared clot, no lymphatic drainage recommended.",
         lambda f: lasting_after_clearance(f) & f.picked("mld_recommended", "no")),
    Rule("R24", D, ("bring_written_clearance",),
         "Superficial thrombophlebitis in the last 3 months (often comes with a DVT).",
         lambda f: f.picked("vein_conditions", "phlebitis_recent")),
    Rule("R25", M, ("no_deep_over_affected_vein",), "Past, settled superficial thrombophlebitis.",
         lambda f: f.picked("vein_conditions", "phlebitis_past")),
    Rule("R26", M, ("no_direct_pressure_varicose",), "Varicose veins.",
         lambda f: f.picked("vein_conditions", "varicose")),
    Rule("R27", M, BLOOD_THINNER_FLAGS,
         "Takes a blood thinner or two antiplatelet medicines: bruising and bleeding risk.",
         lambda f: f.picked("medicines", "anticoagulant", "antiplatelet_two")),
    Rule("R28", None, ("check_bruising",), "Takes one antiplatelet medicine.",
         lambda f: f.picked("medicines", "antiplatelet")),
    Rule("R29", M, ("no_leg_massage_without_clearance", "light_pressure"),
         "Recent surgery, hospital stay or bed rest, leg immobilized, major injury, or paralysis.",
         lambda f: f.picked("recent_events", "surgery", "hospital_or_bed_rest",
                            "leg_immobilised", "major_injury")
         | f.picked("long_term_factors", "paralysis")),
    Rule("R30", M, ("oncology_protocol", "no_deep_legs"), "Cancer now or treated in the last "
         "6 months.", lambda f: f.picked("long_term_factors", "cancer")),
    Rule("R31", M, ("pregnancy_protocol", "no_deep_legs"),
         "Pregnant or within 6 weeks after a pregnancy.",
         lambda f: f.picked("recent_events", "pregnancy")),
    Rule("R32", M, ("no_deep_legs",), "Blood clotting disorder.",
         lambda f: f.picked("long_term_factors", "clotting_disorder")),
    Rule("R33", M, ("no_deep_legs",), "Two or more moderate clot risk factors.",
         lambda f: at_least(f, f.tiers.b, 2)),
    Rule("N1", None, (), "One moderate clot risk factor: be alert to the signs of a clot.",
         lambda f: exactly(f, f.tiers.b, 1)),
)


def revised(table: tuple[Rule, ...], *rows: Rule) -> tuple[Rule, ...]:
    """`table` with each row of the same id replaced in place; new rows go before N1."""
    by_id = {row.id: row for row in rows}
    kept = tuple(by_id.pop(rule.id, rule) for rule in table)
    last = len(kept) - 1 if kept and kept[-1].id == "N1" else len(kept)
    return kept[:last] + tuple(by_id.values()) + kept[last:]


# -- Questionnaire v2: v1's table with these rows replaced or added ---------------------

def other_strong_factor_than_operation(f: Facts) -> Tri:
    operation = ("surgery", "minor_procedure")
    return at_least(f, [item for item in f.tiers.a if item[1] not in operation], 1)


RULES_V2: tuple[Rule, ...] = revised(
    RULES_V1,
    Rule("R17", U, (), "Signs of bleeding while on a blood thinner or two antiplatelet "
         "medicines.", lambda f: f.picked("bleeding_signs", "yes", "not_sure")),
    Rule("R29", M, ("no_leg_massage_without_clearance", "light_pressure"),
         "Recent surgery or smaller procedure, hospital stay or bed rest, leg immobilized, "
         "major injury, heart attack, stroke or heart failure, or paralysis.",
         lambda f: f.picked("recent_events", "surgery", "minor_procedure",
                            "hospital_or_bed_rest", "leg_immobilised", "major_injury",
                            "heart_or_stroke")
         | f.picked("long_term_factors", "paralysis")),
    Rule("R34", D, ("bring_written_clearance",),
         "Cramp-like pain on one side that went away, with a major clot risk factor: a doctor "
         "should check it first.",
         lambda f: f.picked("pain_kind", "cramp_gone") & one_leg(f)
         & at_least(f, f.tiers.a, 1)),
    Rule("R35", D, ("no_leg_massage_without_surgeon_clearance", "bring_written_clearance"),
         "Expected swelling or pain after an operation, but with further clot risk factors: "
         "the surgical team should clear massage first.",
         lambda f: after_surgery_expected(f)
         & (other_strong_factor_than_operation(f) | at_least(f, f.tiers.b, 2))),
    Rule("R36", M, ("no_massage_line_limb", "light_pressure"),
         "Central line, PICC line or port.",
         lambda f: f.picked("long_term_factors", "central_line")),
    Rule("N1", None, (), "One moderate clot risk factor: be alert to the signs of a clot.",
         lambda f: exactly(f, f.tiers.b, 1), only_if_proceed=True),
)

