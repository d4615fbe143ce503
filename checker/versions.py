"""Questionnaire versions: each bundles its questions, branching, rules and tiers.

A screening is walked and decided under the version it started with (stored with it), so a
screening started under v1 finishes under v1 while v2 is current. Keep a version here as
long as screenings started under it can be alive (SCREENING_TTL) and outcomes name it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from checker import limbs as limb_rules
from checker.branching import ASKED_IF_V1, ASKED_IF_V2, Condition
from checker.facts import TRUE, Facts, Tiers
from checker.outcome import Level, Outcome
from checker.questionnaire import QUESTIONS, V1_QUESTIONS, V2_QUESTIONS, Question
from checker.rules import RULES_V1, RULES_V2, TIERS_V1, TIERS_V2, Rule


@dataclass(frozen=True, eq=False, repr=False)  # one value per version: compared by identity
class Questionnaire:
    version: str
    questions: tuple[Question, ...]
    asked_if: Mapping[str, Condition]  # a question without a condition is always asked
    rules: tuple[Rule, ...]
    tiers: Tiers
    # rule id -> the limb its limb flags name; empty when the version asks no side
    limb_sources: Mapping[str, limb_rules.LimbSource]
    _by_id: dict[str, Question] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {q.id: q for q in self.questions})

    def __repr__(self) -> str:
        return f"Questionnaire(version={self.version!r})"

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)

    def has(self, qid: str) -> bool:
        return qid in self._by_id

    def question(self, qid: str) -> Question:
        """The question with this id; KeyError when this version has none."""
        return self._by_id[qid]

    def facts(self, answers: Mapping, settled: set[str] | frozenset[str], *,
              final: bool = False) -> Facts:
        return Facts(answers, settled, self.tiers, final=final)

    def decide(self, facts: Facts) -> Outcome:
        """The outcome from the rules certain on these facts (all of them, once complete).

        The level is the highest of every fired rule; flags are the union. A note that holds
        only at `proceed` (v2's N1) is dropped when a higher level wins.
        """
        fired = [rule for rule in self.rules if rule.when(facts) is TRUE]
        level = max((rule.level for rule in fired if rule.level), key=_rank,
                    default=Level.PROCEED)
        fired = [rule for rule in fired if not rule.only_if_proceed or level is Level.PROCEED]
        flags: dict[str, None] = {}
        for rule in fired:
            flags.update(dict.fromkeys(rule.flags))
        return Outcome(
            level=level,
            flags=tuple(flags),
            reasons=tuple(f"{rule.id}: {rule.reason}" for rule in fired),
            rules=tuple(rule.id for rule in fired),
            version=self.version,
            limbs=self._limbs(fired, facts),
        )

    def _limbs(self, fired: list[Rule], facts: Facts) -> tuple[tuple[str, tuple[str, ...]], ...]:
        named: dict[str, list[str]] = {}
        for rule in fired:
            source = self.limb_sources.get(rule.id)
            if source is None:
                continue
            limbs = source(facts)
            for flag in rule.flags:
                if flag in limb_rules.LIMB_FLAGS:
                    named.setdefault(flag, []).extend(limbs)
        return tuple((flag, limb_rules.ordered(limbs)) for flag, limbs in named.items())


def _rank(level: Level) -> int:
    return level.rank


V1 = Questionnaire("1", V1_QUESTIONS, ASKED_IF_V1, RULES_V1, TIERS_V1, {})
V2 = Questionnaire("2", V2_QUESTIONS, ASKED_IF_V2, RULES_V2, TIERS_V2, limb_rules.SOURCES_V2)
CURRENT = V2
VERSIONS: Mapping[str, Questionnaire] = {q.version: q for q in (V1, V2)}
VERSION = CURRENT.version
assert CURRENT.questions is QUESTIONS


def questionnaire_for(version: str) -> Questionnaire:
    """The questionnaire a stored screening or outcome was made under; KeyError if unknown."""
    return VERSIONS[version]
