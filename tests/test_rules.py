"""One test per rule of the v1 table (../shared/clinical-rules.md), under v1 and v2 alike.

v2 keeps every v1 rule; the rows it changes (R17, R29, N1) and adds (R34–R36) have their
own tests in test_rules_v2.py, next to the safer readings of the v2 contract.
"""

from __future__ import annotations

import pytest
from rule_cases import ONE_LEG_SWELLING, assert_fires, outcome

from checker.outcome import Level
from checker.versions import V1, V2, Questionnaire

E, U, D, M, P = (Level.EMERGENCY, Level.URGENT, Level.DEFER, Level.MODIFIED, Level.PROCEED)

ONE_LEG_PAIN = {"limb_symptoms": ("pain",), "limb_side": "one", "pain_kind": "other"}
BOTH_SWELLING = {"limb_symptoms": ("swelling",), "limb_side": "both"}
CLOT = {"clot_history": "yes", "clot_when": "over_12_months", "clot_clearance": "yes",
        "lasting_symptoms": "no"}


@pytest.fixture(params=[V1, V2], ids=["v1", "v2"])
def q(request) -> Questionnaire:
    return request.param


def test_clean_answers_proceed_with_no_rule(q):
    result = outcome(q)
    assert result.level is P and result.rules == () and result.flags == ()


@pytest.mark.parametrize("symptom", ["breathless", "chest_pain", "coughing_blood", "fainted",
                                     "racing_heart", "limb_crisis",
                                     "head_injury_on_blood_thinner"])
def test_r1_any_emergency_symptom_is_an_emergency(q, symptom):
    result = outcome(q, emergency_now=(symptom,))
    assert_fires(result, "R1", E)


@pytest.mark.parametrize("answer", ["yes", "not_sure"])
def test_r2_unchecked_recent_emergency_symptom_is_urgent(q, answer):
    assert_fires(outcome(q, emergency_recent=answer), "R2", U)
    assert "R2" not in outcome(q, emergency_recent="no").rules


@pytest.mark.parametrize("limb", [ONE_LEG_PAIN, ONE_LEG_SWELLING, {"limb_symptoms": ("arm",)},
                                  {"limb_symptoms": ("not_sure",)},
                                  {"limb_symptoms": ("warmth",), "limb_side": "not_sure"}])
def test_r3_unexplained_one_sided_symptom_is_urgent(q, limb):
    assert_fires(outcome(q, **limb, limb_context="none_of_these"), "R3", U)


def test_r4_doctor_checked_or_confirmed_known_clot_defers(q):
    assert_fires(outcome(q, **ONE_LEG_SWELLING, limb_context="doctor_checked"), "R4", D)
    known = {**ONE_LEG_SWELLING, "limb_context": "known_clot"}
    assert_fires(outcome(q, **known, **{**CLOT, "clot_clearance": "no"}), "R4", D)
    assert_fires(outcome(q, **known, vein_conditions=("phlebitis_recent",)), "R4", D)


def test_r5_known_clot_that_is_not_confirmed_is_urgent(q):
    known = {**ONE_LEG_SWELLING, "limb_context": "known_clot"}
    assert_fires(outcome(q, **known), "R5", U)
    not_sure = {"clot_history": "not_sure", "clot_when": "not_sure", "clot_clearance": "no",
                "lasting_symptoms": "no"}
    assert_fires(outcome(q, **known, **not_sure), "R5", U)  # `not_sure` does not confirm


def test_r6_long_term_with_mld_letter_is_modified(q):
    result = outcome(q, **ONE_LEG_SWELLING, limb_context="long_term", limb_letter="mld")
    assert_fires(result, "R6", M, "mld_only_affected_limb", "no_deep_affected_limb")


def test_r7_long_term_with_massage_letter_is_modified(q):
    result = outcome(q, **ONE_LEG_SWELLING, limb_context="long_term", limb_letter="massage_ok")
    assert_fires(result, "R7", M, "no_deep_affected_limb", "follow_clearance_limits",
                 "bring_written_clearance")


def test_r8_long_term_without_letter_defers(q):
    assert_fires(outcome(q, **ONE_LEG_SWELLING, limb_context="long_term", limb_letter="no"),
                 "R8", D)


def test_r9_expected_post_operative_pain_or_swelling_is_modified(q):
    limb = {"limb_symptoms": ("pain", "swelling"), "limb_side": "one"}
    result = outcome(q, **limb, limb_context="after_surgery")
    assert_fires(result, "R9", M, "no_leg_massage_without_surgeon_clearance", "light_pressure")


