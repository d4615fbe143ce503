"""The screening flow: which question comes next, validation, and when it is complete.

Pure functions over a mapping of answers (question id -> code or codes); the
web, the command line and the tests all go through `evaluate`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from checker.catalog import N_
from checker.facts import TRUE, Answer, Facts, Tri
from checker.outcome import Level, Outcome
from checker.questionnaire import Kind, Option, Question
from checker.versions import CURRENT, Questionnaire

__all__ = ["Answer", "AnswerError", "Progress", "evaluate", "first_unanswered", "options_for",
           "validate_answer"]


class AnswerError(ValueError):
    """An answer that cannot be accepted; `message` is written for the client (English).

    `msgid` and `params` let a page show it in the client's language: translate `msgid`,
    then fill its %(name)s placeholders from `params` (each translated too: they are option
    labels or codes).
    """

    def __init__(self, question_id: str, msgid: str, **params: str) -> None:
        self.message = msgid % params if params else msgid
        super().__init__(f"{question_id}: {self.message}")
        self.question_id = question_id
        self.msgid = msgid
        self.params = params


def _asked(qid: str, facts: Facts, questionnaire: Questionnaire) -> Tri:
    condition = questionnaire.asked_if.get(qid)
    return condition(facts) if condition else TRUE


def options_for(qid: str, answers: Mapping[str, Answer],
                questionnaire: Questionnaire = CURRENT) -> tuple[Option, ...]:
    """The options offered for `qid`, given the earlier answers."""
    options = questionnaire.question(qid).options
    if qid == "pain_kind" and answers.get("limb_side") != "both":
        options = tuple(o for o in options if o.code != "exercise_soreness")
    return options


# -- Validation -----------------------------------------------------------------

def validate_answer(qid: str, value: object, answers: Mapping[str, Answer],
                    questionnaire: Questionnaire = CURRENT) -> Answer:
    """Normalise one answer, or raise AnswerError saying what is wrong."""
    if not questionnaire.has(qid):
        raise AnswerError(qid, N_("This is not a question in this screening."))
    return _normalise(questionnaire.question(qid), value,
                      options_for(qid, answers, questionnaire))


def _normalise(q: Question, value: object, options: tuple[Option, ...]) -> Answer:
    codes = _as_codes(q, value)
    if not codes:
        return _nothing_chosen(q.kind, q.id)
    offered = {o.code: o for o in options}
    for code in codes:
        if code not in offered:
            raise _unknown_option(q.id, code)
    if q.kind is Kind.RADIO:
        if len(codes) > 1:
            raise AnswerError(q.id, N_("Choose only one answer."))
        return codes[0]
    exclusive = [code for code in codes if offered[code].exclusive]
    if exclusive and len(codes) > 1:
        label = offered[exclusive[0]].label
        raise AnswerError(q.id, N_("Either select “%(label)s”, or select the ones that "
                                   "apply, not both."), label=label)
    return tuple(sorted(set(codes), key=[o.code for o in q.options].index))


def _as_codes(q: Question, value: object) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        if len(value) > 1 and q.kind is Kind.RADIO:
            raise AnswerError(q.id, N_("Choose only one answer."))
        return [v for v in value if v]
    raise AnswerError(q.id, N_("An answer must be an option code or a list of option codes."))


def _nothing_chosen(kind: Kind, qid: str) -> Answer:
    if kind is Kind.RADIO:
        raise AnswerError(qid, N_("Choose one answer."))
    raise AnswerError(qid, N_("Select at least one answer, or select the last one if none "
                              "apply."))


def _unknown_option(qid: str, code: str) -> AnswerError:
    if qid == "pain_kind" and code == "exercise_soreness":
        return AnswerError(qid, N_("“Muscle soreness after exercise” fits only when both legs "
                                   "feel the same."))
    return AnswerError(qid, N_("“%(code)s” is not one of the answers to this question."),
                       code=code)


def _check_shape(q: Question, value: object) -> None:
    """The command line's strict reading of JSON: one string for a one-answer question, a
    list of strings for a select-all question (the web's form fields are read leniently).
    These messages reach integrators only, so they are not in the client's catalog."""
    if q.kind is Kind.RADIO and not isinstance(value, str):
        raise AnswerError(q.id, f"This question takes one answer: give one option code as a "
                                f"string, not {_json_kind(value)}.")
    if q.kind is Kind.CHECKBOX and not (
            isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)):
        raise AnswerError(q.id, f"This question takes a list of option codes, not "
                                f"{_json_kind(value)}.")


