"""The flow API: branching, validation, early ends, dropped answers."""

from __future__ import annotations

import pytest
from answer_paths import CLEAN

from checker.flow import AnswerError, evaluate, first_unanswered, options_for, validate_answer
from checker.outcome import Level
from checker.questionnaire import QUESTIONS, V1_QUESTIONS
from checker.versions import CURRENT, V1, V2, questionnaire_for

NO_EMERGENCY = {"emergency_now": ("none",), "emergency_recent": "no"}


V1_ORDER = [
    "emergency_now", "emergency_recent", "limb_symptoms", "limb_side", "pain_kind",
    "limb_context", "limb_letter", "swelling_course", "clot_history", "clot_when",
    "clot_clearance", "lasting_symptoms", "mld_recommended", "vein_conditions",
    "medicines", "bleeding_signs", "recent_events", "pregnancy_warning",
    "long_term_factors"]


def test_questions_are_the_nineteen_of_v1_in_order():
    assert [q.id for q in V1_QUESTIONS] == V1_ORDER == list(V1.question_ids)
    assert len({q.title for q in V1_QUESTIONS}) == len(V1_QUESTIONS)


def test_v2_is_current_and_adds_the_two_side_questions_in_place():
    assert CURRENT is V2 and V2.version == "2" and V2.questions is QUESTIONS
    order = list(V1_ORDER)
    order.insert(order.index("limb_side") + 1, "symptom_side")
    order.insert(order.index("vein_conditions") + 1, "clot_side")
    assert [q.id for q in QUESTIONS] == order
    assert len({q.title for q in QUESTIONS}) == len(QUESTIONS)
    assert questionnaire_for("1") is V1 and questionnaire_for("2") is V2
    with pytest.raises(KeyError):
        questionnaire_for("3")


def test_v2_new_options_and_the_six_month_covid_window():
    v1, v2 = V1.question("recent_events"), V2.question("recent_events")
    assert v2.codes == ("surgery", "hospital_or_bed_rest", "leg_immobilised", "major_injury",
                        "pregnancy", "long_journey", "covid", "minor_procedure",
                        "heart_or_stroke", "infection", "fertility_treatment", "none")
    assert "3 months" in v1.option("covid").label and "6 months" in v2.option("covid").label
    assert V2.question("long_term_factors").codes[-2:] == ("central_line", "none")
    assert "central_line" not in V1.question("long_term_factors").codes
    assert V2.question("symptom_side").codes == ("left", "right", "not_sure")
    clot_side = V2.question("clot_side")
    assert clot_side.codes == ("left_leg", "right_leg", "arm", "lung", "not_sure")
    assert [o.code for o in clot_side.options if o.exclusive] == ["not_sure"]


def test_starts_with_the_emergency_question():
    progress = evaluate({})
    assert progress.next_question == "emergency_now" and not progress.complete
    assert progress.outcome is None


def test_emergency_ends_at_once():
    progress = evaluate({"emergency_now": ("chest_pain",)})
    assert progress.complete and progress.early and progress.next_question is None
    assert progress.outcome.level is Level.EMERGENCY


def test_clean_path_asks_the_eight_core_questions_then_completes():
    progress = evaluate(CLEAN)
    assert progress.complete and not progress.early
    assert progress.path == tuple(CLEAN)


@pytest.mark.parametrize(("answers", "expected"), [
    ({**NO_EMERGENCY, "limb_symptoms": ("pain",)}, "limb_side"),
    ({**NO_EMERGENCY, "limb_symptoms": ("pain",), "limb_side": "one"}, "pain_kind"),
    ({**NO_EMERGENCY, "limb_symptoms": ("pain", "warmth"), "limb_side": "one"}, "limb_context"),
    ({**NO_EMERGENCY, "limb_symptoms": ("arm",)}, "limb_context"),
    ({**NO_EMERGENCY, "limb_symptoms": ("not_sure",)}, "limb_context"),
    ({**NO_EMERGENCY, "limb_symptoms": ("swelling",), "limb_side": "both"}, "swelling_course"),
    ({**NO_EMERGENCY, "limb_symptoms": ("pain",), "limb_side": "one",
      "pain_kind": "cramp_gone"}, "clot_history"),
    ({**CLEAN, "medicines": ("antiplatelet_two",)}, None),  # v1: no bleeding question
])
def test_v1_branching(answers, expected):
    assert evaluate(answers, V1).next_question == expected


