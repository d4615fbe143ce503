"""Questionnaire v2's changed and added rules, tiers and limbs (../shared/clinical-rules.md).

Where the v2 contract is unclear, the safer reading wins; each is written down here as a
comment starting "Safer reading" and naming the rule, next to the test that pins it.
"""

from __future__ import annotations

import pytest
from answer_paths import CLEAN
from rule_cases import ONE_LEG_SWELLING, assert_fires, outcome

from checker.flow import evaluate
from checker.outcome import Level, Outcome
from checker.rules import RULES_V1, RULES_V2
from checker.versions import V1, V2
from checker.wording import flag_text, flag_texts

E, U, D, M, P = (Level.EMERGENCY, Level.URGENT, Level.DEFER, Level.MODIFIED, Level.PROCEED)

CRAMP_ONE_SIDE = {"limb_symptoms": ("pain",), "limb_side": "one", "symptom_side": "right",
                  "pain_kind": "cramp_gone"}
AFTER_SURGERY = {"limb_symptoms": ("swelling",), "limb_side": "one", "symptom_side": "left",
                 "limb_context": "after_surgery"}
CLOT = {"clot_history": "yes", "clot_when": "over_12_months", "clot_clearance": "yes",
        "lasting_symptoms": "no"}


def v2(**changes) -> Outcome:
    return outcome(V2, **changes)


def test_v2_table_is_v1_with_r17_r29_n1_replaced_and_r34_to_r36_added():
    v1_ids = [rule.id for rule in RULES_V1]
    assert [rule.id for rule in RULES_V2] == v1_ids[:-1] + ["R34", "R35", "R36", "N1"]
    v1 = {rule.id: rule for rule in RULES_V1}
    changed = {rule.id for rule in RULES_V2 if rule.id in v1 and rule is not v1[rule.id]}
    assert changed == {"R17", "R29", "N1"}
    assert RULES_V2[-1].only_if_proceed and not v1["N1"].only_if_proceed


# -- changed rows ---------------------------------------------------------------------

@pytest.mark.parametrize("answer", ["yes", "not_sure"])
def test_r17_bleeding_signs_on_two_antiplatelets_are_urgent_in_v2(answer):
    result = v2(medicines=("antiplatelet_two",), bleeding_signs=answer)
    assert_fires(result, "R17", U)
    assert "two antiplatelet" in next(r for r in result.reasons if r.startswith("R17"))
    # v1 never asks it for two antiplatelets: the answer is ignored there.
    v1 = evaluate({**CLEAN, "medicines": ("antiplatelet_two",), "bleeding_signs": answer}, V1)
    assert v1.outcome.level is M and v1.ignored == ("bleeding_signs",)


def test_r17_is_not_asked_for_one_antiplatelet():
    progress = evaluate({**CLEAN, "medicines": ("antiplatelet",), "bleeding_signs": "yes"})
    assert progress.outcome.level is P and progress.ignored == ("bleeding_signs",)


@pytest.mark.parametrize("event", ["minor_procedure", "heart_or_stroke", "surgery",
                                   "hospital_or_bed_rest", "leg_immobilised", "major_injury"])
def test_r29_v2_adds_minor_procedures_and_heart_attack_or_stroke(event):
    assert_fires(v2(recent_events=(event,)), "R29", M, "no_leg_massage_without_clearance",
                 "light_pressure")


def test_n1_only_when_the_final_level_is_proceed():
    assert v2(long_term_factors=("smoker",)).rules == ("N1",)
    with_varicose_only = v2(recent_events=("long_journey",), long_term_factors=("cancer",))
    assert "N1" not in with_varicose_only.rules and with_varicose_only.level is M
    # v1 keeps its note whatever the level.
    assert "N1" in outcome(V1, recent_events=("long_journey",),
                           long_term_factors=("cancer",)).rules


# -- tiers ----------------------------------------------------------------------------

@pytest.mark.parametrize("factor", [{"recent_events": ("minor_procedure",)},
                                    {"recent_events": ("heart_or_stroke",)},
                                    {"long_term_factors": ("central_line",)}])
def test_v2_tier_a_adds_procedures_heart_or_stroke_and_central_lines(factor):
    both = {"limb_symptoms": ("swelling",), "limb_side": "both"}
    assert_fires(v2(**both, swelling_course="new", **factor), "R12", U)
    assert_fires(v2(**both, swelling_course="long_term", **factor), "R14", D)


@pytest.mark.parametrize("event", ["infection", "fertility_treatment"])
def test_v2_tier_b_adds_infection_and_fertility_treatment(event):
    assert v2(recent_events=(event,)).rules == ("N1",)
    assert_fires(v2(recent_events=(event, "covid")), "R33", M, "no_deep_legs")


# -- added rows -----------------------------------------------------------------------

@pytest.mark.parametrize("factor", [{"recent_events": ("surgery",)},
                                    {"recent_events": ("pregnancy",), "pregnancy_warning": "no"},
                                    {"long_term_factors": ("central_line",)},
                                    {"long_term_factors": ("cancer",)}])
