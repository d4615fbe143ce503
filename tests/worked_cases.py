"""Worked cases per level under the current questionnaire (v2): answers a client could
give, and what must come out.

Shared by the triage command tests and the web flow tests.
"""

from __future__ import annotations

N = {"emergency_now": ["none"], "emergency_recent": "no"}
NOTHING = {"vein_conditions": ["none"], "medicines": ["none"], "recent_events": ["none"],
           "long_term_factors": ["none"]}
NO_LIMB = {"limb_symptoms": ["none"]}
NO_CLOT = {"clot_history": "no"}

WORKED_CASES: list[tuple[str, dict, str, list[str]]] = [
    # (name, answers, level, flags that must be present)
    ("chest pain now", {"emergency_now": ["chest_pain"]}, "emergency", []),
    ("fainted, also on blood thinners", {"emergency_now": ["fainted", "racing_heart"]},
     "emergency", []),
    ("unchecked breathlessness last week", {**N, "emergency_recent": "yes"}, "urgent", []),
    ("one swollen calf, unexplained",
     {**N, "limb_symptoms": ["swelling"], "limb_side": "one", "symptom_side": "left",
      "limb_context": "none_of_these"},
     "urgent", []),
    ("warm red both legs", {**N, "limb_symptoms": ["warmth", "discoloured"],
                            "limb_side": "both"}, "urgent", []),
    ("not sure about legs, no explanation",
     {**N, "limb_symptoms": ["not_sure"], "limb_context": "none_of_these"}, "urgent", []),
    ("pregnant with headache", {**N, **NO_LIMB, **NO_CLOT, "vein_conditions": ["none"],
                                "medicines": ["none"], "recent_events": ["pregnancy"],
                                "pregnancy_warning": "yes"}, "urgent", []),
    ("waiting for a scan", {**N, **NO_LIMB, "clot_history": "being_checked", **NOTHING},
     "defer", []),
    ("clot 2 months ago", {**N, **NO_LIMB, "clot_history": "yes",
                           "clot_when": "under_3_months", "clot_clearance": "yes",
                           "lasting_symptoms": "no", **NOTHING, "clot_side": ["right_leg"]},
     "defer", ["bring_written_clearance"]),
    ("recent phlebitis on blood thinner",
     {**N, **NO_LIMB, **NO_CLOT, **NOTHING, "vein_conditions": ["phlebitis_recent"],
      "clot_side": ["left_leg"], "medicines": ["anticoagulant"], "bleeding_signs": "no"},
     "defer", ["bring_written_clearance", "light_pressure"]),
    ("cleared clot with lasting symptoms, MLD advised",
     {**N, **NO_LIMB, "clot_history": "yes", "clot_when": "over_12_months",
      "clot_clearance": "yes", "lasting_symptoms": "yes", "mld_recommended": "yes",
      **NOTHING, "clot_side": ["lung"]}, "modified",
     ["mld_only_affected_limb", "no_deep_affected_limb"]),
    ("varicose veins and a smoker",
     {**N, **NO_LIMB, **NO_CLOT, **NOTHING, "vein_conditions": ["varicose"],
      "long_term_factors": ["smoker"]}, "modified", ["no_direct_pressure_varicose",
                                                      "no_deep_legs"]),
    ("knee replacement puffiness",
     {**N, "limb_symptoms": ["swelling"], "limb_side": "one", "symptom_side": "right",
      "limb_context": "after_surgery", **NO_CLOT, **NOTHING, "recent_events": ["surgery"]},
     "modified", ["no_leg_massage_without_surgeon_clearance", "light_pressure"]),
    ("nothing at all", {**N, **NO_LIMB, **NO_CLOT, **NOTHING}, "proceed", []),
    ("cramp that went away, over 60",
     {**N, "limb_symptoms": ["pain"], "limb_side": "one", "symptom_side": "left",
      "pain_kind": "cramp_gone", **NO_CLOT, **NOTHING, "long_term_factors": ["age_60_plus"]},
     "proceed", []),
    # Questionnaire v2's new rows.
    ("bleeding on two antiplatelets (R17)",
     {**N, **NO_LIMB, **NO_CLOT, **NOTHING, "medicines": ["antiplatelet_two"],
      "bleeding_signs": "yes"}, "urgent", []),
    ("cramp gone after an operation (R34)",
     {**N, "limb_symptoms": ["pain"], "limb_side": "one", "symptom_side": "right",
      "pain_kind": "cramp_gone", **NO_CLOT, **NOTHING, "recent_events": ["surgery"]},
     "defer", ["bring_written_clearance"]),
    ("knee puffiness with cancer (R35)",
     {**N, "limb_symptoms": ["swelling"], "limb_side": "one", "symptom_side": "left",
      "limb_context": "after_surgery", **NO_CLOT, **NOTHING, "recent_events": ["surgery"],
      "long_term_factors": ["cancer"]},
     "defer", ["no_leg_massage_without_surgeon_clearance", "bring_written_clearance"]),
    ("PICC line (R36)", {**N, **NO_LIMB, **NO_CLOT, **NOTHING,
                         "long_term_factors": ["central_line"]},
     "modified", ["no_massage_line_limb", "light_pressure"]),
    ("IVF and a long flight (R33)", {**N, **NO_LIMB, **NO_CLOT, **NOTHING,
                                     "recent_events": ["fertility_treatment", "long_journey"]},
     "modified", ["no_deep_legs"]),
    ("sore after running, one aspirin",
     {**N, "limb_symptoms": ["pain"], "limb_side": "both", "pain_kind": "exercise_soreness",
      **NO_CLOT, **NOTHING, "medicines": ["antiplatelet"]}, "proceed", ["check_bruising"]),
]
