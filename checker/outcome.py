"""The five outcome levels and the result of a screening."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

Limbs = tuple[tuple[str, tuple[str, ...]], ...]  # (flag, limb codes) pairs; see checker.limbs


class Level(StrEnum):
    """Outcome levels, lowest first: the highest level of every fired rule wins."""

    PROCEED = "proceed"
    MODIFIED = "modified"
    DEFER = "defer"
    URGENT = "urgent"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def stops_massage(self) -> bool:
        return self.rank >= Level.DEFER.rank


_RANK = {level: rank for rank, level in enumerate(Level)}


@dataclass(frozen=True)
class Outcome:
    level: Level
    flags: tuple[str, ...]  # therapist instructions, union over fired rules
    reasons: tuple[str, ...]  # one short staff-facing reason per fired rule
    rules: tuple[str, ...]  # ids of the fired rules, e.g. ("R3", "R27")
    version: str  # questionnaire version the answers were given under
    # The limb each limb flag names (v2 on): kept with the outcome, so a store that keeps
    # only the outcome (the staff check-in) can still say "the left leg". Empty under v1.
    limbs: Limbs = ()

    def limbs_for(self, flag: str) -> tuple[str, ...]:
        return next((limbs for name, limbs in self.limbs if name == flag), ())

    def as_dict(self) -> dict:
        data = {
            "level": self.level.value,
            "flags": list(self.flags),
            "reasons": list(self.reasons),
            "rules": list(self.rules),
            "version": self.version,
        }
        if self.limbs:
            data["limbs"] = {flag: list(limbs) for flag, limbs in self.limbs}
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Outcome:
        return cls(
            Level(data["level"]),
            tuple(data["flags"]),
            tuple(data["reasons"]),
            tuple(data["rules"]),
            str(data["version"]),
            limbs_from(data.get("limbs")),
        )


def limbs_from(data: object) -> Limbs:
    """The `limbs` of a stored outcome ({flag: [limb, ...]}); () when absent (v1)."""
    if not data:
        return ()
    if not isinstance(data, dict):
        raise ValueError("limbs must map a flag to a list of limbs")
    return tuple((str(flag), tuple(str(limb) for limb in limbs)) for flag, limbs in data.items())