ONE = {**NO_EMERGENCY, "limb_symptoms": ("pain",), "limb_side": "one"}


@pytest.mark.parametrize(("answers", "expected"), [
    ({**NO_EMERGENCY, "limb_symptoms": ("pain",)}, "limb_side"),
    (ONE, "symptom_side"),  # right after limb_side
    ({**ONE, "limb_side": "not_sure"}, "symptom_side"),
    ({**ONE, "limb_side": "both"}, "pain_kind"),  # both legs: no side
    ({**ONE, "symptom_side": "left"}, "pain_kind"),
    ({**NO_EMERGENCY, "limb_symptoms": ("pain", "warmth"), "limb_side": "one",
      "symptom_side": "right"}, "limb_context"),
    ({**NO_EMERGENCY, "limb_symptoms": ("arm",)}, "symptom_side"),  # after limb_symptoms
    ({**NO_EMERGENCY, "limb_symptoms": ("swelling", "arm"), "limb_side": "both"},
     "symptom_side"),
    ({**NO_EMERGENCY, "limb_symptoms": ("not_sure",)}, "limb_context"),  # never for not_sure
    ({**NO_EMERGENCY, "limb_symptoms": ("swelling",), "limb_side": "both"}, "swelling_course"),
    ({**ONE, "symptom_side": "not_sure", "pain_kind": "cramp_gone"}, "clot_history"),
    ({**CLEAN, "clot_history": "yes", "clot_when": "over_12_months", "clot_clearance": "yes",
      "lasting_symptoms": "no"}, "clot_side"),  # right after vein_conditions
    ({**CLEAN, "clot_history": "not_sure", "clot_when": "not_sure", "clot_clearance": "no",
      "lasting_symptoms": "no"}, "clot_side"),
    ({**CLEAN, "vein_conditions": ("phlebitis_past",)}, "clot_side"),
    ({**CLEAN, "vein_conditions": ("phlebitis_recent",)}, "clot_side"),
    ({**CLEAN, "vein_conditions": ("varicose",)}, None),
    ({**CLEAN, "clot_history": "being_checked"}, None),
    ({**CLEAN, "medicines": ("antiplatelet_two",)}, "bleeding_signs"),  # v2: R17 reachable
    ({**CLEAN, "medicines": ("antiplatelet",)}, None),
])
def test_v2_branching(answers, expected):
    assert evaluate(answers).next_question == expected
    assert evaluate(answers, V2).next_question == expected


def test_both_leg_pain_is_not_urgent_until_pain_kind_is_answered():
    answers = {**NO_EMERGENCY, "limb_symptoms": ("pain",), "limb_side": "both"}
    assert evaluate(answers).next_question == "pain_kind"
    progress = evaluate({**answers, "pain_kind": "other"})
    assert progress.early and progress.outcome.level is Level.URGENT


def test_one_sided_symptom_is_not_settled_before_limb_context():
    answers = {**NO_EMERGENCY, "limb_symptoms": ("swelling",), "limb_side": "one"}
    assert not evaluate(answers).complete
    assert not evaluate({**answers, "symptom_side": "left"}).complete
    assert evaluate({**answers, "symptom_side": "left", "limb_context": "none_of_these"}).early


def test_the_side_questions_never_delay_an_early_end():
    # An arm symptom with both-leg warmth: R11 is certain before the side is asked.
    answers = {**NO_EMERGENCY, "limb_symptoms": ("warmth", "arm"), "limb_side": "both"}
    progress = evaluate(answers)
    assert progress.early and progress.outcome.level is Level.URGENT
    assert first_unanswered(answers) == "symptom_side"
    # A known clot not confirmed (R5) ends after vein_conditions, before clot_side.
    known = {**NO_EMERGENCY, "limb_symptoms": ("swelling",), "limb_side": "one",
             "symptom_side": "left", "limb_context": "known_clot", "clot_history": "not_sure",
             "clot_when": "not_sure", "clot_clearance": "no", "lasting_symptoms": "no",
             "vein_conditions": ("none",)}
    progress = evaluate(known)
    assert progress.early and "R5" in progress.outcome.rules
    assert first_unanswered(known) == "clot_side"


