"""Pure folds: the default shape of a projection.

A fold is ``initial() -> S`` and ``evolve(S, recorded) -> S``; time travel is "fold up to
position N". :func:`fold` runs one over any iterable of recorded events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from troupe_es.events.envelope import Recorded

S = TypeVar("S")


@dataclass(frozen=True)
class Fold(Generic[S]):
    """A named pure projection; ``types`` (when set) lets readers fetch only the events it uses."""

    name: str
    initial: Callable[[], S]
    evolve: Callable[[S, Recorded], S]
    types: frozenset[str] | None = None
    description: str = ""


def fold(projection: Fold[S], records: Iterable[Recorded], state: S | None = None) -> S:
    """Fold ``records`` into ``state`` (the projection's initial state when omitted)."""
    current = projection.initial() if state is None else state
    evolve = projection.evolve
    for record in records:
        current = evolve(current, record)
    return current
