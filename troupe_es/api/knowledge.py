"""The knowledge graph from the notebook facade: ``sim.graph(at=P)`` and its helpers.

Everything is folded from the log (zero LLM calls); ``at`` is a log position and ``step`` the
start of a world step, as in ``troupe-es graph --at/--step``.
"""

from __future__ import annotations

from typing import Any

from troupe_es.domain.knowledge import KnowledgeGraph


def graph_at(store: Any, run_id: str, *, at: int | None = None, step: int | None = None,
             world: str | None = None) -> KnowledgeGraph:
    """The run's :class:`KnowledgeGraph` as it was at position ``at`` (or when ``step`` started)."""
    from troupe_es.projections.knowledge import knowledge_graph
    from troupe_es.snapshots import resolve_position

    if at is None and step is None:
        return knowledge_graph(store, run_id)
    return knowledge_graph(store, run_id, at=resolve_position(store, run_id, position=at, step=step, world=world))


def networkx_graph(store: Any, run_id: str, *, at: int | None = None, step: int | None = None,
                   agent: str | None = None, when: Any = ...) -> Any:
    from troupe_es.projections.knowledge import to_networkx

    return to_networkx(graph_at(store, run_id, at=at, step=step), agent=... if agent is None else agent, when=when)
