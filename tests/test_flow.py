"""The flow API: branching, validation, early ends, dropped answers."""

from __future__ import annotations

import pytest
from answer_paths import CLEAN

from checker.flow import AnswerError, evaluate, options_for, validate_answer
from checker.outcome import Level
from checker.questionnaire import QUESTIONS, VERSION

NO_EMERGENCY = {"emergency_now": ("none",), "emergency_recent": "no"}


def test_questions_are_the_nineteen_of_v1_in_order():
    assert [q.id for q in QUESTIONS] == [
        "emergency_now", "emergency_recent", "limb_symptoms", "limb_side", "pain_kind",
        "limb_context", "limb_letter", "swelling_course", "clot_history", "clot_when",
        "clot_clearance", "lasting_symptoms", "mld_recommended", "vein_conditions",
        "medicines", "bleeding_signs", "recent_events", "pregnancy_warning",
        "long_term_factors"]
    assert VERSION == "1"
    assert len({q.title for q in QUESTIONS}) == len(QUESTIONS)


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
])
def test_branching(answers, expected):
    assert evaluate(answers).next_question == expected


def test_both_leg_pain_is_not_urgent_until_pain_kind_is_answered():
    answers = {**NO_EMERGENCY, "limb_symptoms": ("pain",), "limb_side": "both"}
    assert evaluate(answers).next_question == "pain_kind"
    progress = evaluate({**answers, "pain_kind": "other"})
    assert progress.early and progress.outcome.level is Level.URGENT


def test_one_sided_symptom_is_not_settled_before_limb_context():
    answers = {**NO_EMERGENCY, "limb_symptoms": ("swelling",), "limb_side": "one"}
    assert not evaluate(answers).complete
    assert evaluate({**answers, "limb_context": "none_of_these"}).early


def test_known_clot_is_not_settled_before_clot_history_and_vein_conditions():
    answers = {**NO_EMERGENCY, "limb_symptoms": ("swelling",), "limb_side": "one",
               "limb_context": "known_clot"}
    assert evaluate(answers).next_question == "clot_history"
    answers["clot_history"] = "no"
    assert evaluate(answers).next_question == "vein_conditions"
    assert evaluate({**answers, "vein_conditions": ("none",)}).early
    later = evaluate({**answers, "vein_conditions": ("phlebitis_recent",)})
    assert later.next_question == "medicines"


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
    relaxed = evaluate({**answers, "limb_side": "one"})  # the web asks again instead
    assert relaxed.next_question == "pain_kind"


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
