"""The triage engine's public face: answers in, outcome out.

The rules live in `checker.rules` and the branching in `checker.flow`; this
module gives callers one function and the result types.
"""

from __future__ import annotations

from collections.abc import Mapping

from checker.flow import evaluate
from checker.outcome import Level, Outcome

__all__ = ["Level", "Outcome", "triage"]


def triage(answers: Mapping[str, object]) -> Outcome | None:
    """The outcome of a screening, or None while it is unfinished.

    Raises `checker.flow.AnswerError` for an invalid answer.
    """
    return evaluate(answers, strict=True).outcome