@pytest.mark.parametrize("limb", [
    {"limb_symptoms": ("pain", "warmth"), "limb_side": "one"},
    {"limb_symptoms": ("swelling", "arm"), "limb_side": "one"},
    {"limb_symptoms": ("not_sure",)},
])
def test_r10_other_signs_after_surgery_are_urgent(q, limb):
    assert_fires(outcome(q, **limb, limb_context="after_surgery"), "R10", U)


@pytest.mark.parametrize("limb", [
    {"limb_symptoms": ("pain",), "limb_side": "both", "pain_kind": "other"},
    {"limb_symptoms": ("warmth",), "limb_side": "both"},
    {"limb_symptoms": ("discoloured", "swelling"), "limb_side": "both"},
    {"limb_symptoms": ("hard_vein",), "limb_side": "both"},
])
def test_r11_counting_signs_in_both_legs_are_urgent(q, limb):
    assert_fires(outcome(q, **limb), "R11", U)


def test_r11_discounted_pain_in_both_legs_is_not_a_symptom(q):
    for kind in ("cramp_gone", "exercise_soreness"):
        result = outcome(q, limb_symptoms=("pain",), limb_side="both", pain_kind=kind)
        assert result.level is P and "R11" not in result.rules


@pytest.mark.parametrize("course", ["new", "not_sure"])
@pytest.mark.parametrize("factor", [{"recent_events": ("long_journey",)},
                                    {"medicines": ("hormones",)},
                                    {"vein_conditions": ("varicose",)},
                                    {"long_term_factors": ("cancer",)}])
def test_r12_new_swelling_in_both_legs_with_a_risk_factor_is_urgent(q, course, factor):
    assert_fires(outcome(q, **BOTH_SWELLING, swelling_course=course, **factor), "R12", U)


def test_r13_new_swelling_in_both_legs_without_risk_factors_defers(q):
    assert_fires(outcome(q, **BOTH_SWELLING, swelling_course="new"), "R13", D)


def test_r14_long_standing_swelling_with_tier_a_factor_defers(q):
    result = outcome(q, **BOTH_SWELLING, swelling_course="long_term",
                     recent_events=("surgery",))
    assert_fires(result, "R14", D)


def test_r14_excludes_pregnancy(q):
    result = outcome(q, **BOTH_SWELLING, swelling_course="long_term",
                     recent_events=("pregnancy",), pregnancy_warning="no")
    assert "R14" not in result.rules and result.level is M


def test_r15_long_standing_swelling_in_both_legs_is_modified(q):
    result = outcome(q, **BOTH_SWELLING, swelling_course="long_term")
    assert_fires(result, "R15", M, "no_deep_legs", "no_mld_without_clearance")


@pytest.mark.parametrize("answer", ["yes", "not_sure"])
def test_r16_pregnancy_warning_signs_are_urgent(q, answer):
    result = outcome(q, recent_events=("pregnancy",), pregnancy_warning=answer)
    assert_fires(result, "R16", U)
    assert "maternity" in next(r for r in result.reasons if r.startswith("R16"))


@pytest.mark.parametrize("answer", ["yes", "not_sure"])
def test_r17_bleeding_signs_on_a_blood_thinner_are_urgent(q, answer):
    assert_fires(outcome(q, medicines=("anticoagulant",), bleeding_signs=answer), "R17", U)


def test_r18_clot_being_checked_defers(q):
    assert_fires(outcome(q, clot_history="being_checked"), "R18", D)


@pytest.mark.parametrize("when", ["under_3_months", "not_sure"])
def test_r19_recent_clot_defers_even_with_a_note(q, when):
    result = outcome(q, **{**CLOT, "clot_when": when})
    assert_fires(result, "R19", D, "bring_written_clearance")
    assert "R21" not in result.rules


@pytest.mark.parametrize("clearance", ["no", "not_sure"])
def test_r20_clot_without_written_clearance_defers(q, clearance):
    result = outcome(q, **{**CLOT, "clot_clearance": clearance})
    assert_fires(result, "R20", D, "bring_written_clearance")


@pytest.mark.parametrize("history", ["yes", "not_sure"])
def test_r21_cleared_clot_three_months_on_is_modified(q, history):
    result = outcome(q, **{**CLOT, "clot_history": history, "clot_when": "3_to_12_months"})
    assert_fires(result, "R21", M, "no_deep_affected_limb", "follow_clearance_limits",
                 "bring_written_clearance")


