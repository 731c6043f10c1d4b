"""The state of a run, as folded from its events: agents, worlds, clocks, relations.

Plain frozen dataclasses, changed only through :func:`troupe_es.domain.evolve.evolve`. Both the
write side (to decide what agents do next) and the read side (time travel, ``troupe-es state``)
use them. ``to_dict``/``from_dict`` make a state JSON-compatible for snapshots.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from troupe_es.domain.classroom import ClassroomState
from troupe_es.domain.documents import Library
from troupe_es.domain.knowledge import KnowledgeState
from troupe_es.domain.emotions import EmotionState
from troupe_es.domain.market import MarketState
from troupe_es.domain.memory import MemoryBook
from troupe_es.domain.tools import ToolsState
from troupe_es.domain.schedule import ScheduleBook
from troupe_es.domain.space import SpaceState
from troupe_es.domain.workplace import WorkplaceState
from troupe_es.domain.retail import StoreState

MEMORY_WINDOW = 24
"""Episodic memory items an agent keeps in its working view (older ones leave the prompt)."""


@dataclass(frozen=True)
class MemoryItem:
    """One episodic memory: something perceived or done, at a simulated time."""

    index: int
    sim_time: str | None
    kind: str  # heard, saw, thought, goal, social, did, feedback
    text: str
    source: str | None = None
    ref: str | None = None  # the perception's event as stream@version (memories cite it)


@dataclass(frozen=True)
class AgentState:
    """An agent's persona, cognitive state and recent episodic memory."""

    name: str
    persona: dict[str, Any]
    world: str | None = None
    goals: tuple[str, ...] = ()
    attention: str = ""
    emotions: str = ""
    context: tuple[str, ...] = ()
    location: str | None = None
    memory: tuple[MemoryItem, ...] = ()
    memory_total: int = 0
    seen_upto: int = 0
    last_actions: tuple[tuple[str, str, str], ...] = ()  # (action, target, content), one per kind/target
    feedback: tuple[str, ...] = ()
    actions_taken: int = 0
    turns: int = 0
    book: MemoryBook = field(default_factory=MemoryBook)  # stored memories (the memory capability)
    emotion: EmotionState | None = None  # PAD state as last recorded (the emotions capability; None: baseline)

    def new_memories(self) -> tuple[MemoryItem, ...]:
        """Memories perceived since the agent last acted."""
        return tuple(m for m in self.memory if m.index >= self.seen_upto)

    def last_action(self, action: str, target: str | None) -> str | None:
        """Content of the agent's last action of this kind and target, if any."""
        for kind, tgt, content in self.last_actions:
            if kind == action and tgt == (target or ""):
                return content
        return None


@dataclass(frozen=True)
class WorldState:
    """A world: its clock, step counter, members, accessibility and relations."""

    name: str
    kind: str = "world"
    clock: str | None = None
    step_seconds: float = 3600.0
    step: int = 0
    everyone_accessible: bool = True
    members: tuple[str, ...] = ()
    links: tuple[tuple[str, str], ...] = ()  # accessible pairs, sorted names
    relations: tuple[tuple[str, str, str], ...] = ()
    space: SpaceState | None = None  # a grid world's map and positions (the space capability)
    classroom: ClassroomState | None = None  # a classroom's session (the classroom capability)
    store: StoreState | None = None  # a retail store on a grid world (docs/environments.md)

    def clock_dt(self) -> datetime | None:
        return datetime.fromisoformat(self.clock) if self.clock else None

    def accessible_to(self, agent: str) -> tuple[str, ...]:
        """Who ``agent`` can talk to, in member order (in a grid world: who is within earshot)."""
        if self.space is not None:
            return self.space.audible(agent, self.members)
        if self.everyone_accessible:
            return tuple(m for m in self.members if m != agent)
        linked = {b if a == agent else a for a, b in self.links if agent in (a, b)}
        return tuple(m for m in self.members if m in linked)


@dataclass(frozen=True)
class RunState:
    """Everything a run knows at one position of its log."""

    run_id: str | None = None
    scenario_name: str | None = None
    seed: int = 0
    status: str = "new"
    position: int = 0
    agents: dict[str, AgentState] = field(default_factory=dict)
    worlds: dict[str, WorldState] = field(default_factory=dict)
    polls: int = 0
    interventions_applied: tuple[str, ...] = ()
    parent_run_id: str | None = None
    fork_position: int | None = None
    memory_config: dict[str, Any] | None = None  # the scenario's memory: section (None: memory off)
    embedder: dict[str, str] | None = None  # the offline embedder RunStarted recorded
    market: MarketState | None = None  # the marketplace (None: no market is open)
    tools_config: dict[str, Any] | None = None  # the scenario's tools: section (None: no tools)
    tools: ToolsState = field(default_factory=ToolsState)  # open calls, mailboxes, documents, calendars
    schedule: ScheduleBook = field(default_factory=ScheduleBook)  # pending scheduled items (the schedule)
    documents_config: dict[str, Any] | None = None  # the scenario's documents: section (None: none)
    library: Library = field(default_factory=Library)  # ingested document chunks, grounded agents
    knowledge: KnowledgeState = field(default_factory=KnowledgeState)  # the knowledge capability
    emotions_config: dict[str, Any] | None = None  # the scenario's emotions: section (None: emotions off)
    workplace: WorkplaceState | None = None  # rooms, roles, org chart, tasks (the workplace)

    def agent(self, name: str) -> AgentState:
        return self.agents[name]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible copy (for snapshots and ``state --json``)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RunState":
        """Inverse of :meth:`to_dict`."""
        agents = {}
        for name, a in data.get("agents", {}).items():
            a = dict(a)
            a["memory"] = tuple(MemoryItem(**m) for m in a.get("memory", ()))
            for key in ("goals", "context", "feedback"):
                a[key] = tuple(a.get(key, ()))
            a["last_actions"] = tuple(tuple(x) for x in a.get("last_actions", ()))
            a["book"] = MemoryBook.from_dict(a["book"]) if "book" in a else MemoryBook()
            a["emotion"] = EmotionState(**a["emotion"]) if a.get("emotion") else None
            agents[name] = AgentState(**a)
        worlds = {}
        for name, w in data.get("worlds", {}).items():
            w = dict(w)
            w["members"] = tuple(w.get("members", ()))
            w["links"] = tuple(tuple(x) for x in w.get("links", ()))
            w["relations"] = tuple(tuple(x) for x in w.get("relations", ()))
            w["space"] = SpaceState.from_dict(w["space"]) if w.get("space") else None
            w["classroom"] = ClassroomState.from_dict(w["classroom"]) if w.get("classroom") else None
            w["store"] = StoreState.from_dict(w["store"]) if w.get("store") else None
            worlds[name] = WorldState(**w)
        rest = {k: v for k, v in data.items() if k not in ("agents", "worlds")}
        if "schedule" in rest:
            rest["schedule"] = ScheduleBook.from_dict(rest["schedule"])
        rest["workplace"] = WorkplaceState.from_dict(rest.get("workplace"))
        rest["interventions_applied"] = tuple(rest.get("interventions_applied", ()))
        rest["tools"] = ToolsState.from_dict(rest.get("tools") or {})
        rest["library"] = Library.from_dict(rest["library"]) if "library" in rest else Library()
        rest["knowledge"] = KnowledgeState.from_dict(rest.get("knowledge") or {})
        if rest.get("market") is not None:
            rest["market"] = MarketState.from_dict(rest["market"])
        return cls(agents=agents, worlds=worlds, **rest)