@pytest.mark.parametrize("side", ["one", "not_sure"])
def test_r34_passing_cramp_on_one_side_with_a_tier_a_factor_defers(factor, side):
    result = v2(**{**CRAMP_ONE_SIDE, "limb_side": side}, **factor)
    assert_fires(result, "R34", D, "bring_written_clearance")


def test_r34_not_without_tier_a_or_for_both_legs():
    assert "R34" not in v2(**CRAMP_ONE_SIDE, long_term_factors=("smoker",)).rules
    both = {"limb_symptoms": ("pain",), "limb_side": "both", "pain_kind": "cramp_gone"}
    result = v2(**both, recent_events=("surgery",))
    assert "R34" not in result.rules and result.level is M  # R29 only
    v1_cramp = {k: v for k, v in CRAMP_ONE_SIDE.items() if k != "symptom_side"}
    assert "R34" not in outcome(V1, **v1_cramp, recent_events=("surgery",)).rules


@pytest.mark.parametrize("factors", [
    {"recent_events": ("surgery", "hospital_or_bed_rest")},
    {"recent_events": ("surgery",), "long_term_factors": ("cancer",)},
    {"recent_events": ("surgery", "pregnancy"), "pregnancy_warning": "no"},
    {"recent_events": ("minor_procedure", "long_journey"), "long_term_factors": ("smoker",)},
    {"recent_events": ("surgery",), "medicines": ("hormones",),
     "long_term_factors": ("obesity",)},
])
def test_r35_after_surgery_with_further_risk_factors_defers(factors):
    result = v2(**AFTER_SURGERY, **factors)
    assert_fires(result, "R35", D, "no_leg_massage_without_surgeon_clearance",
                 "bring_written_clearance")
    assert "R9" in result.rules  # R9 still applies; the higher level wins


@pytest.mark.parametrize("factors", [
    {"recent_events": ("surgery",)},
    {"recent_events": ("surgery", "minor_procedure")},  # both are "the operation"
    {"recent_events": ("surgery",), "long_term_factors": ("smoker",)},  # one Tier B
])
def test_r35_not_for_the_operation_alone_or_one_moderate_factor(factors):
    result = v2(**AFTER_SURGERY, **factors)
    assert "R35" not in result.rules and result.level is M


def test_r36_central_line_is_modified():
    result = v2(long_term_factors=("central_line",))
    assert_fires(result, "R36", M, "no_massage_line_limb", "light_pressure")
    assert "central line" in flag_text("no_massage_line_limb", result)


# -- the side of the body names the limb ----------------------------------------------

def texts(result: Outcome) -> str:
    return " | ".join(flag_texts(result))


def test_symptom_side_names_the_limb_of_r6_r7_and_r9():
    r7 = v2(**{**ONE_LEG_SWELLING, "symptom_side": "left"}, limb_context="long_term",
            limb_letter="massage_ok")
    assert r7.limbs_for("no_deep_affected_limb") == ("left_leg",)
    assert "No deep pressure on the left leg." in texts(r7)
    r9 = v2(**{**AFTER_SURGERY, "symptom_side": "right"}, recent_events=("surgery",))
    assert "No massage on the right leg without the surgeon's clearance." in texts(r9)
    arm = v2(limb_symptoms=("arm",), symptom_side="right", limb_context="long_term",
             limb_letter="mld")
    assert "No deep pressure on the right arm." in texts(arm)


def test_clot_side_names_the_limb_of_r21_to_r23_and_r25():
    r23 = v2(**{**CLOT, "lasting_symptoms": "yes"}, mld_recommended="no",
             clot_side=("right_leg",))
    assert "No massage on the right leg." in texts(r23)
    assert "No deep pressure on the right leg." in texts(r23)  # R21
    r25 = v2(vein_conditions=("phlebitis_past",), clot_side=("left_leg",))
    assert "No deep pressure over the affected vein in the left leg." in texts(r25)


@pytest.mark.parametrize("where", [("lung",), ("not_sure",), ("lung", "left_leg")])
def test_a_lung_or_unknown_clot_side_means_both_legs(where):
    result = v2(**CLOT, clot_side=where)
    text = flag_text("no_deep_affected_limb", result)
    assert text == ("No deep pressure on both legs. "
                    "Side not known: avoid deep work on both legs.")


def test_both_legs_named_without_the_unknown_note_when_both_sides_are_known():
    result = v2(**CLOT, clot_side=("left_leg", "right_leg"))
    assert flag_text("no_deep_affected_limb", result) == "No deep pressure on both legs."


def test_mld_wording_follows_the_rule_r22_away_from_the_clot_r6_as_the_letter_says():
    r22 = v2(**{**CLOT, "lasting_symptoms": "yes"}, mld_recommended="yes",
             clot_side=("left_leg",))
    assert flag_text("mld_only_affected_limb", r22) == (
        "Only light manual lymphatic drainage on the left leg, as the doctor recommended, "
        "directed away from the original clot site.")
    r6 = v2(**{**ONE_LEG_SWELLING, "symptom_side": "right"}, limb_context="long_term",
            limb_letter="mld")
    assert flag_text("mld_only_affected_limb", r6) == (
        "Only light manual lymphatic drainage on the right leg, as the doctor's letter "
        "describes.")
    assert "clot" not in flag_text("mld_only_affected_limb", r6)
    # Safer reading (R6 with R22): both fired, so both limits are said.
    both = v2(**{**ONE_LEG_SWELLING, "symptom_side": "left"}, limb_context="long_term",
              limb_letter="mld", **{**CLOT, "lasting_symptoms": "yes"},
              mld_recommended="yes", clot_side=("left_leg",))
    assert {"R6", "R22"} <= set(both.rules)
    assert flag_text("mld_only_affected_limb", both).endswith(
        "as the doctor's letter describes, directed away from the original clot site.")