@pytest.mark.parametrize("lasting", ["yes", "not_sure"])
def test_r22_lasting_symptoms_with_mld_recommended(q, lasting):
    result = outcome(q, **{**CLOT, "lasting_symptoms": lasting}, mld_recommended="yes")
    assert_fires(result, "R22", M, "mld_only_affected_limb", "no_deep_affected_limb")


def test_r23_lasting_symptoms_without_mld_means_no_massage_on_that_limb(q):
    result = outcome(q, **{**CLOT, "lasting_symptoms": "yes"}, mld_recommended="no")
    assert_fires(result, "R23", M, "no_massage_affected_limb")


def test_r24_recent_phlebitis_defers(q):
    result = outcome(q, vein_conditions=("phlebitis_recent",))
    assert_fires(result, "R24", D, "bring_written_clearance")


def test_r25_past_phlebitis_is_modified(q):
    assert_fires(outcome(q, vein_conditions=("phlebitis_past",)), "R25", M,
                 "no_deep_over_affected_vein")


def test_r26_varicose_veins_are_modified(q):
    assert_fires(outcome(q, vein_conditions=("varicose",)), "R26", M,
                 "no_direct_pressure_varicose")


@pytest.mark.parametrize("medicine", [{"medicines": ("anticoagulant",), "bleeding_signs": "no"},
                                      # v2 asks about bleeding here too (ignored by v1)
                                      {"medicines": ("antiplatelet_two",),
                                       "bleeding_signs": "no"}])
def test_r27_blood_thinners_are_modified(q, medicine):
    assert_fires(outcome(q, **medicine), "R27", M, "light_pressure", "no_deep_tissue",
                 "no_cupping_scraping_percussion_heat", "check_bruising")


def test_r28_one_antiplatelet_only_adds_a_bruising_check(q):
    result = outcome(q, medicines=("antiplatelet",))
    assert_fires(result, "R28", P, "check_bruising")
    assert result.flags == ("check_bruising",)


@pytest.mark.parametrize("factor", [{"recent_events": ("surgery",)},
                                    {"recent_events": ("hospital_or_bed_rest",)},
                                    {"recent_events": ("leg_immobilised",)},
                                    {"recent_events": ("major_injury",)},
                                    {"long_term_factors": ("paralysis",)}])
def test_r29_immobility_is_modified(q, factor):
    assert_fires(outcome(q, **factor), "R29", M, "no_leg_massage_without_clearance",
                 "light_pressure")


def test_r30_cancer_is_modified(q):
    assert_fires(outcome(q, long_term_factors=("cancer",)), "R30", M, "oncology_protocol",
                 "no_deep_legs")


def test_r31_pregnancy_is_modified(q):
    result = outcome(q, recent_events=("pregnancy",), pregnancy_warning="no")
    assert_fires(result, "R31", M, "pregnancy_protocol", "no_deep_legs")


def test_r32_clotting_disorder_is_modified(q):
    assert_fires(outcome(q, long_term_factors=("clotting_disorder",)), "R32", M, "no_deep_legs")


def test_r33_two_moderate_factors_across_questions_are_modified(q):
    result = outcome(q, medicines=("hormones",), vein_conditions=("varicose",))
    assert_fires(result, "R33", M, "no_deep_legs")
    assert_fires(outcome(q, long_term_factors=("smoker", "obesity")), "R33", M)


def test_one_moderate_factor_proceeds_with_a_therapist_note(q):
    result = outcome(q, long_term_factors=("age_60_plus",))
    assert result.level is P and result.rules == ("N1",)


def test_flags_are_the_union_even_when_a_higher_level_wins(q):
    result = outcome(q, clot_history="being_checked", medicines=("anticoagulant",),
                     bleeding_signs="no")
    assert result.level is D
    assert "light_pressure" in result.flags and {"R18", "R27"} <= set(result.rules)


def test_arm_and_leg_rules_both_apply_highest_wins(q):
    result = outcome(q, limb_symptoms=("swelling", "arm"), limb_side="both",
                     limb_context="doctor_checked", swelling_course="new")
    assert {"R4", "R13"} <= set(result.rules) and result.level is D
    result = outcome(q, limb_symptoms=("warmth", "arm"), limb_side="both",
                     limb_context="long_term", limb_letter="mld")
    assert {"R6", "R11"} <= set(result.rules) and result.level is U


def test_every_outcome_carries_the_questionnaire_version(q):
    assert outcome(q).version == q.version
    assert outcome(V1).version == "1" and outcome(V2).version == "2"
