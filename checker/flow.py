"""The screening flow: which question comes next, validation, and when it is complete.

Pure functions over a mapping of answers (question id -> code or codes); the
web, the command line and the tests all go through `evaluate`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from checker.catalog import N_
from checker.outcome import Level, Outcome
from checker.questionnaire import QUESTION_IDS, QUESTIONS, Kind, Option, question
from checker.rules import (
    LEG_OPTIONS,
    TRUE,
    Answer,
    Facts,
    Tri,
    any_counting,
    both_legs_swelling_only,
    clot_known,
    decide,
    one_leg,
)


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


# -- Branching: when each question is asked ----------------------------------

def _leg_pain_only(f: Facts) -> Tri:
    others = [code for code in LEG_OPTIONS if code != "pain"]
    return f.picked("limb_symptoms", "pain") & ~f.picked("limb_symptoms", *others)


ASKED_IF: dict[str, Callable[[Facts], Tri]] = {
    "emergency_recent": lambda f: f.picked("emergency_now", "none"),
    "limb_side": lambda f: f.picked("limb_symptoms", *LEG_OPTIONS),
    "pain_kind": _leg_pain_only,
    "limb_context": lambda f: f.picked("limb_symptoms", "arm", "not_sure")
    | (any_counting(f) & one_leg(f)),
    "limb_letter": lambda f: f.picked("limb_context", "long_term"),
    "swelling_course": both_legs_swelling_only,
    "clot_when": clot_known,
    "clot_clearance": clot_known,
    "lasting_symptoms": clot_known,
    "mld_recommended": lambda f: ~f.picked("lasting_symptoms", "no")
    & f.picked("clot_clearance", "yes"),
    "bleeding_signs": lambda f: f.picked("medicines", "anticoagulant"),
    "pregnancy_warning": lambda f: f.picked("recent_events", "pregnancy"),
}


def _asked(qid: str, facts: Facts) -> Tri:
    condition = ASKED_IF.get(qid)
    return condition(facts) if condition else TRUE


def options_for(qid: str, answers: Mapping[str, Answer]) -> tuple[Option, ...]:
    """The options offered for `qid`, given the earlier answers."""
    options = question(qid).options
    if qid == "pain_kind" and answers.get("limb_side") != "both":
        options = tuple(o for o in options if o.code != "exercise_soreness")
    return options


# -- Validation -----------------------------------------------------------------

def validate_answer(qid: str, value: object, answers: Mapping[str, Answer]) -> Answer:
    """Normalise one answer, or raise AnswerError saying what is wrong."""
    if qid not in QUESTION_IDS:
        raise AnswerError(qid, N_("This is not a question in this screening."))
    return _normalise(qid, value, options_for(qid, answers))


def _normalise(qid: str, value: object, options: tuple[Option, ...]) -> Answer:
    q = question(qid)
    codes = _as_codes(qid, value)
    if not codes:
        return _nothing_chosen(q.kind, qid)
    offered = {o.code: o for o in options}
    for code in codes:
        if code not in offered:
            raise _unknown_option(qid, code)
    if q.kind is Kind.RADIO:
        if len(codes) > 1:
            raise AnswerError(qid, N_("Choose only one answer."))
        return codes[0]
    exclusive = [code for code in codes if offered[code].exclusive]
    if exclusive and len(codes) > 1:
        label = offered[exclusive[0]].label
        raise AnswerError(qid, N_("Either tick “%(label)s”, or tick the ones that apply, "
                                  "not both."), label=label)
    return tuple(sorted(set(codes), key=[o.code for o in q.options].index))


def _as_codes(qid: str, value: object) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        if len(value) > 1 and question(qid).kind is Kind.RADIO:
            raise AnswerError(qid, N_("Choose only one answer."))
        return [v for v in value if v]
    raise AnswerError(qid, N_("An answer must be an option code or a list of option codes."))


def _nothing_chosen(kind: Kind, qid: str) -> Answer:
    if kind is Kind.RADIO:
        raise AnswerError(qid, N_("Choose one answer."))
    raise AnswerError(qid, N_("Tick at least one box, or tick the last one if none apply."))


def _unknown_option(qid: str, code: str) -> AnswerError:
    if qid == "pain_kind" and code == "exercise_soreness":
        return AnswerError(qid, N_("“Muscle soreness after exercise” fits only when both legs "
                                   "feel the same."))
    return AnswerError(qid, N_("“%(code)s” is not one of the answers to this question."),
                       code=code)


# -- Progress -------------------------------------------------------------------

@dataclass(frozen=True)
class Progress:
    answers: dict[str, Answer]  # answers still on (or possibly on) the path; store these
    path: tuple[str, ...]  # answered on-path questions, in flow order
    next_question: str | None  # first unanswered question on the path
    complete: bool  # nothing left to ask, or emergency/urgent already certain
    early: bool  # complete because emergency/urgent is certain
    outcome: Outcome | None  # set exactly when complete
    ignored: tuple[str, ...]  # answers given that are not on the path (dropped)


def evaluate(given: Mapping[str, object], *, strict: bool = False) -> Progress:
    """Walk the questionnaire over `given` answers.

    strict=True raises AnswerError for any invalid answer (the command line);
    otherwise an answer that is no longer valid (e.g. exercise soreness after
    the legs changed to one) is dropped so that its question is asked again.
    """
    walk = _walk(given, strict)
    return _progress(given, walk)


def first_unanswered(given: Mapping[str, object]) -> str | None:
    """The first question on the path without an answer, even past an early end."""
    return _walk(given, strict=False).next_question


@dataclass
class _Walk:
    answers: dict[str, Answer]
    settled: set[str]
    path: list[str]
    next_question: str | None = None


def _walk(given: Mapping[str, object], strict: bool) -> _Walk:
    for qid, value in given.items():
        if qid not in QUESTION_IDS:
            raise AnswerError(qid, N_("This is not a question in this screening."))
        if strict:  # off-path answers are ignored, but must still be well-formed
            _normalise(qid, value, question(qid).options)
    walk = _Walk({}, set(), [])
    facts = Facts(walk.answers, walk.settled)  # sees the walk's answers as they grow
    for q in QUESTIONS:
        asked = _asked(q.id, facts).value
        if asked is False:
            walk.settled.add(q.id)  # not asked: settled, nothing picked
            continue
        answer = _checked(q.id, given[q.id], walk.answers, strict) if q.id in given else None
        if answer is None:
            walk.next_question = walk.next_question or q.id
            continue
        walk.answers[q.id] = answer
        if walk.next_question is None:  # everything before it is settled, so it is asked
            walk.settled.add(q.id)
            walk.path.append(q.id)
    return walk


def _checked(qid: str, value: object, answers: dict[str, Answer], strict: bool) -> Answer | None:
    try:
        return validate_answer(qid, value, answers)
    except AnswerError:
        if strict:
            raise
        return None


def _progress(given: Mapping[str, object], walk: _Walk) -> Progress:
    certain = decide(Facts(walk.answers, walk.settled, final=True))
    early = walk.next_question is not None and certain.level.rank >= Level.URGENT.rank
    complete = walk.next_question is None or early
    return Progress(
        answers={qid: walk.answers[qid] for qid in QUESTION_IDS if qid in walk.answers},
        path=tuple(walk.path),
        next_question=None if early else walk.next_question,
        complete=complete,
        early=early,
        outcome=certain if complete else None,
        ignored=tuple(qid for qid in given if qid not in walk.answers),
    )
