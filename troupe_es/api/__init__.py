"""The notebook facade: ``Simulation``, ``Person`` and ``World``.

Every call appends events; nothing is held only in memory, so whatever a notebook does can be
inspected with ``troupe-es log``, audited, verified and queried through projections::

    from troupe_es import Simulation
    sim = Simulation.open("sqlite:///troupe.db", llm="mock", seed=42)
    lisa = sim.load_persona("examples/personas/lisa.agent.json")
    oscar = sim.person("Oscar", age=30, occupation={"title": "Architect"})
    room = sim.world("Focus room", people=[lisa, oscar], step="15m")
    room.broadcast("What would make you buy a new breakfast cereal?")
    room.run(2)
    print(lisa.listen_and_act("Would you pay 20% more for organic?"))
    sim.events(type="ActionTaken")
    sim.replay(verify=True).ok                  # re-executed from the log: zero LLM calls
    what_if = sim.fork(step=1)                  # a new run with the state at the start of step 1
    what_if.worlds["Focus room"].broadcast("Now half price!")

Calls that change the simulation issue a command (``DefinePersona``, ``CreateWorld``, ``JoinWorld``,
``Perceive``, ``Broadcast``, ``MakeAccessible``, ``Relate``, ``AdvanceStep``, ``TakeTurn``, ``AskPoll``,
``CompleteRun``), which the run records as a ``CommandIssued`` event before its own events: that is
what replay and fork re-execute. Queries (``state``, ``events``, ``people``, ``worlds``) record nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from troupe_es.commands.models import (
    AdvanceStep,
    AskPoll,
    Broadcast,
    CreateWorld,
    DefinePersona,
    JoinWorld,
    MakeAccessible,
    Perceive,
    Relate,
    StartRun,
    TakeTurn,
)
from troupe_es.commands.notebook import complete, notebook_record
from troupe_es.bootstrap import make_bus, make_gateway, new_run_id
from troupe_es.domain import AgentState, RunState, WorldState
from troupe_es.events import ActionTaken, Recorded
from troupe_es.runtime import MessageBus, RuntimeSettings
from troupe_es.store import EventStore, open_store

DEFAULT_START = datetime(2026, 1, 1, 9, 0)


def _seconds(step: str | float | timedelta) -> float:
    if isinstance(step, timedelta):
        return step.total_seconds()
    if isinstance(step, (int, float)):
        return float(step)
    from troupe_es.scenario import parse_duration

    return parse_duration(step).total_seconds()


class Person:
    """An agent of the simulation (TinyTroupe's TinyPerson)."""

    def __init__(self, sim: "Simulation", name: str) -> None:
        self._sim = sim
        self.name = name

    @property
    def state(self) -> AgentState:
        """The agent's current state, folded from the log."""
        return self._sim.state.agents[self.name]

    def memory_stats(self) -> dict[str, Any]:
        """This agent's memory at a glance (as ``troupe-es memory RUN --agent NAME --json``): memories
        held by kind, oldest and newest, stored / forgotten / consolidated / reflected / recalled
        counts, growth per step and the size after every step."""
        from troupe_es.projections.memory_stats import TYPES, AgentMemoryStats, memory_stats

        stats = memory_stats(self._sim.store.read(run_id=self._sim.run_id, types=sorted(TYPES)))
        return stats.get(self.name) or AgentMemoryStats().summary()

    def emotions(self) -> dict[str, Any]:
        """This agent's emotions (as ``troupe-es emotions RUN --agent NAME --json``): baseline,
        current PAD state with octant and intensity, and every change."""
        from troupe_es.projections.emotions import TYPES, emotion_trajectories

        return emotion_trajectories(self._sim.store.read(run_id=self._sim.run_id, types=sorted(TYPES)))[self.name]

    def _perceive(self, kind: str, text: str, source: str | None) -> "Person":
        self._sim.bus.handle(Perceive(agent=self.name, kind=kind, content=text, source=source))
        return self

    def listen(self, text: str, source: str | None = None) -> "Person":
        """Hear something (from ``source``, default: the world)."""
        return self._perceive("listen", text, source or "world")

    def see(self, text: str = "", image: bytes | str | Path | None = None) -> "Person":
        """See something described by ``text``; with ``image`` (PNG, JPEG, GIF or WebP bytes, or
        a path), be shown the image with ``text`` as its caption (see docs/vision.md)."""
        if image is not None:
            from troupe_es.api.vision import show_image

            show_image(self._sim, image, text, agents=(self.name,))
            return self
        return self._perceive("see", text, "world")

    def think(self, text: str) -> "Person":
        """Have a thought put in mind."""
        return self._perceive("think", text, None)

    def internalize_goal(self, goal: str) -> "Person":
        """Adopt a goal."""
        return self._perceive("internalize_goal", goal, None)

    def socialize(self, text: str, source: str | None = None) -> "Person":
        """Receive a social cue."""
        return self._perceive("socialize", text, source)

    def act(self) -> list[ActionTaken]:
        """Take one turn now; returns the actions taken (DONE included)."""
        records = self._sim.bus.handle(TakeTurn(agent=self.name))
        return [r.event for r in records if isinstance(r.event, ActionTaken) and r.event.agent == self.name]

    def listen_and_act(self, text: str, source: str | None = None) -> list[ActionTaken]:
        """Hear ``text`` and act on it at once."""
        self.listen(text, source)
        return self.act()

    def __repr__(self) -> str:
        return f"Person({self.name!r})"


class World:
    """A world with a simulated clock (TinyWorld / TinySocialNetwork)."""

    def __init__(self, sim: "Simulation", name: str) -> None:
        self._sim = sim
        self.name = name

    @property
    def state(self) -> WorldState:
        return self._sim.state.worlds[self.name]

    def add(self, *people: Person | str) -> "World":
        """Place people in this world."""
        names = tuple(p.name if isinstance(p, Person) else p for p in people)
        self._sim.bus.handle(JoinWorld(world=self.name, agents=names))
        return self

    def broadcast(self, text: str) -> "World":
        """Everyone in the world hears ``text``."""
        self._sim.bus.handle(Broadcast(world=self.name, content=text))
        return self

    def see(self, image: bytes | str | Path, text: str = "") -> "World":
        """Everyone in the world is shown ``image`` (bytes or a path), with ``text`` as its caption."""
        from troupe_es.api.vision import show_image

        show_image(self._sim, image, text, world=self.name)
        return self

    def make_everyone_accessible(self) -> "World":
        """Everyone can talk to everyone."""
        self._sim.bus.handle(MakeAccessible(world=self.name, everyone=True))
        return self

    def make_accessible(self, *people: Person | str) -> "World":
        """These people can talk to each other."""
        names = tuple(p.name if isinstance(p, Person) else p for p in people)
        self._sim.bus.handle(MakeAccessible(world=self.name, agents=names))
        return self

    def relate(self, a: Person | str, b: Person | str, relation: str) -> "World":
        """Set a social-network relation (it makes the two mutually accessible)."""
        names = tuple(p.name if isinstance(p, Person) else p for p in (a, b))
        self._sim.bus.handle(Relate(world=self.name, between=names, relation=relation))  # type: ignore[arg-type]
        return self

    def run(self, steps: int, timedelta_per_step: str | float | timedelta | None = None) -> "World":
        """Advance ``steps`` steps; every agent takes a turn in each."""
        if steps < 0:
            from troupe_es.errors import SimulationError

            raise SimulationError(f"steps must be >= 0, got {steps}")
        seconds = _seconds(timedelta_per_step) if timedelta_per_step is not None else None
        for _ in range(steps):
            self._sim.bus.handle(AdvanceStep(world=self.name, step_seconds=seconds))
        return self

    def schedule(self, *, id: str | None = None, at: str | datetime | None = None,
                 in_: str | float | timedelta | None = None, every: str | float | timedelta | None = None,
                 cron: str | None = None, priority: int = 0, deadline: str | float | timedelta | None = None,
                 broadcast: str | None = None, tell: dict[str, str] | None = None,
                 think: dict[str, str] | None = None, see: dict[str, str] | None = None,
                 goal: dict[str, str] | None = None, kind: str | None = None,
                 data: dict[str, Any] | None = None) -> str:
        """Put an item on this world's schedule (docs/schedule.md); returns its id. It fires at
        the first step starting at or after its due time: ``at`` ("09:00" or a datetime),
        ``in_`` (after the clock), ``every`` (recurring) or ``cron`` ("0 9 * * 1-5")."""
        from troupe_es.api.schedule import item_command

        cmd = item_command(self.name, id=id, at=at, in_=in_, every=every, cron=cron, priority=priority,
                           deadline=deadline, broadcast=broadcast, tell=tell, think=think, see=see, goal=goal,
                           kind=kind, data=data)
        return self._sim.bus.handle(cmd)[-1].event.schedule_id

    def workplace(self, *, rooms: Sequence[str] = (), roles: dict[str, str] | None = None,
                  reports_to: dict[str, str] | None = None, meetings: Sequence[dict[str, Any]] = (),
                  tasks: Sequence[dict[str, Any]] = ()) -> "World":
        """Make this world a workplace (docs/environments.md, "Workplace"): rooms, roles, who
        reports to whom, meetings (schedule entries with room, facilitator, attendees, agenda) and
        tasks (id, title, owner, due)."""
        from troupe_es.api.schedule import workplace_command

        self._sim.bus.handle(workplace_command(self.name, rooms=list(rooms), roles=dict(roles or {}),
                                               reports_to=dict(reports_to or {}), meetings=list(meetings),
                                               tasks=list(tasks)))
        return self

    def open_market(self, **spec: Any) -> "World":
        """Open a marketplace here: the fields of a scenario's ``market:`` section (``goods``,
        ``cash``, ``credit``, ``prices``, ``endowments``, ``posted``, ``payments``; see
        docs/environments.md). Its people then trade with BUY, SELL, OFFER and CANCEL."""
        from troupe_es.commands.market import OpenMarket

        self._sim.bus.handle(OpenMarket(world=self.name, spec=spec))
        return self

    def cancel(self, id: str, reason: str = "") -> bool:
        """Take the pending item ``id`` off this world's schedule; False if it was not pending."""
        from troupe_es.commands.schedule import CancelSchedule

        return bool(self._sim.bus.handle(CancelSchedule(world=self.name, id=id, reason=reason)))

    def poll(self, question: str, options: Sequence[str], people: Iterable[Person | str] = ()) -> dict[str, int]:
        """Ask a poll; returns the tally (option → votes)."""
        names = tuple(p.name if isinstance(p, Person) else p for p in people)
        records = self._sim.bus.handle(AskPoll(world=self.name, question=question, options=tuple(options),
                                               agents=names))
        return dict(records[-1].event.tally)


class Simulation:
    """One run in an event store, driven from Python."""

    def __init__(self, store: EventStore, bus: MessageBus, gateway: Any, options: dict[str, Any] | None = None) -> None:
        self.store = store
        self.bus = bus
        self._gateway = gateway
        self._options = dict(options or {})  # how to reach the LLM: llm, base_url, cache (for forks)
        self.outcome: Any = None  # how a resumed scenario run ended (see :meth:`resume`)

    @classmethod
    def open(cls, store: str | EventStore = "sqlite:///troupe.db", *, llm: str = "mock",
             model: str = "gpt-4o-mini", base_url: str | None = None, seed: int = 0,
             name: str = "notebook", cache: bool = True, parallel: int = 1,
             temperature: float | None = None, max_actions: int = 15,
             knowledge: dict[str, Any] | None = None,
             emotions: dict[str, Any] | None = None) -> "Simulation":
        """Start a new run in ``store`` (a URL or an open store). ``knowledge``: the settings of a
        scenario's ``knowledge:`` section (fact extraction, graph-aware retrieval; off when None).
        ``emotions``: the scenario's ``emotions:`` section (e.g. ``{"half_life": "1h"}``;
        docs/emotions.md), off when None."""
        store_obj = open_store(store) if isinstance(store, str) else store
        params = {"temperature": temperature} if temperature is not None else {}
        settings = RuntimeSettings(model=model, llm_parameters=params, parallel=parallel, max_actions=max_actions)
        sim = cls._create(store_obj, name, settings, {"llm": llm, "base_url": base_url, "cache": cache})
        record = notebook_record(model=model, llm_parameters=params, max_actions=max_actions)
        if knowledge is not None:
            from troupe_es.scenario.model import KnowledgeSpec

            record["knowledge"] = KnowledgeSpec.model_validate(knowledge).model_dump(mode="json")
        if emotions is not None:
            from troupe_es.scenario.emotions import emotions_record

            record["emotions"] = emotions_record(emotions)
        sim.bus.handle(StartRun(scenario_name=name, seed=seed, scenario=record,
                                settings={"llm": llm, "model": model, "parallel": parallel}))
        return sim

    @classmethod
    def _create(cls, store: EventStore, name: str, settings: RuntimeSettings, options: dict[str, Any]) -> "Simulation":
        """A simulation on a new run id whose bus records every command it handles."""
        gateway = make_gateway(store, llm=options["llm"], model=settings.model, base_url=options.get("base_url"),
                               cache=options.get("cache", True), max_concurrency=max(settings.parallel, 1))
        bus = make_bus(store, new_run_id(store, name), gateway=gateway, settings=settings, record_commands=True)
        return cls(store, bus, gateway, options)

    @classmethod
    def resume(cls, run_id: str, store: str | EventStore = "sqlite:///troupe.db", *, llm: str | None = None,
               model: str | None = None, base_url: str | None = None, cache: bool = True,
               parallel: int = 1, budget: dict[str, float] | None = None, force: bool = False) -> "Simulation":
        """Continue a run that died, failed, was interrupted or spent its budget, as the same run.

        A scenario run plays the rest of its script (finished turns are never played again; calls
        already paid for come from the cache); the returned simulation can be driven further.
        ``llm`` and ``base_url`` default to those the run was recorded with; ``budget``
        (``{"tokens": N, "cost_usd": X}``) counts what the run spent before."""
        from troupe_es.api.resume import check_resumable, resume_on, runtime_settings, spending, stopped_run
        from troupe_es.liveness import writer_identity

        store_obj = open_store(store) if isinstance(store, str) else store
        run = stopped_run(store_obj, store_obj.resolve_run(run_id))
        check_resumable(run, force=force)
        llm = llm or str(run.writer.get("llm") or "mock")
        base_url = base_url or run.writer.get("base_url")
        settings = runtime_settings(run, model=model, parallel=parallel)
        budget = budget or run.plan.budget
        gateway = make_gateway(store_obj, llm=llm, model=settings.model, base_url=base_url, cache=cache,
                               budget=budget, max_concurrency=max(parallel, 8),
                               budget_spent=spending(store_obj, run.run_id) if budget else (0, 0.0))
        run_settings = {"llm": llm, "model": settings.model, "base_url": base_url, "parallel": parallel,
                        **writer_identity()}
        outcome, bus = resume_on(store_obj, run, gateway=gateway, settings=settings, run_settings=run_settings)
        sim = cls(store_obj, bus, gateway, {"llm": llm, "base_url": base_url, "cache": cache})
        sim.outcome = outcome
        return sim

    @property
    def run_id(self) -> str:
        return self.bus.run_id

    @property
    def state(self) -> RunState:
        """The run's current state, folded from its events."""
        return self.bus.state

    def person(self, name: str, **persona: Any) -> Person:
        """Define a person inline (TinyTroupe persona fields as keyword arguments)."""
        from troupe_es.personas import Persona

        spec = Persona.model_validate({"name": name, **persona}).to_spec()
        self.bus.handle(DefinePersona(name=name, persona=spec))
        return Person(self, name)

    def load_persona(self, path: str | Path, fragments: Sequence[str | Path] = (),
                     name: str | None = None) -> Person:
        """Load a TinyTroupe ``.agent.json`` (optionally merging ``.fragment.json`` files)."""
        from troupe_es.personas import Persona, merge_persona, read_persona_dict

        spec_dict = read_persona_dict(path)
        for fragment in fragments:
            spec_dict = merge_persona(spec_dict, read_persona_dict(fragment), where=str(fragment))
        spec_dict = Persona.model_validate(spec_dict).to_spec()
        if name:
            spec_dict = {**spec_dict, "name": name}
        self.bus.handle(DefinePersona(name=spec_dict["name"], persona=spec_dict,
                                      sources=(str(path), *map(str, fragments))))
        return Person(self, spec_dict["name"])

    def world(self, name: str, *, people: Iterable[Person | str] = (), start: datetime = DEFAULT_START,
              step: str | float | timedelta = "1h", everyone_accessible: bool = True,
              social_network: bool = False) -> World:
        """Create a world (``social_network=True``: a TinySocialNetwork) and place people in it."""
        self.bus.handle(CreateWorld(name=name, start=start, step_seconds=_seconds(step),
                                    kind="social_network" if social_network else "world",
                                    everyone_accessible=everyone_accessible and not social_network))
        world = World(self, name)
        people = list(people)
        if people:
            world.add(*people)
        return world

    def add_documents(self, paths: str | Path | Iterable[str | Path], *, person: Person | str | None = None,
                      chunk_size: int = 1000, chunk_overlap: int = 150, grounding: bool = False) -> int:
        """Give documents (files or folders of .md, .txt, .html, .pdf, .docx; relative paths from
        the working directory) to ``person``, or to everyone; returns how many chunks were recorded
        (0 when they already were). ``grounding=True`` makes ``person`` know only what its documents
        say (docs/documents.md)."""
        from troupe_es.api.documents import add_documents

        return add_documents(self, paths, person=person, chunk_size=chunk_size, chunk_overlap=chunk_overlap,
                             grounding=grounding)

    def events(self, *, type: str | Iterable[str] | None = None, agent: str | None = None,
               stream: str | None = None) -> list[Recorded]:
        """This run's events, optionally filtered."""
        types = [type] if isinstance(type, str) else (list(type) if type is not None else None)
        out = []
        for rec in self.store.read(run_id=self.run_id, types=types, stream=stream):
            if agent is None or getattr(rec.event, "agent", None) == agent or rec.stream == f"agent/{agent}":
                out.append(rec)
        return out

    @property
    def people(self) -> dict[str, Person]:
        """Every agent of the run by name (handles for a forked simulation, too)."""
        return {name: Person(self, name) for name in self.state.agents}

    @property
    def worlds(self) -> dict[str, World]:
        """Every world of the run by name."""
        return {name: World(self, name) for name in self.state.worlds}

    def schedule(self, world: str | None = None, **item: Any) -> str:
        """:meth:`World.schedule` on ``world`` (default: the run's first world); returns the id."""
        return self._world_named(world).schedule(**item)

    def cancel(self, id: str, world: str | None = None, reason: str = "") -> bool:
        """:meth:`World.cancel` on ``world`` (default: the run's first world)."""
        return self._world_named(world).cancel(id, reason)

    def _world_named(self, world: str | None) -> World:
        if world is None:
            if not self.state.worlds:
                from troupe_es.errors import SimulationError

                raise SimulationError("schedule: create a world first")
            world = next(iter(self.state.worlds))
        return World(self, world)

    def replay(self, *, until: int | None = None, verify: bool = True) -> Any:
        """Re-execute this run from its recorded commands with every LLM answer taken from the log
        (``troupe-es replay RUN --verify``); returns the :class:`~troupe_es.api.replay.ReplayReport`."""
        from troupe_es.api.replay import replay_run

        return replay_run(self.store, self.run_id, until=until, verify=verify)

    def fork(self, at: int | None = None, *, step: int | None = None, world: str | None = None,
             play_rest: bool = False) -> "Simulation":
        """A new simulation (a new run, same store and LLM) whose state is this run's at position
        ``at`` (or at the start of step ``step``; default: now), to drive another way.

        The fork records this run as its parent and the fork position, and replays verified like
        any run. ``play_rest=True`` first plays this run's commands after the fork position
        (a step or poll cut in the middle is played again from its start)."""
        return self.fork_run(self.run_id, self.store, at=at, step=step, world=world, play_rest=play_rest,
                             parallel=self.bus.settings.parallel, **self._options)

    @classmethod
    def fork_run(cls, run: str, store: str | EventStore = "sqlite:///troupe.db", *, at: int | None = None,
                 step: int | None = None, world: str | None = None, play_rest: bool = False, llm: str = "mock",
                 base_url: str | None = None, cache: bool = True, parallel: int | None = None) -> "Simulation":
        """:meth:`fork` for a notebook run recorded earlier (a run id or a unique prefix of one),
        e.g. from a new session after the one driving it died."""
        from troupe_es.api.notebook_replay import notebook_fork
        from troupe_es.snapshots import resolve_position

        store_obj = open_store(store) if isinstance(store, str) else store
        parent = store_obj.resolve_run(run)
        position = resolve_position(store_obj, parent, position=at, step=step, world=world)
        fork = notebook_fork(store_obj, parent, position, parallel=parallel)
        options = {"llm": llm, "base_url": base_url, "cache": cache}
        child = cls._create(store_obj, fork.start.scenario_name, fork.settings, options)
        fork.begin(child.bus, {**fork.start.settings, "llm": llm})
        if play_rest:
            for command in fork.tail:
                child.bus.handle(command)
        return child

    def graph(self, at: int | None = None, agent: str | None = None, *, step: int | None = None,
              when: Any = ...) -> Any:
        """The knowledge graph as a ``networkx.MultiDiGraph``, as it was at position ``at`` (or
        when ``step`` started; default: now), only what ``agent`` knows if given, only edges
        holding at simulated time ``when`` if given (None: the open ones). Zero LLM calls."""
        from troupe_es.api.knowledge import networkx_graph

        return networkx_graph(self.store, self.run_id, at=at, step=step, agent=agent, when=when)

    def knowledge(self, at: int | None = None, *, step: int | None = None) -> Any:
        """The :class:`~troupe_es.domain.knowledge.KnowledgeGraph` at ``at`` (neighbours, stats)."""
        from troupe_es.api.knowledge import graph_at

        return graph_at(self.store, self.run_id, at=at, step=step)

    def neighbours(self, entity: str, *, agent: str | None = None, at: int | None = None) -> list[dict[str, Any]]:
        """The open edges touching ``entity`` (any alias) at position ``at``."""
        from troupe_es.projections.knowledge import neighbours

        return neighbours(self.knowledge(at), entity, agent=... if agent is None else agent)

    def path(self, source: str, target: str, *, agent: str | None = None, at: int | None = None) -> list[str]:
        """The shortest chain of entities linking two entities at position ``at`` (open edges)."""
        from troupe_es.projections.knowledge import path

        return path(self.knowledge(at), source, target, agent=... if agent is None else agent)

    def beliefs(self, agent: str, about: str, *, at: int | None = None, step: int | None = None) -> list[dict[str, Any]]:
        """What ``agent`` believed about ``about`` at position ``at`` (or when ``step`` started)."""
        from troupe_es.projections.knowledge import beliefs

        return beliefs(self.knowledge(at, step=step), agent, about)

    def complete(self) -> None:
        """Mark the run completed (``troupe-es runs`` shows it so)."""
        self.bus.handle(complete(self.bus))

    def close(self) -> None:
        """Complete the run if still open and release the gateway (the store stays open if given)."""
        if self.state.status == "running":
            self.complete()
        close = getattr(self._gateway, "close", None)
        if close:
            close()

    def __enter__(self) -> "Simulation":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
