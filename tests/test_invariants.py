"""Invariants 1–7 of the clinical rules, as properties over generated answer paths."""

from __future__ import annotations

from answer_paths import CLEAN, answer_for, complete
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.flow import evaluate
from checker.outcome import Level
from checker.questionnaire import QUESTIONS, Kind, question
from checker.rules import TIER_A, TIER_B, Facts, any_counting

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
EMERGENCY_SYMPTOMS = [o.code for o in question("emergency_now").options if not o.exclusive]


def level_of(answers: dict) -> Level:
    progress = evaluate(answers, strict=True)
    assert progress.complete
    return progress.outcome.level


@SETTINGS
@given(st.data())
def test_1_any_emergency_symptom_gives_emergency_whatever_else(data):
    symptoms = data.draw(st.lists(st.sampled_from(EMERGENCY_SYMPTOMS), min_size=1, unique=True))
    rest = complete(data, {**CLEAN, "emergency_now": ("none",)}, past_early_end=True)
    answers = {**rest, "emergency_now": tuple(symptoms)}
    progress = evaluate(answers, strict=True)
    assert progress.complete and progress.outcome.level is Level.EMERGENCY


def _additions(answers: dict) -> list[tuple[str, str]]:
    """Non-mitigating options that could be added to an on-path checkbox answer."""
    found = []
    for qid, answer in answers.items():
        q = question(qid)
        if q.kind is not Kind.CHECKBOX:
            continue
        for option in q.options:
            if option.exclusive or option.code in answer:
                continue
            # `phlebitis_recent` confirms a `known_clot` explanation (R4 instead of R5):
            # with that mitigating answer present it mitigates too (clarifications).
            if option.code == "phlebitis_recent" and answers.get("limb_context") == "known_clot":
                continue
            found.append((qid, option.code))
    return found


@SETTINGS
@given(st.data())
def test_2_adding_a_non_mitigating_option_never_lowers_the_level(data):
    before = complete(data, {}, past_early_end=True)
    additions = _additions(before)
    if not additions:
        return
    qid, code = data.draw(st.sampled_from(additions))
    kept = tuple(c for c in before[qid] if not question(qid).option(c).exclusive)
    changed = complete(data, {**before, qid: kept + (code,)}, past_early_end=True,
                       mitigating=False)
    assert level_of(changed).rank >= level_of(before).rank, (qid, code)


WORRYING = {
    "emergency_recent": "yes", "limb_side": "one", "swelling_course": "new",
    "clot_history": "yes", "clot_when": "under_3_months", "clot_clearance": "no",
    "lasting_symptoms": "yes", "bleeding_signs": "yes", "pregnancy_warning": "yes",
}


@SETTINGS
@given(st.data())
def test_3_not_sure_is_never_lower_than_the_worrying_answer(data):
    answers = complete(data, {}, past_early_end=True)
    candidates = [qid for qid in WORRYING if answers.get(qid) == WORRYING[qid]]
    if answers.get("limb_symptoms") == ("swelling",) and answers.get("limb_side") == "one":
        candidates.append("limb_symptoms")
    if not candidates:
        return
    qid = data.draw(st.sampled_from(candidates))
    unsure = {**answers, qid: ("not_sure",) if qid == "limb_symptoms" else "not_sure"}
    unsure = complete(data, unsure, past_early_end=True)
    assert level_of(unsure).rank >= level_of(answers).rank, qid


@SETTINGS
@given(st.data())
def test_4_proceed_only_without_symptoms_history_or_major_factors(data):
    answers = complete(data, {})
    if level_of(answers) is not Level.PROCEED:
        return
    facts = Facts(answers, {q.id for q in QUESTIONS})
    assert answers["emergency_now"] == ("none",) and answers["emergency_recent"] == "no"
    assert any_counting(facts).value is False
    assert not {"arm", "not_sure"} & set(answers["limb_symptoms"])
    assert answers["clot_history"] == "no"
    assert answers["vein_conditions"] == ("none",)
    assert not {"anticoagulant", "antiplatelet_two"} & set(answers["medicines"])
    assert facts.count(TIER_A)[0] == 0
    assert facts.count(TIER_B)[0] <= 1


@SETTINGS
@given(st.data())
def test_5_an_unfinished_screening_has_no_outcome(data):
    answers: dict = {}
    steps = data.draw(st.integers(min_value=0, max_value=18))
    for _ in range(steps):
        progress = evaluate(answers)
        if progress.complete:
            break
        qid = progress.next_question
        answers[qid] = answer_for(data, qid, answers)
    progress = evaluate(answers)
    if not progress.complete:
        assert progress.outcome is None and progress.next_question is not None


@SETTINGS
@given(st.data())
def test_6_off_path_answers_never_affect_the_result(data):
    answers = complete(data, {}, past_early_end=True)
    reference = evaluate(answers, strict=True)
    off_path = [q.id for q in QUESTIONS if q.id not in answers]
    extra = {}
    for qid in data.draw(st.lists(st.sampled_from(off_path), unique=True)) if off_path else []:
        options = question(qid).options
        extra[qid] = data.draw(st.sampled_from([o.code for o in options]))
    result = evaluate({**answers, **extra}, strict=True)
    assert result.outcome == reference.outcome
    assert set(extra) <= set(result.ignored)


@SETTINGS
@given(st.data())
def test_7_every_path_ends_and_asks_no_question_twice(data):
    complete(data, {}, past_early_end=True)  # asserts both inside


@SETTINGS
@given(st.data())
def test_early_end_only_when_every_completion_is_urgent_or_worse(data):
    answers: dict = {}
    while True:
        progress = evaluate(answers)
        if progress.complete:
            break
        answers[progress.next_question] = answer_for(data, progress.next_question, answers)
    if progress.early:
        finished = complete(data, answers, past_early_end=True)
        assert level_of(finished).rank >= Level.URGENT.rank
        assert level_of(finished).rank >= progress.outcome.level.rank
