"""An agent's turn: the prompt it sees, the structured output it must return, and the pure
``decide_turn`` that turns that output into events (DONE appended, repetition guard applied).

The turn is composed, not grown (DESIGN §6): this module is the assembler and knows no
capability by name. A :class:`Capability` (memory, and later knowledge, tools, emotions, ...)
contributes prompt sections, structured-output fields and action types, events recorded before
the call (what it put in the prompt) and a decide function for the output; the composition root
(:mod:`troupe_es.bootstrap`) registers them in ``CAPABILITIES``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, create_model

from troupe_es.domain import AgentState, RunState
from troupe_es.events import ActionTaken, CognitiveStateChanged, Event, RepetitionSuppressed

ActionType = Literal["TALK", "THINK", "REACH_OUT", "DONE"]
CORE_ACTIONS = ("TALK", "THINK", "REACH_OUT", "DONE")
REPETITION_THRESHOLD = 0.9
"""Similarity (0..1) at or above which an action counts as a repetition of the previous one."""
GUARDED_ACTIONS = frozenset({"TALK", "THINK", "REACH_OUT"})
"""The action types the repetition guard watches: speech and thought. A capability's actions
(a second purchase of the same goods, another step towards the same place, a second look) are
legitimately repeated; their own decide functions refuse what makes no sense."""
PROMPT_MEMORY_ITEMS = 12
"""Recent episodic memories shown in the prompt (the prompt stays flat as a run grows)."""
MEMORY_TEXT_LIMIT = 400


class TurnAction(BaseModel):
    """One action of a turn."""

    model_config = ConfigDict(extra="forbid")
    type: ActionType = Field(description="TALK (say), THINK (to yourself), REACH_OUT (start contact), DONE (end turn).")
    content: str = Field(description="What you say or think; empty for DONE.")
    target: str | None = Field(description="Who you address (a name you can reach), or null for everyone.")


class CognitiveUpdate(BaseModel):
    """The agent's cognitive state after the turn."""

    model_config = ConfigDict(extra="forbid")
    goals: list[str]
    attention: str
    emotions: str
    context: list[str]


class TurnOutput(BaseModel):
    """What the model returns for one turn: ordered actions and the updated cognitive state."""

    model_config = ConfigDict(extra="forbid")
    actions: list[TurnAction]
    cognitive_state: CognitiveUpdate


@dataclass(frozen=True)
class Preparation:
    """What a capability adds to one agent's turn before the call: prompt lines, events to
    record with the request (before the provider is called), and a note for its decide."""

    lines: tuple[str, ...] = ()
    events: tuple[Event, ...] = ()
    note: Any = None


@dataclass(frozen=True)
class Contributions:
    """Every active capability's contribution to one agent's turn, in registration order."""

    preparations: tuple[tuple[Any, Preparation], ...] = ()
    output_model: type[BaseModel] = field(default=None)  # type: ignore[assignment]

    @property
    def lines(self) -> list[str]:
        return [line for _, prep in self.preparations for line in prep.lines]

    @property
    def events(self) -> list[Event]:
        return [event for _, prep in self.preparations for event in prep.events]


class Capability(Protocol):
    """A slice that adds to an agent's turn (registered in ``bootstrap.CAPABILITIES``)."""

    name: str

    def active(self, state: RunState, agent: str) -> bool:
        """Whether the capability takes part in ``agent``'s turns (its configuration)."""

    def output_fields(self, state: RunState, agent: str) -> Mapping[str, tuple[Any, Any]]:
        """Extra fields of the turn's structured output: name -> (annotation, pydantic Field)."""

    def action_types(self, state: RunState, agent: str) -> Sequence[str]:
        """Extra action types the turn's output may use."""

    def prepare(self, state: RunState, agent: str, services: Mapping[str, Any]) -> Preparation:
        """The prompt section and the events to record before the call (pure but for ports in
        ``services``, whose answers the events record)."""

    def section(self, state: RunState, agent: str) -> list[str]:
        """The prompt section when nothing is recorded before the call (a poll)."""

    def decide(self, state: RunState, agent: str, output: BaseModel, turn: Sequence[Event],
               preparation: Preparation) -> list[Event]:
        """Events from the output, after the turn's own ``turn`` events (pure).

        A capability may also define ``after_step(bus, world, step, causation_id)``: work done
        once every agent of a step has acted (memory consolidation, ...)."""


