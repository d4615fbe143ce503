"""The five outcome levels and the result of a screening."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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

    def as_dict(self) -> dict:
        return {
            "level": self.level.value,
            "flags": list(self.flags),
            "reasons": list(self.reasons),
            "rules": list(self.rules),
            "version": self.version,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Outcome:
        return cls(
            Level(data["level"]),
            tuple(data["flags"]),
            tuple(data["reasons"]),
            tuple(data["rules"]),
            str(data["version"]),
        )
