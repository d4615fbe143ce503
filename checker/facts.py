"""Three-valued facts about a screening's answers, for the rules and the branching.

Every condition is evaluated in three-valued logic over the answers so far: a
question that is not yet settled (not answered, or not yet known to be asked)
is *unknown*. A condition that is certainly true on a partial screening stays
true whatever is answered later, because later answers never change earlier
ones. That is what lets the flow end early, exactly when `emergency` or
`urgent` is certain, and it is the same code that decides a finished screening.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import wraps

Answer = str | tuple[str, ...]
Item = tuple[str, str]  # (question id, option code)


class Tri:
    """Kleene three-valued truth: True, False or None (not known yet).

    Only the three constants below exist; `truth()` maps a bool onto them.
    """

    __slots__ = ("value",)

    def __init__(self, value: bool | None) -> None:
        self.value = value

    def __and__(self, other: Tri) -> Tri:
        if self is FALSE or other is FALSE:
            return FALSE
        return TRUE if self is TRUE and other is TRUE else UNKNOWN

    def __or__(self, other: Tri) -> Tri:
        if self is TRUE or other is TRUE:
            return TRUE
        return FALSE if self is FALSE and other is FALSE else UNKNOWN

    def __invert__(self) -> Tri:
        return UNKNOWN if self is UNKNOWN else (FALSE if self is TRUE else TRUE)

    def __bool__(self) -> bool:
        raise TypeError("use .value: a Tri may be unknown")

    def __repr__(self) -> str:
        return f"Tri({self.value})"


TRUE, FALSE, UNKNOWN = Tri(True), Tri(False), Tri(None)


def truth(value: bool) -> Tri:
    return TRUE if value else FALSE


def any_of(items: list[Tri]) -> Tri:
    result = FALSE
    for item in items:
        result = result | item
    return result


@dataclass(frozen=True)
class Tiers:
    """A questionnaire version's risk-factor tiers (the rules file's definitions)."""

    a: tuple[Item, ...]  # strong factors
    b: tuple[Item, ...]  # moderate factors; they count across questions


class Facts:
    """The answers so far, with which questions are settled, under one version's tiers.

    A settled question is either answered on the path or known not to be asked
    (then nothing was picked in it). Anything else is unknown. `final=True`
    promises that neither mapping changes any more, so derived terms are
    computed once (the rules share many of them).
    """

    def __init__(self, answers: Mapping[str, Answer], settled: Collection[str], tiers: Tiers,
                 *, final: bool = False) -> None:
        self.answers = answers
        self.settled = settled
        self.tiers = tiers
        self._memo: dict[Callable[[Facts], Tri], Tri] | None = {} if final else None

    def picked(self, qid: str, *codes: str) -> Tri:
        """Whether any of `codes` was chosen for `qid`."""
        if qid not in self.settled:
            return UNKNOWN
        answer = self.answers.get(qid, ())
        if isinstance(answer, str):
            return truth(answer in codes)
        return truth(any(code in answer for code in codes))

    def term(self, derive: Callable[[Facts], Tri]) -> Tri:
        """A derived term, computed once when the facts are final."""
        if self._memo is None:
            return derive(self)
        if derive not in self._memo:
            self._memo[derive] = derive(self)
        return self._memo[derive]

    def count(self, items: Collection[Item]) -> tuple[int, bool]:
        """How many (question, code) items are known picked; and whether all are settled."""
        known, settled = 0, True
        for qid, code in items:
            if qid not in self.settled:
                settled = False
                continue
            answer = self.answers.get(qid, ())
            known += code == answer or (not isinstance(answer, str) and code in answer)
        return known, settled


def derived(compute: Callable[[Facts], Tri]) -> Callable[[Facts], Tri]:
    """A term several rules share: computed once per final set of facts."""

    @wraps(compute)
    def term(f: Facts) -> Tri:
        return f.term(compute)

    return term


def at_least(f: Facts, items: Collection[Item], n: int) -> Tri:
    known, settled = f.count(items)
    if known >= n:
        return TRUE
    return FALSE if settled else UNKNOWN


def exactly(f: Facts, items: Collection[Item], n: int) -> Tri:
    known, settled = f.count(items)
    if known > n:
        return FALSE
    return truth(known == n) if settled else UNKNOWN
