"""The knowledge graph as a pure fold over ``FactsExtracted``: entities with aliases merged,
edges valid from / to in *simulated* time. A contradicted edge is closed, never deleted.

Rules (the same for the run's state and for the graph projection, so both always agree):

* An entity's key is its normalised name (case, punctuation, spacing and a leading article
  ignored): ``"The Organic Cereal"`` and ``"organic cereal"`` are one node with two aliases.
* A fact whose agent, subject, predicate and object equal an open edge's restates it: the edge
  gains the evidence, no new edge is drawn.
* An ``exclusive`` fact (a functional predicate: one object at a time) closes the open edges of
  the same agent, subject and predicate with another object, at the new fact's ``valid_from``.
* Every fact gets a deterministic id ``fact:N`` (N counts facts in log order); an edge keeps the
  id of the fact that drew it.

:class:`KnowledgeState` (in :class:`~troupe_es.domain.state.RunState`) keeps what the write side
needs (the open edges, extraction counters); :class:`KnowledgeGraph` is the full graph with
closed edges, built by the read side (``projections/knowledge.py``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from troupe_es.events.canonical import iso_utc

_PUNCT = re.compile(r"[^\w]+")
_ARTICLE = re.compile(r"^(?:the|a|an) ")


@lru_cache(maxsize=1 << 16)
def normalise(name: str) -> str:
    """An entity's (or predicate's) key: ``"The  Organic-Cereal!"`` → ``"organic cereal"``."""
    key = _PUNCT.sub(" ", name.casefold()).strip()
    return _ARTICLE.sub("", key) or key


def fact_id(n: int) -> str:
    """The id of the run's ``n``-th fact (0-based, log order)."""
    return f"fact:{n}"


@dataclass(frozen=True)
class OpenFact:
    """An edge that holds now (not contradicted yet)."""

    id: str
    agent: str | None
    subject: str  # surface names as first stated
    predicate: str
    object: str
    valid_from: str | None
    evidence: tuple[str, ...] = ()

    @property
    def keys(self) -> tuple[str | None, str, str, str]:
        return self.agent, normalise(self.subject), normalise(self.predicate), normalise(self.object)

    def text(self) -> str:
        return f"{self.subject} {self.predicate} {self.object}"


@dataclass(frozen=True)
class KnowledgeState:
    """What the write side knows of the graph: the scenario's ``knowledge:`` section, where each
    agent's next extraction starts, counters, and the open edges (graph-aware retrieval)."""

    config: dict[str, Any] | None = None
    covered: dict[str, int] = field(default_factory=dict)
    extractions: int = 0
    facts: int = 0
    open: tuple[OpenFact, ...] = ()
    chunks: int = 0  # document chunks extracted so far (in ingestion order)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "KnowledgeState":
        items = tuple(OpenFact(**{**f, "evidence": tuple(f.get("evidence", ()))}) for f in data.get("open", ()))
        return cls(**{**data, "covered": dict(data.get("covered", {})), "open": items})


def resolve(open_same: Iterable[tuple[str, str]], object_key: str, exclusive: bool) -> tuple[str | None, list[str]]:
    """For a new fact, given the open edges ``(id, object key)`` of the same agent, subject and
    predicate: the id of the edge it restates (or None) and the ids of the edges it closes."""
    restated, closed = None, []
    for edge_id, obj in open_same:
        if obj == object_key:
            restated = restated or edge_id
        elif exclusive:
            closed.append(edge_id)
    return restated, closed


def knowledge_started(scenario: dict[str, Any] | None) -> KnowledgeState:
    """The state ``RunStarted`` sets: the recorded ``knowledge:`` section (None: knowledge off)."""
    return KnowledgeState(config=(scenario or {}).get("knowledge"))


def _valid_from(fact: Any, rec: Any) -> str | None:
    return iso_utc(fact.valid_from) if fact.valid_from is not None else iso_utc(rec.sim_time)


def _facts_extracted(s: Any, r: Any, e: Any) -> Any:
    k: KnowledgeState = s.knowledge
    open_ = list(k.open)
    n = k.facts
    for fact in e.facts:
        fid = fact_id(n)
        n += 1
        skey, pkey, okey = normalise(fact.subject), normalise(fact.predicate), normalise(fact.object)
        same = [(f.id, f.keys[3]) for f in open_ if f.keys[:3] == (e.agent, skey, pkey)]
        restated, closed = resolve(same, okey, fact.exclusive)
        gone = set(closed)
        if restated is not None:
            open_ = [replace(f, evidence=tuple(dict.fromkeys(f.evidence + tuple(fact.evidence))))
                     if f.id == restated else f for f in open_ if f.id not in gone]
            continue
        open_ = [f for f in open_ if f.id not in gone]
        open_.append(OpenFact(fid, e.agent, fact.subject, fact.predicate, fact.object, _valid_from(fact, r),
                              tuple(dict.fromkeys(fact.evidence))))
    covered = dict(k.covered)
    if e.agent is not None and e.covered_upto is not None:
        covered[e.agent] = max(covered.get(e.agent, 0), e.covered_upto)
    chunks = max(k.chunks, e.covered_chunks) if e.covered_chunks is not None else k.chunks
    return replace(s, knowledge=replace(k, open=tuple(open_), facts=n, extractions=k.extractions + 1,
                                        covered=covered, chunks=chunks))


KNOWLEDGE_HANDLERS: dict[str, Callable[[Any, Any, Any], Any]] = {"FactsExtracted": _facts_extracted}
"""Knowledge event type → fold handler (merged into the one fold by ``evolve``)."""