def active_capabilities(capabilities: Sequence[Capability], state: RunState, agent: str) -> list[Capability]:
    """The capabilities that take part in ``agent``'s turn."""
    return [c for c in capabilities if c.active(state, agent)]


@lru_cache(maxsize=64)
def _composed_model(fields: tuple[tuple[str, Any, Any], ...], actions: tuple[str, ...]) -> type[BaseModel]:
    action_model: type[BaseModel] = TurnAction
    if actions:
        kinds = Literal[tuple(dict.fromkeys(CORE_ACTIONS[:-1] + actions + ("DONE",)))]  # type: ignore[misc]
        action_model = create_model("TurnAction", __base__=TurnAction,
                                    type=(kinds, Field(description=TurnAction.model_fields["type"].description)))
    extra = {name: (annotation, info) for name, annotation, info in fields}
    if actions:
        extra["actions"] = (list[action_model], ...)  # type: ignore[valid-type]
    return create_model("TurnOutput", __base__=TurnOutput, **extra)


def turn_output_model(capabilities: Sequence[Capability], state: RunState, agent: str) -> type[BaseModel]:
    """The structured output of ``agent``'s turn: :class:`TurnOutput` plus the fields and action
    types of the active ``capabilities`` (exactly :class:`TurnOutput` when they add none)."""
    fields: list[tuple[str, Any, Any]] = []
    actions: list[str] = []
    for cap in capabilities:
        fields += [(name, annotation, info) for name, (annotation, info) in cap.output_fields(state, agent).items()]
        actions += [a for a in cap.action_types(state, agent) if a not in CORE_ACTIONS]
    if not fields and not actions:
        return TurnOutput
    return _composed_model(tuple(fields), tuple(actions))


def contributions(capabilities: Sequence[Capability], state: RunState, agent: str,
                  services: Mapping[str, Any]) -> Contributions:
    """Prepare every active capability for ``agent``'s turn."""
    active = active_capabilities(capabilities, state, agent)
    preps = tuple((cap, cap.prepare(state, agent, services)) for cap in active)
    return Contributions(preps, turn_output_model(active, state, agent))


def decide_capabilities(state: RunState, agent: str, output: BaseModel, turn: Sequence[Event],
                        contrib: Contributions) -> list[Event]:
    """The events every capability decides from the turn's output, in registration order."""
    events: list[Event] = []
    for cap, prep in contrib.preparations:
        events += cap.decide(state, agent, output, list(turn) + events, prep)
    return events


INSTRUCTIONS = """You are {name}, a simulated person. Stay fully in character: your persona, beliefs, \
style and emotions shape everything you say. Act realistically, briefly and concretely.
Reply with JSON only: "actions" (1 to {max_actions}, in order, end with DONE) and "cognitive_state" \
(your goals, attention, emotions and context after acting).
Actions: TALK says something to a person you can reach (target) or to everyone (target null); \
THINK is private; REACH_OUT starts contact with someone; DONE ends your turn. Do not repeat yourself."""


