"""The clinical rules' invariants as properties over generated answer paths.

Invariants 1, 3, 5, 6 and 7 hold for v1 and v2 alike; 2 and 4 are v1's and v2's own wording;
8 is new in v2 (../shared/clinical-rules.md).
"""

from __future__ import annotations

import pytest
from answer_paths import CLEAN, answer_for, complete
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.flow import evaluate
from checker.outcome import Level
from checker.questionnaire import Kind
from checker.rules import LEG_OPTIONS, any_counting
from checker.versions import V1, V2, Questionnaire

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
BOTH = pytest.mark.parametrize("q", [V1, V2], ids=["v1", "v2"])


def level_of(answers: dict, q: Questionnaire) -> Level:
    progress = evaluate(answers, q, strict=True)
    assert progress.complete
    return progress.outcome.level


@BOTH
@SETTINGS
@given(data=st.data())
def test_1_any_emergency_symptom_gives_emergency_whatever_else(q, data):
    symptoms = [o.code for o in q.question("emergency_now").options if not o.exclusive]
    chosen = data.draw(st.lists(st.sampled_from(symptoms), min_size=1, unique=True))
    rest = complete(data, {**CLEAN, "emergency_now": ("none",)}, past_early_end=True,
                    questionnaire=q)
    answers = {**rest, "emergency_now": tuple(chosen)}
    progress = evaluate(answers, q, strict=True)
    assert progress.complete and progress.outcome.level is Level.EMERGENCY


def _additions(answers: dict, q: Questionnaire) -> list[tuple[str, str]]:
    """Non-mitigating options that could be added to an on-path checkbox answer."""
    found = []
    for qid, answer in answers.items():
        question = q.question(qid)
        # Replacing "not sure" with an option is a different answer, not an added one
        # (invariant 3 covers it); replacing `none` is adding.
        if question.kind is not Kind.CHECKBOX or answer == ("not_sure",):
            continue
        for option in question.options:
            if option.exclusive or option.code in answer:
                continue
            # `phlebitis_recent` confirms a `known_clot` explanation (R4 instead of R5): with
            # that mitigating answer present it mitigates too (v1 clarifications; v2's list).
            if option.code == "phlebitis_recent" and answers.get("limb_context") == "known_clot":
                continue
            found.append((qid, option.code))
    return found


def _v2_named_exception(before: dict, qid: str, code: str) -> bool:
    """v2 invariant 2's one accepted exception: arm + one-sided leg pain that was a passing
    cramp with a Tier A factor (R34, defer), `limb_context` long_term with a letter; another
    leg option takes `pain_kind` off the path and the letter then covers the leg (R6/R7)."""
    symptoms = set(before["limb_symptoms"])
    return (qid == "limb_symptoms" and code in LEG_OPTIONS
            and "arm" in symptoms and symptoms & set(LEG_OPTIONS) == {"pain"}
            and before.get("pain_kind") == "cramp_gone"
            and before.get("limb_side") in ("one", "not_sure")
            and before.get("limb_context") == "long_term"
            and before.get("limb_letter") in ("mld", "massage_ok")
            and "R34" in evaluate(before, V2).outcome.rules)


@BOTH
@SETTINGS
@given(data=st.data())
def test_2_adding_a_non_mitigating_option_never_lowers_the_level(q, data):
    before = complete(data, {}, past_early_end=True, questionnaire=q)
    additions = _additions(before, q)
    if not additions:
        return
    qid, code = data.draw(st.sampled_from(additions))
    kept = tuple(c for c in before[qid] if not q.question(qid).option(c).exclusive)
    changed = complete(data, {**before, qid: kept + (code,)}, past_early_end=True,
                       mitigating=False, questionnaire=q)
    if level_of(changed, q).rank < level_of(before, q).rank:
        assert q is V2 and _v2_named_exception(before, qid, code), (qid, code, before)


def test_2_v2_exception_is_exactly_the_named_case():
    """The exception exists (so the property above does not hide another one)."""
    before = {**CLEAN, "limb_symptoms": ("pain", "arm"), "limb_side": "one",
              "symptom_side": "left", "pain_kind": "cramp_gone", "limb_context": "long_term",
              "limb_letter": "mld", "recent_events": ("surgery",)}
    assert evaluate(before, V2).outcome.level is Level.DEFER  # R34
    after = {**before, "limb_symptoms": ("pain", "swelling", "arm")}
    assert evaluate(after, V2).outcome.level is Level.MODIFIED  # R6 covers the leg
    assert _v2_named_exception(before, "limb_symptoms", "swelling")


WORRYING = {
    "emergency_recent": "yes", "limb_side": "one", "swelling_course": "new",
    "clot_history": "yes", "clot_when": "under_3_months", "clot_clearance": "no",
    "lasting_symptoms": "yes", "bleeding_signs": "yes", "pregnancy_warning": "yes",
}


