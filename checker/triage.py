"""The triage engine's public face: answers in, outcome out.

The rules live in `checker.rules` and the branching in `checker.flow`; this
module gives callers one function and the result types.
"""

from __future__ import annotations

from collections.abc import Mapping

from checker.flow import evaluate
from checker.outcome import Level, Outcome
from checker.versions import CURRENT, Questionnaire

__all__ = ["Level", "Outcome", "triage"]


def triage(answers: Mapping[str, object],
           questionnaire: Questionnaire = CURRENT) -> Outcome | None:
    """The outcome of a screening (under the current questionnaire unless another is given),
    or None while it is unfinished. Raises `checker.flow.AnswerError` for an invalid answer.
    """
    return evaluate(answers, questionnaire, strict=True).outcome
