"""Branching: when each question is asked ("Asked if" in the rules file), per version.

A question without an entry is always asked. Conditions are three-valued over the answers
so far (checker.facts): unknown while an earlier question it depends on is unanswered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from checker.facts import Facts, Tri
from checker.rules import (
    LEG_OPTIONS,
    any_counting,
    both_legs_swelling_only,
    clot_known,
    one_leg,
)

Condition = Callable[[Facts], Tri]


def _leg_pain_only(f: Facts) -> Tri:
    others = [code for code in LEG_OPTIONS if code != "pain"]
    return f.picked("limb_symptoms", "pain") & ~f.picked("limb_symptoms", *others)


ASKED_IF_V1: Mapping[str, Condition] = {
    "emergency_recent": lambda f: f.picked("emergency_now", "none"),
    "limb_side": lambda f: f.picked("limb_symptoms", *LEG_OPTIONS),
    "pain_kind": _leg_pain_only,
    "limb_context": lambda f: f.picked("limb_symptoms", "arm", "not_sure")
    | (any_counting(f) & one_leg(f)),
    "limb_letter": lambda f: f.picked("limb_context", "long_term"),
    "swelling_course": both_legs_swelling_only,
    "clot_when": clot_known,
    "clot_clearance": clot_known,
    "lasting_symptoms": clot_known,
    "mld_recommended": lambda f: ~f.picked("lasting_symptoms", "no")
    & f.picked("clot_clearance", "yes"),
    "bleeding_signs": lambda f: f.picked("medicines", "anticoagulant"),
    "pregnancy_warning": lambda f: f.picked("recent_events", "pregnancy"),
}

ASKED_IF_V2: Mapping[str, Condition] = {
    **ASKED_IF_V1,
    # A leg option on one side (or not sure), or an arm; never for limb_symptoms not_sure.
    "symptom_side": lambda f: (f.picked("limb_symptoms", *LEG_OPTIONS) & one_leg(f))
    | f.picked("limb_symptoms", "arm"),
    "clot_side": lambda f: clot_known(f)
    | f.picked("vein_conditions", "phlebitis_recent", "phlebitis_past"),
    "bleeding_signs": lambda f: f.picked("medicines", "anticoagulant", "antiplatelet_two"),
}
