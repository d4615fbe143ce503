"""Deciding one answer set under a questionnaire version, for the rule tests (v1 and v2)."""

from __future__ import annotations

from answer_paths import CLEAN

from checker.flow import evaluate, first_unanswered
from checker.outcome import Outcome
from checker.versions import Questionnaire

ONE_LEG_SWELLING = {"limb_symptoms": ("swelling",), "limb_side": "one"}

# v2's side questions never change the level (invariant 8): answered here when asked.
SIDES = {"symptom_side": "left", "clot_side": ("left_leg",)}


def outcome(questionnaire: Questionnaire, **changes) -> Outcome:
    """The complete outcome of CLEAN answers with `changes`, under `questionnaire`."""
    answers = {**CLEAN, **changes}
    while (qid := first_unanswered(answers, questionnaire)) in SIDES:
        answers[qid] = SIDES[qid]
    progress = evaluate(answers, questionnaire, strict=True)
    assert progress.complete, progress
    return progress.outcome


def assert_fires(result, rule, level, *flags):
    assert rule in result.rules, result
    assert result.level is level, result
    for flag in flags:
        assert flag in result.flags, result
