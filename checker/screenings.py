"""The screening use case: start, answer, finish. Supplies each change from the flow; the
store (checker.store) only loads and compare-and-sets.

A new screening starts under the current questionnaire version; every later step walks and
decides it under the version stored with it, so a v1 screening finishes under v1.

The flow is evaluated once per answer: on the answers as they will be stored. Whether the
question could be answered at all follows from that same evaluation (see `_askable_after`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from checker import flow
from checker.finishes import FinishedScreening
from checker.flow import Progress
from checker.outcome import Outcome
from checker.store import (
    FINISHED_FIELDS,
    Screening,
    ScreeningConflict,
    ScreeningGone,
    ScreeningStore,
    dump_answers,
    new_code,
    now_utc,
)
from checker.versions import CURRENT


class NotComplete(ValueError):
    """Finishing was asked for while questions are still unanswered."""


class NotAskable(LookupError):
    """The question is not on the screening's path now (a stale tab, an edited URL)."""

    def __init__(self, screening: Screening, progress: Progress):
        super().__init__(screening.sid)
        self.screening = screening
        self.progress = progress


@dataclass(frozen=True)
class Step:
    """A screening as stored, where its answers stand in the flow, and - when this very
    write stored an outcome - the finish it announced (a double tap gets None)."""

    screening: Screening
    progress: Progress
    finished: FinishedScreening | None = None


def progress_of(screening: Screening) -> Progress:
    """Where a screening's answers stand, walked under the version it started with."""
    return flow.evaluate(screening.answers, screening.questionnaire)


def askable(qid: str, progress: Progress) -> bool:
    return qid in progress.path or qid == progress.next_question


def _askable_after(qid: str, before: Screening, after: Progress) -> bool:
    """Was `qid` askable on `before`, judged from the progress with its new answer?

    Only the answer to `qid` changed, and whether a question is asked depends on earlier
    answers alone: so it was on the path, or the first gap, exactly when it is on the new
    path - unless the screening had already finished without it (an early end).
    """
    return qid in after.path and (qid in before.answers or not before.finished)


class ScreeningService:
    def __init__(self, store: ScreeningStore):
        self.store = store

    def start(self, location: str, lang: str) -> Step:
        screening = self.store.create(location, lang, CURRENT.version)
        return Step(screening, progress_of(screening))

    def open(self, sid: str) -> Step | None:
        """The screening and its progress; None when unknown or expired."""
        screening = self.store.load(sid)
        return None if screening is None else Step(screening, progress_of(screening))

    def answer(self, screening: Screening, qid: str, value: object) -> Step:
        """Validate and store one answer (and, when the level is certain to be emergency or
        urgent, the outcome in the same write). A changed answer clears a finished outcome.

        Raises flow.AnswerError (client wording), NotAskable, ScreeningGone.
        """
        tries: list[Screening] = []

        def attempt(current: Screening) -> Step | None:
            tries.append(current)
            questionnaire = current.questionnaire
            answer = flow.validate_answer(qid, value, current.answers, questionnaire)
            progress = flow.evaluate({**current.answers, qid: answer}, questionnaire)
            if not _askable_after(qid, current, progress):
                if len(tries) == 1:
                    return None  # perhaps only on a stale copy: judge it on a fresh read
                raise NotAskable(current, progress_of(current))
            if progress.answers == current.answers and (current.finished or not progress.early):
                return Step(current, progress)  # a repeated Continue: nothing to write
            fields = {"answers": dump_answers(progress.answers)}
            if progress.early and progress.outcome is not None:
                return self._store_outcome(current, progress, fields)
            revision = self.store.compare_and_set(current, fields, FINISHED_FIELDS)
            if revision is None:
                return None
            return Step(_stored(current, revision, progress.answers), progress)

        return self._retrying(screening, attempt)

    def finish(self, step: Step) -> Step:
        """Store the outcome of the complete answers; atomic, so only one finisher wins.

        Raises NotComplete if questions remain, ScreeningGone if expired.
        """
        def attempt(current: Screening) -> Step | None:
            progress = step.progress if current is step.screening else progress_of(current)
            if current.finished:
                return Step(current, progress)
            if not progress.complete or progress.outcome is None:
                raise NotComplete(current.sid)
            return self._store_outcome(current, progress, {})

        return self._retrying(step.screening, attempt)

    def _store_outcome(self, current: Screening, progress: Progress,
                       fields: dict[str, str]) -> Step | None:
        outcome = progress.outcome
        assert outcome is not None
        finished_at = now_utc()
        code = current.code or new_code()
        fields = {**fields, "outcome": json.dumps(outcome.as_dict()),
                  "finished_at": finished_at.isoformat(), "code": code}
        revision = self.store.compare_and_set(current, fields, announce=True)
        if revision is None:
            return None
        stored = _stored(current, revision, progress.answers, outcome, finished_at, code)
        done = FinishedScreening(current.sid, code, outcome, current.location, finished_at,
                                 revision, current.lang)
        return Step(stored, progress, done)

    def _retrying(self, screening: Screening,
                  attempt: Callable[[Screening], Step | None]) -> Step:
        """Run `attempt`; if another request won the race, re-read and re-apply once."""
        result = attempt(screening)
        if result is None:
            fresh = self.store.load(screening.sid)
            if fresh is None:
                raise ScreeningGone(screening.sid)
            result = attempt(fresh)
        if result is None:
            raise ScreeningConflict(screening.sid)
        return result


def _stored(current: Screening, revision: int, answers: dict, outcome: Outcome | None = None,
            finished_at: datetime | None = None, code: str | None = None) -> Screening:
    return Screening(current.sid, revision, current.location, current.created_at, answers,
                     outcome, finished_at, code or current.code, current.lang, current.version)