def test_safer_reading_one_flag_from_two_rules_names_every_limb():
    # Safer reading (R7 + R21): `no_deep_affected_limb` for a left-leg condition and a
    # right-leg clot names both legs, not whichever rule came first.
    result = v2(**{**ONE_LEG_SWELLING, "symptom_side": "left"}, limb_context="long_term",
                limb_letter="massage_ok", **CLOT, clot_side=("right_leg",))
    assert result.limbs_for("no_deep_affected_limb") == ("left_leg", "right_leg")
    assert flag_text("no_deep_affected_limb", result) == "No deep pressure on both legs."


def test_safer_reading_unsure_which_legs_names_both_whatever_side():
    # Safer reading (R6/R7/R9/R35): `limb_side` not_sure ("one or both legs?") keeps both
    # legs in play even when a side is named; the side cannot rule the other leg out.
    result = v2(limb_symptoms=("swelling",), limb_side="not_sure", symptom_side="left",
                limb_context="long_term", limb_letter="massage_ok")
    assert result.limbs_for("no_deep_affected_limb") == ("legs",)
    assert "both legs" in flag_text("no_deep_affected_limb", result)


def test_safer_reading_not_sure_symptoms_name_both_legs():
    # Safer reading (R6/R7): `limb_symptoms` not_sure is never asked a side: both legs.
    result = v2(limb_symptoms=("not_sure",), limb_context="long_term", limb_letter="mld")
    assert result.limbs_for("no_deep_affected_limb") == ("legs",)


def test_safer_reading_one_side_answer_covers_a_leg_and_an_arm():
    # Safer reading (R6/R7): with a one-sided leg symptom and an arm, the single side answer
    # names both limbs; the question asks for "not sure" when their sides differ, and then
    # both legs and both arms are named.
    answers = {"limb_symptoms": ("swelling", "arm"), "limb_side": "one",
               "limb_context": "long_term", "limb_letter": "massage_ok"}
    left = v2(**answers, symptom_side="left")
    assert flag_text("no_deep_affected_limb", left) == (
        "No deep pressure on the left leg and the left arm.")
    unsure = v2(**answers, symptom_side="not_sure")
    assert flag_text("no_deep_affected_limb", unsure) == (
        "No deep pressure on both legs and both arms. Side not known: avoid deep work on "
        "both legs. Side not known: avoid deep work on both arms.")


def test_safer_reading_an_arm_clot_names_both_arms():
    # Safer reading (R21): `clot_side` arm does not say which arm: both arms.
    result = v2(**CLOT, clot_side=("arm",))
    assert flag_text("no_deep_affected_limb", result) == (
        "No deep pressure on both arms. Side not known: avoid deep work on both arms.")


def test_v1_outcomes_name_no_limb():
    result = outcome(V1, **CLOT)
    assert result.limbs == () and "limbs" not in result.as_dict()
    assert flag_text("no_deep_affected_limb", result) == "No deep pressure on the affected limb."
    r9 = outcome(V1, **{k: v for k, v in AFTER_SURGERY.items() if k != "symptom_side"},
                 recent_events=("surgery",))
    assert "No massage on the operated leg without the surgeon's clearance." in texts(r9)


def test_limbs_round_trip_through_the_stored_form():
    result = v2(**CLOT, clot_side=("left_leg", "arm"))
    data = result.as_dict()
    assert data["limbs"] == {"no_deep_affected_limb": ["left_leg", "arms"]}
    assert Outcome.from_dict(data) == result


def test_every_v2_rule_with_a_limb_flag_has_a_limb_source():
    from checker.limbs import LIMB_FLAGS
    for rule in RULES_V2:
        if LIMB_FLAGS & set(rule.flags):
            assert rule.id in V2.limb_sources, rule.id


def test_safer_reading_a_side_not_yet_asked_names_both_legs():
    # Safer reading (R21 on an early end): R5 makes it urgent before `clot_side` is asked;
    # the cleared clot's flag then names both legs, not none.
    answers = {**CLEAN, "limb_symptoms": ("swelling",), "limb_side": "one",
               "symptom_side": "left", "limb_context": "known_clot",
               "clot_history": "not_sure", "clot_when": "3_to_12_months",
               "clot_clearance": "yes", "lasting_symptoms": "no"}
    progress = evaluate(answers)
    assert progress.early and {"R5", "R21"} <= set(progress.outcome.rules)
    assert "clot_side" not in progress.answers
    assert progress.outcome.limbs_for("no_deep_affected_limb") == ("legs",)
