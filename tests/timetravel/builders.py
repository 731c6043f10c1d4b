"""Realistic runs made of real events, shaped like the runtime records them.

A :class:`RunBuilder` produces batches of :class:`NewEvent` exactly as ``commands/step.py`` and the
LLM gateway would: ``StepStarted`` → ``RandomDrawn`` (agent order) → per agent a batch of
``LLMCallRequested`` (caused by the step) → ``LLMCallCompleted`` (caused by the request) →
``CognitiveStateChanged`` and ``ActionTaken`` (caused by the completion) → the deliveries
(``StimulusPerceived`` of hearers, ``AccessibilityChanged`` for reach-outs) → ``StepCompleted``.
Event ids are deterministic (``<run>-<n>``), so tests can name causes. The content of every turn
is a pure function of (agent, step), so runs are reproducible and varied: talks to everyone and
to one person, thoughts, reach-outs, goal changes, emotions, locations, repetitions.

``append_run(store, builder, steps)`` writes a whole run and returns its records; the benchmark
uses :meth:`RunBuilder.step_batches` to generate large logs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from troupe_es.events import (
    sha256_hex,
    AccessibilityChanged,
    ActionTaken,
    AgentJoinedWorld,
    CognitiveStateChanged,
    Event,
    LLMCallCompleted,
    LLMCallRequested,
    NewEvent,
    PersonaDefined,
    RandomDrawn,
    RelationChanged,
    RepetitionSuppressed,
    RunCompleted,
    RunStarted,
    StepCompleted,
    StepStarted,
    StimulusPerceived,
    WorldCreated,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
NAMES = ("Lisa", "Oscar", "Maria", "Ken", "Ana", "Raj", "Zoe", "Tom", "Ida", "Bo", "Eva", "Sam")
EMOTIONS = ("calm", "curious", "annoyed", "cheerful", "sceptical", "tired")
ROOMS = ("Focus room", "Kitchen", "Terrace")


def persona(name: str, i: int) -> dict[str, Any]:
    """A small TinyTroupe-like persona."""
    return {"name": name, "age": 25 + 3 * i, "occupation": {"title": ("Architect", "Nurse", "Teacher")[i % 3]},
            "personality": {"traits": ["curious", "frugal" if i % 2 else "meticulous"]}}


@dataclass
class Turn:
    """What one agent does in one step (a pure function of agent index and step)."""

    actions: list[tuple[str, str, str | None]]  # (TYPE, content, target)
    cognitive: dict[str, Any] = field(default_factory=dict)
    repeated: tuple[str, str, str | None] | None = None


def default_turn(names: Sequence[str], i: int, step: int) -> Turn:
    """Varied, deterministic behaviour of agent ``i`` in ``step``."""
    me, other = names[i], names[(i + 1 + step) % len(names)]
    if other == me:
        other = names[(i + 1) % len(names)]
    kind = (i + step) % 5
    if kind == 0:
        actions = [("TALK", f"{me} on cereal, take {step}: crunch matters most.", None)]
    elif kind == 1:
        actions = [("TALK", f"{other}, what do you pay for breakfast? ({me}, step {step})", other),
                   ("THINK", f"{other} seems unsure (step {step}).", None)]
    elif kind == 2:
        actions = [("REACH_OUT", f"Coffee later? ({step})", other)]
    elif kind == 3:
        actions = [("THINK", f"Price is what matters to {me} at step {step}.", None)]
    else:
        actions = []  # straight DONE
    cognitive: dict[str, Any] = {}
    if (i + step) % 3 == 0:
        cognitive["emotions"] = EMOTIONS[(i + step) % len(EMOTIONS)]
    if (i + step) % 4 == 1:
        cognitive["attention"] = f"{other}'s opinion"
    if (i * 7 + step) % 6 == 2:
        cognitive["goals"] = [f"find a cereal under {3 + (step % 4)} euros", "be heard"]
    if (i + step) % 7 == 3:
        cognitive["context"] = [f"step {step}", "focus group"]
    if (i + 2 * step) % 9 == 4:
        cognitive["location"] = ROOMS[(i + step) % len(ROOMS)]
    repeated = None
    if step > 0 and kind == 0 and (i + step) % 10 == 5:
        repeated = ("TALK", f"{me} on cereal, take {step}: crunch matters most!", None)
    return Turn(actions, cognitive, repeated)


class RunBuilder:
    """Builds one run's event batches; ``agents`` live in one world called ``world``."""

    def __init__(self, run_id: str = "run-a", *, agents: Sequence[str] = ("Lisa", "Oscar", "Maria"),
                 world: str = "Room", seed: int = 7, start: datetime = T0, step_seconds: float = 900,
                 everyone: bool = True) -> None:
        self.run_id = run_id
        self.agents = list(agents)
        self.world = world
        self.seed = seed
        self.clock = start
        self.step_seconds = step_seconds
        self.everyone = everyone
        self.step_no = 0
        self._n = 0
        self.links: set[tuple[str, str]] = set()

    def _id(self) -> str:
        self._n += 1
        return f"{self.run_id}-{self._n:07d}"

    def new(self, stream: str, event: Event, cause: str | None = None,
            sim_time: datetime | None = None) -> NewEvent:
        """A :class:`NewEvent` with the next deterministic id, at the world's clock."""
        return NewEvent(stream, event, sim_time=sim_time or self.clock, event_id=self._id(), causation_id=cause)

    # ---- setup ------------------------------------------------------------------------------
    def start(self) -> list[NewEvent]:
        """``RunStarted``, the world, every persona and its joining the world."""
        out = [self.new("run", RunStarted(scenario_name="cereal-focus-group", seed=self.seed,
                                          package_version="0.test", sim_start=self.clock,
                                          scenario={"name": "cereal-focus-group"})),
               self.new(f"world/{self.world}", WorldCreated(world=self.world, start=self.clock,
                                                            step_seconds=self.step_seconds,
                                                            everyone_accessible=self.everyone))]
        for i, name in enumerate(self.agents):
            out.append(self.new(f"agent/{name}", PersonaDefined(agent=name, persona=persona(name, i))))
        for name in self.agents:
            out.append(self.new(f"world/{self.world}", AgentJoinedWorld(world=self.world, agent=name)))
        return out

    def relate(self, a: str, b: str, relation: str) -> list[NewEvent]:
        """A social-network relation (makes the two mutually accessible)."""
        self.links.add(tuple(sorted((a, b))))  # type: ignore[arg-type]
        return [self.new(f"world/{self.world}", RelationChanged(world=self.world, between=[a, b],
                                                                relation=relation))]

    def broadcast(self, text: str) -> list[NewEvent]:
        """Every member hears ``text`` from the scenario."""
        return [self.new(f"agent/{n}", StimulusPerceived(agent=n, kind="listen", content=text, source="scenario"))
                for n in self.agents]

    def goal(self, agent: str, text: str) -> list[NewEvent]:
        """``internalize_goal`` stimulus."""
        return [self.new(f"agent/{agent}", StimulusPerceived(agent=agent, kind="internalize_goal",
                                                             content=text, source="scenario"))]

    # ---- steps ------------------------------------------------------------------------------
    def reachable(self, agent: str) -> list[str]:
        if self.everyone:
            return [n for n in self.agents if n != agent]
        linked = {b if a == agent else a for a, b in self.links if agent in (a, b)}
        return [n for n in self.agents if n in linked]

    def step_batches(self) -> list[list[NewEvent]]:
        """One world step as the runtime records it, batch by batch (one batch per turn)."""
        step, w = self.step_no, self.world
        started = self.new(f"world/{w}", StepStarted(world=w, step=step))
        batches = [[started]]
        order = self.agents[step % len(self.agents):] + self.agents[:step % len(self.agents)]
        batches.append([self.new("run", RandomDrawn(purpose=f"agent order {w} step {step}", value=order),
                                 started.event_id)])
        actions: list[ActionTaken] = []
        for name in order:
            i = self.agents.index(name)
            turn = default_turn(self.agents, i, step)
            batch = self._turn(name, turn, step, started.event_id)
            actions += [e.event for e in batch if isinstance(e.event, ActionTaken)]  # type: ignore[misc]
            batches.append(batch)
        batches.append(self._deliveries(actions))
        self.clock += timedelta(seconds=self.step_seconds)
        batches.append([self.new(f"world/{w}", StepCompleted(world=w, step=step))])
        self.step_no += 1
        return [b for b in batches if b]

    def _turn(self, name: str, turn: Turn, step: int, cause: str) -> list[NewEvent]:
        call_id = f"{name}/step-{step}/turn-{step}"
        messages = [{"role": "system", "content": f"You are {name}, a simulated person. Stay in character."},
                    {"role": "user", "content": f"Now: {self.clock.isoformat()}, step {step}. "
                                                f"You can reach: {', '.join(self.reachable(name))}. "
                                                "What do you do now?"}]
        output = {"actions": [{"type": t, "content": c, "target": tg} for t, c, tg in turn.actions]
                  + [{"type": "DONE", "content": "", "target": None}],
                  "cognitive_state": turn.cognitive}
        key = sha256_hex(f"{self.seed}:{name}:{step}")
        request = self.new("llm", LLMCallRequested(
            call_id=call_id, request_key=key, provider="mock", model="gpt-4o-mini", messages=messages,
            parameters={"temperature": 0.7}, purpose="turn", agent=name, step=step, cache_mode="live"), cause)
        text = json.dumps(output, sort_keys=True)
        completed = self.new("llm", LLMCallCompleted(
            call_id=call_id, request_key=key, provider="mock", model="gpt-4o-mini-2024-07-18",
            response_text=text, parsed=output, finish_reason="stop", input_tokens=120 + 3 * step,
            output_tokens=40 + len(turn.actions) * 10, cost_usd=0.0001, latency_ms=210.0 + step,
            cache_status="miss"), request.event_id)
        out = [request, completed]
        done = completed.event_id
        if turn.cognitive:
            out.append(self.new(f"agent/{name}", CognitiveStateChanged(agent=name, **turn.cognitive), done))
        index = 0
        for kind, content, target in turn.actions:
            out.append(self.new(f"agent/{name}", ActionTaken(agent=name, action=kind, content=content,
                                                             target=target, index=index), done))
            index += 1
        if turn.repeated is not None:
            kind, content, target = turn.repeated
            out.append(self.new(f"agent/{name}", RepetitionSuppressed(
                agent=name, action=kind, target=target, content=content, similarity=0.97), done))
        out.append(self.new(f"agent/{name}", ActionTaken(agent=name, action="DONE", content="",
                                                         index=index), done))
        return out

    def _deliveries(self, actions: list[ActionTaken]) -> list[NewEvent]:
        out: list[NewEvent] = []
        for a in actions:
            reachable = self.reachable(a.agent)
            if a.action == "TALK":
                for hearer in [a.target] if a.target else reachable:
                    out.append(self.new(f"agent/{hearer}", StimulusPerceived(
                        agent=hearer, kind="listen", content=a.content, source=a.agent)))
            elif a.action == "REACH_OUT" and a.target:
                if a.target not in reachable:
                    self.links.add(tuple(sorted((a.agent, a.target))))  # type: ignore[arg-type]
                    out.append(self.new(f"world/{self.world}", AccessibilityChanged(
                        world=self.world, agents=sorted([a.agent, a.target]))))
                out.append(self.new(f"agent/{a.target}", StimulusPerceived(
                    agent=a.target, kind="socialize", content=f"{a.agent} reached out to you: {a.content}",
                    source=a.agent)))
        return out

    def complete(self) -> list[NewEvent]:
        return [self.new("run", RunCompleted(steps=self.step_no, wall_seconds=12.5))]

    def batches(self, steps: int, *, broadcast: str | None = "What would make you buy a new cereal?",
                complete: bool = True) -> Iterator[list[NewEvent]]:
        """A whole run: setup, an optional broadcast, ``steps`` steps, and ``RunCompleted``."""
        yield self.start()
        if not self.everyone and len(self.agents) > 1:
            yield self.relate(self.agents[0], self.agents[1], "colleagues")
        if broadcast:
            yield self.broadcast(broadcast)
        if self.agents:
            yield self.goal(self.agents[0], "find a healthy cereal")
        for _ in range(steps):
            yield from self.step_batches()
        if complete:
            yield self.complete()


def append_run(store, builder: RunBuilder, steps: int = 4, **kwargs: Any) -> list:  # noqa: ANN001
    """Append a whole run batch by batch (as the bus would); returns every record."""
    records = []
    for batch in builder.batches(steps, **kwargs):
        records += store.append(builder.run_id, batch)
    return records