_JSON_KINDS = ((bool, "true or false"), (str, "a string"), (int | float, "a number"),
               (dict, "an object"), (list | tuple, "a list holding something other than text"),
               (type(None), "null"))


def _json_kind(value: object) -> str:
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return "a list"
    return next((name for kind, name in _JSON_KINDS if isinstance(value, kind)), "that")


# -- Progress -------------------------------------------------------------------

@dataclass(frozen=True)
class Progress:
    answers: dict[str, Answer]  # answers still on (or possibly on) the path; store these
    path: tuple[str, ...]  # answered on-path questions, in flow order
    next_question: str | None  # first unanswered question on the path
    complete: bool  # nothing left to ask, or emergency/urgent already certain
    early: bool  # ends without check-your-answers: emergency/urgent is certain
    outcome: Outcome | None  # set exactly when complete
    ignored: tuple[str, ...]  # answers given that are not on the path (dropped)


def evaluate(given: Mapping[str, object], questionnaire: Questionnaire = CURRENT, *,
             strict: bool = False) -> Progress:
    """Walk `questionnaire` (by default the current version) over `given` answers.

    strict=True raises AnswerError for any invalid answer, including one of the wrong JSON
    shape (the command line); otherwise an answer that is no longer valid (e.g. exercise
    soreness after the legs changed to one) is dropped so that its question is asked again.
    """
    walk = _walk(given, questionnaire, strict)
    return _progress(given, walk, questionnaire)


def first_unanswered(given: Mapping[str, object],
                     questionnaire: Questionnaire = CURRENT) -> str | None:
    """The first question on the path without an answer, even past an early end."""
    return _walk(given, questionnaire, strict=False).next_question


@dataclass
class _Walk:
    answers: dict[str, Answer]
    settled: set[str]
    path: list[str]
    next_question: str | None = None


def _walk(given: Mapping[str, object], questionnaire: Questionnaire, strict: bool) -> _Walk:
    for qid, value in given.items():
        if not questionnaire.has(qid):
            raise AnswerError(qid, N_("This is not a question in this screening."))
        if strict:  # off-path answers are ignored, but must still be well-formed
            q = questionnaire.question(qid)
            _check_shape(q, value)
            _normalise(q, value, q.options)
    walk = _Walk({}, set(), [])
    facts = questionnaire.facts(walk.answers, walk.settled)  # sees the answers as they grow
    for q in questionnaire.questions:
        asked = _asked(q.id, facts, questionnaire).value
        if asked is False:
            walk.settled.add(q.id)  # not asked: settled, nothing picked
            continue
        answer = (_checked(q.id, given[q.id], walk.answers, questionnaire, strict)
                  if q.id in given else None)
        if answer is None:
            walk.next_question = walk.next_question or q.id
            continue
        walk.answers[q.id] = answer
        if walk.next_question is None:  # everything before it is settled, so it is asked
            walk.settled.add(q.id)
            walk.path.append(q.id)
    return walk


def _checked(qid: str, value: object, answers: dict[str, Answer],
             questionnaire: Questionnaire, strict: bool) -> Answer | None:
    try:
        return validate_answer(qid, value, answers, questionnaire)
    except AnswerError:
        if strict:
            raise
        return None


def _progress(given: Mapping[str, object], walk: _Walk,
              questionnaire: Questionnaire) -> Progress:
    certain = questionnaire.decide(questionnaire.facts(walk.answers, walk.settled, final=True))
    # Emergency/urgent certain: the screening ends now, also when the last question decided
    # it (no check-your-answers page: the outcome is recorded and staff alerted at once).
    early = certain.level.rank >= Level.URGENT.rank
    complete = walk.next_question is None or early
    return Progress(
        answers={qid: walk.answers[qid] for qid in questionnaire.question_ids
                 if qid in walk.answers},
        path=tuple(walk.path),
        next_question=None if early else walk.next_question,
        complete=complete,
        early=early,
        outcome=certain if complete else None,
        ignored=tuple(qid for qid in given if qid not in walk.answers),
    )
