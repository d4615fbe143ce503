"""Hypothesis strategies that walk the questionnaire like a client would."""

from __future__ import annotations

from hypothesis import strategies as st

from checker.flow import evaluate, first_unanswered, options_for
from checker.questionnaire import Kind
from checker.versions import CURRENT, Questionnaire

CLEAN = {
    "emergency_now": ("none",),
    "emergency_recent": "no",
    "limb_symptoms": ("none",),
    "clot_history": "no",
    "vein_conditions": ("none",),
    "medicines": ("none",),
    "recent_events": ("none",),
    "long_term_factors": ("none",),
}

# Answers the rules file names as mitigating (invariant 2; v1's list, kept by v2).
MITIGATING = {
    "pain_kind": {"cramp_gone", "exercise_soreness"},
    "limb_context": {"doctor_checked", "known_clot", "long_term", "after_surgery"},
    "limb_letter": {"mld", "massage_ok"},
    "swelling_course": {"long_term"},
    "clot_clearance": {"yes"},
    "mld_recommended": {"yes"},
}


def answer_for(data: st.DataObject, qid: str, answers: dict, *, mitigating: bool = True,
               questionnaire: Questionnaire = CURRENT):
    """Draw one valid answer to `qid` given the earlier answers."""
    options = options_for(qid, answers, questionnaire)
    if not mitigating:
        options = tuple(o for o in options if o.code not in MITIGATING.get(qid, ()))
    if questionnaire.question(qid).kind is Kind.RADIO:
        return data.draw(st.sampled_from([o.code for o in options]), label=qid)
    plain = [o.code for o in options if not o.exclusive]
    exclusive = [o.code for o in options if o.exclusive]
    chosen = data.draw(
        st.one_of(
            st.sampled_from(exclusive).map(lambda code: (code,)),
            st.lists(st.sampled_from(plain), min_size=1, unique=True).map(tuple),
        ),
        label=qid,
    )
    return chosen


def complete(data: st.DataObject, answers: dict, *, past_early_end: bool = False,
             mitigating: bool = True, questionnaire: Questionnaire = CURRENT) -> dict:
    """Answer questions until the screening is complete; returns the answers."""
    answers = dict(answers)
    asked: list[str] = []
    for _ in range(50):
        progress = evaluate(answers, questionnaire)
        qid = (first_unanswered(answers, questionnaire) if past_early_end
               else progress.next_question)
        if qid is None:
            return progress.answers
        assert qid not in asked, f"{qid} asked twice"
        asked.append(qid)
        answers[qid] = answer_for(data, qid, answers, mitigating=mitigating,
                                  questionnaire=questionnaire)
    raise AssertionError("the flow did not end")