@BOTH
@SETTINGS
@given(data=st.data())
def test_3_not_sure_is_never_lower_than_the_worrying_answer(q, data):
    answers = complete(data, {}, past_early_end=True, questionnaire=q)
    candidates = [qid for qid in WORRYING if answers.get(qid) == WORRYING[qid]]
    if answers.get("limb_symptoms") == ("swelling",) and answers.get("limb_side") == "one":
        candidates.append("limb_symptoms")
    if not candidates:
        return
    qid = data.draw(st.sampled_from(candidates))
    unsure = {**answers, qid: ("not_sure",) if qid == "limb_symptoms" else "not_sure"}
    unsure = complete(data, unsure, past_early_end=True, questionnaire=q)
    assert level_of(unsure, q).rank >= level_of(answers, q).rank, qid


def _assert_nothing_major(answers: dict, q: Questionnaire) -> None:
    facts = q.facts(answers, set(q.question_ids))
    assert answers["emergency_now"] == ("none",) and answers["emergency_recent"] == "no"
    assert any_counting(facts).value is False  # no counting leg symptom
    assert not {"arm", "not_sure"} & set(answers["limb_symptoms"])
    assert answers["clot_history"] == "no"
    assert answers["vein_conditions"] == ("none",)
    assert not {"anticoagulant", "antiplatelet_two"} & set(answers["medicines"])
    assert facts.count(q.tiers.a)[0] == 0
    assert facts.count(q.tiers.b)[0] <= 1


@BOTH
@SETTINGS
@given(data=st.data())
def test_4_proceed_only_without_symptoms_history_or_major_factors(q, data):
    # v1: "no symptom"; v2: "no counting leg symptom, no arm" (a passing cramp may proceed).
    answers = complete(data, {}, questionnaire=q)
    if level_of(answers, q) is Level.PROCEED:
        _assert_nothing_major(answers, q)


@BOTH
@SETTINGS
@given(data=st.data())
def test_5_an_unfinished_screening_has_no_outcome(q, data):
    answers: dict = {}
    steps = data.draw(st.integers(min_value=0, max_value=len(q.questions) - 1))
    for _ in range(steps):
        progress = evaluate(answers, q)
        if progress.complete:
            break
        qid = progress.next_question
        answers[qid] = answer_for(data, qid, answers, questionnaire=q)
    progress = evaluate(answers, q)
    if not progress.complete:
        assert progress.outcome is None and progress.next_question is not None


@BOTH
@SETTINGS
@given(data=st.data())
def test_6_off_path_answers_never_affect_the_result(q, data):
    answers = complete(data, {}, past_early_end=True, questionnaire=q)
    reference = evaluate(answers, q, strict=True)
    off_path = [question.id for question in q.questions if question.id not in answers]
    extra = {}
    for qid in data.draw(st.lists(st.sampled_from(off_path), unique=True)) if off_path else []:
        codes = [o.code for o in q.question(qid).options]
        code = data.draw(st.sampled_from(codes))
        extra[qid] = code if q.question(qid).kind is Kind.RADIO else (code,)
    result = evaluate({**answers, **extra}, q, strict=True)
    assert result.outcome == reference.outcome
    assert set(extra) <= set(result.ignored)


@BOTH
@SETTINGS
@given(data=st.data())
def test_7_every_path_ends_and_asks_no_question_twice(q, data):
    complete(data, {}, past_early_end=True, questionnaire=q)  # asserts both inside


SIDES = {"symptom_side": ["left", "right", "not_sure"],
         "clot_side": [("left_leg",), ("right_leg",), ("arm",), ("lung",), ("not_sure",),
                       ("left_leg", "right_leg"), ("left_leg", "arm", "lung")]}


@SETTINGS
@given(data=st.data(), partial=st.booleans())
def test_8_the_side_answers_never_change_level_flags_or_reasons(data, partial):
    answers = complete(data, {}, past_early_end=not partial, questionnaire=V2)
    sides = [qid for qid in SIDES if qid in answers]
    if not sides:
        return
    reference = evaluate(answers, V2, strict=True).outcome
    qid = data.draw(st.sampled_from(sides))
    other = data.draw(st.sampled_from(SIDES[qid]))
    changed = evaluate({**answers, qid: other}, V2, strict=True).outcome
    assert (changed.level, changed.flags, changed.reasons, changed.rules) == (
        reference.level, reference.flags, reference.reasons, reference.rules)


@BOTH
@SETTINGS
@given(data=st.data())
def test_early_end_only_when_every_completion_is_urgent_or_worse(q, data):
    answers: dict = {}
    while True:
        progress = evaluate(answers, q)
        if progress.complete:
            break
        answers[progress.next_question] = answer_for(data, progress.next_question, answers,
                                                     questionnaire=q)
    if progress.early:
        finished = complete(data, answers, past_early_end=True, questionnaire=q)
        assert level_of(finished, q).rank >= Level.URGENT.rank
        assert level_of(finished, q).rank >= progress.outcome.level.rank
    else:
        assert progress.outcome.level.rank < Level.URGENT.rank  # else it would have ended