@dataclass(slots=True)
class Edge:
    """One edge of the graph: ``subject -predicate-> object`` as ``agent`` knows it."""

    id: str
    agent: str | None
    subject: str  # node key
    predicate: str
    object: str  # node key
    evidence: list[str]
    valid_from: str | None
    valid_to: str | None = None
    position: int = 0  # where it was extracted
    closed_by: str | None = None  # the fact that contradicted it
    closed_at_position: int | None = None
    exclusive: bool = False

    def holds_at(self, when: str | None) -> bool:
        """Whether the edge held at simulated time ``when`` (None: now, i.e. it is open)."""
        if when is None:
            return self.valid_to is None
        return (self.valid_from is None or self.valid_from <= when) and (self.valid_to is None or when < self.valid_to)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "agent": self.agent, "subject": self.subject, "predicate": self.predicate,
                "object": self.object, "evidence": list(self.evidence), "valid_from": self.valid_from,
                "valid_to": self.valid_to, "position": self.position, "closed_by": self.closed_by,
                "exclusive": self.exclusive}


@dataclass(slots=True)
class Node:
    """An entity: its key (normalised name), the name first used and every alias seen."""

    key: str
    name: str
    aliases: list[str]


class KnowledgeGraph:
    """The whole graph folded from ``FactsExtracted`` records (closed edges included).

    Mutable for speed (rebuilds of 100k edges); :func:`fold_graph` always starts from a fresh
    one, so the result is a pure function of the records folded."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.edges: dict[str, Edge] = {}
        self.adjacent: dict[str, list[Edge]] = {}
        self._open: dict[tuple[str | None, str, str], list[Edge]] = {}
        self.facts = 0
        self.extractions = 0
        self.position = 0

    def _node(self, surface: str) -> str:
        key = normalise(surface)
        node = self.nodes.get(key)
        if node is None:
            self.nodes[key] = Node(key, surface, [surface])
            self.adjacent[key] = []
        elif surface not in node.aliases:
            node.aliases.append(surface)
        return key

    def apply(self, rec: Any) -> "KnowledgeGraph":
        """Fold one ``FactsExtracted`` record (other records only move the position)."""
        self.position = rec.position
        e = rec.event
        if e.type != "FactsExtracted":
            return self
        self.extractions += 1
        times: dict[Any, str | None] = {}
        for fact in e.facts:
            fid = fact_id(self.facts)
            self.facts += 1
            skey, okey = self._node(fact.subject), self._node(fact.object)
            slot = (e.agent, skey, normalise(fact.predicate))
            same = self._open.setdefault(slot, [])
            restated, closed = resolve(((x.id, x.object) for x in same), okey, fact.exclusive)
            when = times.get(fact.valid_from, ...)
            if when is ...:
                when = times[fact.valid_from] = _valid_from(fact, rec)
            if closed:
                gone = set(closed)
                for edge in same:
                    if edge.id in gone:
                        edge.valid_to, edge.closed_by, edge.closed_at_position = when, fid, rec.position
                same[:] = [x for x in same if x.id not in gone]
            if restated is not None:
                edge = self.edges[restated]
                edge.evidence.extend(x for x in fact.evidence if x not in edge.evidence)
                continue
            edge = Edge(fid, e.agent, skey, fact.predicate, okey, list(dict.fromkeys(fact.evidence)), when,
                        position=rec.position, exclusive=fact.exclusive)
            self.edges[fid] = edge
            same.append(edge)
            self.adjacent[skey].append(edge)
            if okey != skey:
                self.adjacent[okey].append(edge)
        return self

    def open_edges(self) -> list[Edge]:
        return [e for e in self.edges.values() if e.valid_to is None]

    def edges_of(self, agent: Any = ..., when: Any = ...) -> list[Edge]:
        """Edges ``agent`` knows (its own and shared ones; ``...``: everyone's) holding at
        simulated time ``when`` (``...``: all, closed ones included; None: the open ones)."""
        return [e for e in self.edges.values() if known(e, agent, when)]

    def neighbours(self, entity: str, *, agent: Any = ..., when: Any = None) -> list[Edge]:
        """The edges touching ``entity`` (any alias) that ``agent`` knows, holding at ``when``
        (None: open now; ``...``: every edge, closed ones included)."""
        return [e for e in self.adjacent.get(normalise(entity), ()) if known(e, agent, when)]

    def stats(self) -> dict[str, Any]:
        open_ = sum(1 for e in self.edges.values() if e.valid_to is None)
        return {"entities": len(self.nodes), "edges": len(self.edges), "open_edges": open_,
                "closed_edges": len(self.edges) - open_, "facts": self.facts, "extractions": self.extractions,
                "position": self.position}


def known(edge: Edge, agent: Any = ..., when: Any = ...) -> bool:
    """Whether ``agent`` knows ``edge`` (its own or shared; ``...``: anyone) and it holds at
    ``when`` (``...``: ever; None: now, i.e. open; else a simulated time, ISO)."""
    return (agent is ... or edge.agent is None or edge.agent == agent) and (when is ... or edge.holds_at(when))


def fold_graph(records: Iterable[Any]) -> KnowledgeGraph:
    """The graph folded from ``records`` (a fresh graph: a pure function of the records)."""
    graph = KnowledgeGraph()
    for rec in records:
        graph.apply(rec)
    return graph


def mentioned(text: str, keys: Sequence[str]) -> list[str]:
    """The entity keys whose words appear in ``text`` (whole words, normalised), in ``keys`` order."""
    haystack = f" {normalise(text)} "
    return [k for k in keys if k and f" {k} " in haystack]