def clip(text: str, limit: int = MEMORY_TEXT_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


POLL_INSTRUCTIONS = """You are {name}, a simulated person. Answer the poll fully in character. \
Reply with JSON only: "choice" (exactly one of the options) and "reason" (one or two sentences)."""


def situation_lines(state: RunState, agent_name: str, sections: Sequence[str] = ()) -> list[str]:
    """The agent's situation, rendered from its whole state.

    Every part of the state reaches the prompt: goals, attention, emotions, context, location
    and clock, who can be reached, the capabilities' ``sections`` (memory, ...), and feedback
    from the repetition guard.
    """
    agent = state.agents[agent_name]
    world = state.worlds.get(agent.world) if agent.world else None
    lines: list[str] = []
    if world is not None:
        lines.append(f"Now: {world.clock or 'unknown time'}, in {world.name} (step {world.step}).")
        reachable = world.accessible_to(agent.name)
        lines.append("You can reach: " + (", ".join(reachable) if reachable else "nobody") + ".")
    if agent.location and (world is None or agent.location != world.name):
        lines.append(f"Location: {agent.location}.")
    lines.append("Goals: " + ("; ".join(agent.goals) if agent.goals else "none yet") + ".")
    if agent.attention:
        lines.append(f"Attention: {agent.attention}")
    if agent.emotions:
        lines.append(f"Emotions: {agent.emotions}")
    if agent.context:
        lines.append("Context: " + "; ".join(agent.context))
    lines += sections
    for note in agent.feedback:
        lines.append(f"Feedback: {note}")
    return lines


def _system(header: str, persona_facts: list[str]) -> dict[str, str]:
    body = header + "\n\nWho you are:\n" + "\n".join(f"- {fact}" for fact in persona_facts)
    return {"role": "system", "content": body}


def recent_memory_lines(agent: AgentState, items: int = PROMPT_MEMORY_ITEMS) -> list[str]:
    """The last ``items`` perceptions and actions of the agent's working window (new ones
    marked), the memory a turn shows when no memory is configured: the prompt stays flat."""
    recent = agent.memory[-items:]
    lines = ["Recent memory (oldest first, * = new since your last turn):"] if recent else []
    for m in recent:
        mark = "*" if m.index >= agent.seen_upto else "-"
        source = f" from {m.source}" if m.source and m.kind in ("heard", "saw", "social") else ""
        lines.append(f"{mark} [{(m.sim_time or '')[:16]}] {m.kind}{source}: {clip(m.text)}")
    return lines


def build_turn_messages(state: RunState, agent_name: str, *, max_actions: int,
                        persona_facts: list[str], sections: Sequence[str] = ()) -> list[dict[str, str]]:
    """The chat messages of an agent's turn: instructions and persona, then the situation with
    the capabilities' ``sections``."""
    header = INSTRUCTIONS.format(name=agent_name, max_actions=max_actions)
    user = "\n".join(situation_lines(state, agent_name, sections) + ["What do you do now?"])
    return [_system(header, persona_facts), {"role": "user", "content": user}]


def build_poll_messages(state: RunState, agent_name: str, *, question: str, options: tuple[str, ...],
                        persona_facts: list[str], sections: Sequence[str] = ()) -> list[dict[str, str]]:
    """The chat messages asking an agent to answer a poll in character."""
    header = POLL_INSTRUCTIONS.format(name=agent_name)
    poll = f"Poll: {question}\nOptions: " + " | ".join(options)
    user = "\n".join(situation_lines(state, agent_name, sections) + [poll])
    return [_system(header, persona_facts), {"role": "user", "content": user}]


def similarity(a: str, b: str) -> float:
    """Similarity of two texts in 0..1, ignoring case and spacing."""
    a, b = " ".join(a.lower().split()), " ".join(b.lower().split())
    if a == b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def decide_turn(agent: AgentState, output: TurnOutput, *, reachable: tuple[str, ...],
                members: tuple[str, ...], max_actions: int) -> list[Event]:
    """Events of one turn, in order: cognitive state change, then the actions.

    At most ``max_actions`` actions; DONE is appended when missing and nothing follows a DONE. A
    target that is not reachable is dropped (the action goes to everyone reachable); REACH_OUT
    may name any member of the world. A TALK, THINK or REACH_OUT
    nearly equal to the agent's previous one of the same type and target is replaced by DONE,
    with a :class:`RepetitionSuppressed` feedback event (capability actions are not guarded).
    """
    events: list[Event] = []
    cs = output.cognitive_state
    changes = {}
    if tuple(cs.goals) != agent.goals:
        changes["goals"] = list(cs.goals)
    if cs.attention != agent.attention:
        changes["attention"] = cs.attention
    if cs.emotions != agent.emotions:
        changes["emotions"] = cs.emotions
    if tuple(cs.context) != agent.context:
        changes["context"] = list(cs.context)
    if changes:
        events.append(CognitiveStateChanged(agent=agent.name, **changes))
    actions: list[ActionTaken] = []
    seen_this_turn: dict[tuple[str, str], str] = {}
    for proposed in output.actions:
        if len(actions) >= max_actions - 1 or proposed.type == "DONE":
            break
        allowed = members if proposed.type == "REACH_OUT" else reachable
        target = proposed.target if proposed.target in allowed and proposed.target != agent.name else None
        key = (proposed.type, target or "")
        previous = seen_this_turn.get(key) or agent.last_action(proposed.type, target)
        if previous is not None and proposed.content.strip() and proposed.type in GUARDED_ACTIONS:
            score = similarity(previous, proposed.content)
            if score >= REPETITION_THRESHOLD:
                events.append(RepetitionSuppressed(agent=agent.name, action=proposed.type, target=target,
                                                   content=proposed.content, similarity=round(score, 4)))
                break
        actions.append(ActionTaken(agent=agent.name, action=proposed.type, content=proposed.content,
                                   target=target, index=len(actions)))
        seen_this_turn[key] = proposed.content
    actions.append(ActionTaken(agent=agent.name, action="DONE", content="", target=None, index=len(actions)))
    return events + actions