def test_known_clot_is_not_settled_before_clot_history_and_vein_conditions():
    answers = {**NO_EMERGENCY, "limb_symptoms": ("swelling",), "limb_side": "one",
               "symptom_side": "right", "limb_context": "known_clot"}
    assert evaluate(answers).next_question == "clot_history"
    answers["clot_history"] = "no"
    assert evaluate(answers).next_question == "vein_conditions"
    assert evaluate({**answers, "vein_conditions": ("none",)}).early
    later = evaluate({**answers, "vein_conditions": ("phlebitis_recent",)})
    assert later.next_question == "clot_side"


@pytest.mark.parametrize("questionnaire", [V1, V2], ids=["v1", "v2"])
def test_urgent_decided_by_the_last_question_ends_at_once(questionnaire):
    """No check-your-answers page when the last question makes it urgent (a v1 defect too)."""
    answers = {**NO_EMERGENCY, "limb_symptoms": ("swelling",), "limb_side": "both",
               "swelling_course": "new", "clot_history": "no", "vein_conditions": ("none",),
               "medicines": ("none",), "recent_events": ("none",)}
    assert evaluate(answers, questionnaire).next_question == "long_term_factors"
    calm = evaluate({**answers, "long_term_factors": ("none",)}, questionnaire)  # R13
    assert calm.complete and not calm.early and calm.outcome.level is Level.DEFER
    progress = evaluate({**answers, "long_term_factors": ("cancer",)}, questionnaire)  # R12
    assert progress.path[-1] == "long_term_factors" and progress.next_question is None
    assert progress.complete and progress.early and progress.outcome.level is Level.URGENT


def test_changing_an_answer_drops_off_path_answers_and_asks_new_ones():
    answers = {**CLEAN, "limb_symptoms": ("pain",), "limb_side": "both",
               "pain_kind": "exercise_soreness"}
    assert evaluate(answers).outcome.level is Level.PROCEED
    changed = evaluate({**answers, "limb_symptoms": ("none",)})
    assert "limb_side" not in changed.answers and set(changed.ignored) == {
        "limb_side", "pain_kind"}
    assert changed.complete
    changed = evaluate({**answers, "limb_symptoms": ("swelling",)})
    assert changed.next_question == "swelling_course"
    assert "clot_history" in changed.answers  # later answers are kept, not lost


def test_exercise_soreness_is_offered_only_for_both_legs():
    assert "exercise_soreness" not in [o.code for o in options_for(
        "pain_kind", {"limb_side": "one"})]
    with pytest.raises(AnswerError, match="both legs"):
        validate_answer("pain_kind", "exercise_soreness", {"limb_side": "one"})
    answers = {**CLEAN, "limb_symptoms": ("pain",), "limb_side": "both",
               "pain_kind": "exercise_soreness"}
    with pytest.raises(AnswerError):
        evaluate({**answers, "limb_side": "one"}, strict=True)
    relaxed = evaluate({**answers, "limb_side": "one", "symptom_side": "left"})
    assert relaxed.next_question == "pain_kind"  # the web asks again instead


@pytest.mark.parametrize(("qid", "value", "message"), [
    ("limb_side", ["one", "both"], "only one"),
    ("limb_side", "left", "not one of the answers"),
    ("limb_side", "", "Choose one"),
    ("medicines", [], "at least one"),
    ("medicines", ["none", "hormones"], "not both"),
    ("limb_symptoms", ["not_sure", "pain"], "not both"),
    ("medicines", 3, "option code"),
    ("nonsense", "yes", "not a question"),
])
def test_validation_errors_name_the_problem(qid, value, message):
    with pytest.raises(AnswerError, match=message) as caught:
        validate_answer(qid, value, {})
    assert caught.value.question_id == qid


def test_checkbox_answers_are_normalised_in_option_order_without_duplicates():
    assert validate_answer("medicines", ["hormones", "antiplatelet", "hormones"], {}) == (
        "antiplatelet", "hormones")
    assert validate_answer("medicines", "none", {}) == ("none",)
