"""Which limb a therapist's flag is about (questionnaire v2: `symptom_side`, `clot_side`).

The side answers never change the level, the flag codes or the reasons (invariant 8); they
only name the limb in the flag texts. A limb is one of six codes; an unknown side names both
legs (or both arms), because the therapist must then avoid deep work on both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from checker.facts import TRUE, Facts
from checker.rules import any_counting, one_leg

LEFT_LEG, RIGHT_LEG, LEGS = "left_leg", "right_leg", "legs"  # LEGS: side not known
LEFT_ARM, RIGHT_ARM, ARMS = "left_arm", "right_arm", "arms"  # ARMS: side not known
ORDER = (LEFT_LEG, RIGHT_LEG, LEGS, LEFT_ARM, RIGHT_ARM, ARMS)

# The flags whose text names "the affected limb" (or the operated leg, or the vein's limb).
LIMB_FLAGS = frozenset({
    "mld_only_affected_limb", "no_deep_affected_limb", "no_massage_affected_limb",
    "no_deep_over_affected_vein", "no_leg_massage_without_surgeon_clearance",
})

LimbSource = Callable[[Facts], tuple[str, ...]]


def ordered(limbs: Iterable[str]) -> tuple[str, ...]:
    chosen = set(limbs)
    return tuple(limb for limb in ORDER if limb in chosen)


def _is(f: Facts, qid: str, code: str) -> bool:
    return f.picked(qid, code) is TRUE


def symptom_limbs(f: Facts) -> tuple[str, ...]:
    """The limb(s) with the symptom that `limb_context` explains (R6, R7, R9, R35).

    `limb_side` = not_sure keeps both legs in play whatever side is named, and so does
    `limb_symptoms` = not_sure (its side is never asked). With `arm`, the one side answer
    covers the arm too (the question asks for "not sure" when the sides differ).
    """
    side = next((s for s in ("left", "right") if _is(f, "symptom_side", s)), None)
    limbs = []
    if (any_counting(f) & one_leg(f)) is TRUE:
        limbs.append(f"{side}_leg" if side and _is(f, "limb_side", "one") else LEGS)
    if _is(f, "limb_symptoms", "not_sure"):
        limbs.append(LEGS)
    if _is(f, "limb_symptoms", "arm"):
        limbs.append(f"{side}_arm" if side else ARMS)
    return ordered(limbs)


_CLOT_SIDE = {"left_leg": LEFT_LEG, "right_leg": RIGHT_LEG, "arm": ARMS, "lung": LEGS,
              "not_sure": LEGS}


def clot_limbs(f: Facts) -> tuple[str, ...]:
    """Where the clot or the phlebitis was (R21, R22, R23, R25); unknown: both legs."""
    limbs = [limb for code, limb in _CLOT_SIDE.items() if _is(f, "clot_side", code)]
    return ordered(limbs or [LEGS])


# Questionnaire v2: the rule whose flags name a limb, and where that limb comes from.
SOURCES_V2: Mapping[str, LimbSource] = {
    "R6": symptom_limbs, "R7": symptom_limbs, "R9": symptom_limbs, "R35": symptom_limbs,
    "R21": clot_limbs, "R22": clot_limbs, "R23": clot_limbs, "R25": clot_limbs,
}
