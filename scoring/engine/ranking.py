"""Ranking a group: standard competition ranking (1, 2, 2, 4) by index, ties by name."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import (
    Decimal,
)


@dataclass(frozen=True)
class RankEntry:
    key: int | str
    name: str
    index: Decimal


@dataclass(frozen=True)
class Ranked:
    key: int | str
    name: str
    index: Decimal
    rank: int


def rank(entries: Iterable[RankEntry]) -> list[Ranked]:
    """Competition ranking (1, 2, 2, 4) by index, high to low; equal indexes listed by name.

    The order is total (name casefolded, then name, then the key), so the result does not depend on the
    input order.
    """
    ordered = sorted(
        entries,
        key=lambda e: (e.index.copy_negate(), e.name.casefold(), e.name, type(e.key).__name__, str(e.key)),
    )
    result: list[Ranked] = []
    for position, entry in enumerate(ordered):
        tied = position > 0 and entry.index == ordered[position - 1].index
        current = result[-1].rank if tied else position + 1
        result.append(Ranked(key=entry.key, name=entry.name, index=entry.index, rank=current))
    return result
