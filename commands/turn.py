"""An agent's turn: the prompt it sees, the structured output it must return, and the pure
``decide_turn`` that turns that output into events (DONE appended, repetition guard applied).
"""

from __future__ import annotations

import difflib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from troupe_es.domain import AgentState, RunState
from troupe_es.events import ActionTaken, CognitiveStateChanged, Event, RepetitionSuppressed

ActionType = Literal["TALK", "THINK", "REACH_OUT", "DONE"]
REPETITION_THRESHOLD = 0.9
"""Similarity (0..1) at or above which an action counts as a repetition of the previous one."""
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


INSTRUCTIONS = """You are {name}, a simulated person. Stay fully in character: your persona, beliefs, \
style and emotions shape everything you say. Act realistically, briefly and concretely.
Reply with JSON only: "actions" (1 to {max_actions}, in order, end with DONE) and "cognitive_state" \
(your goals, attention, emotions and context after acting).
Actions: TALK says something to a person you can reach (target) or to everyone (target null); \
THINK is private; REACH_OUT starts contact with someone; DONE ends your turn. Do not repeat yourself."""


def _clip(text: str, limit: int = MEMORY_TEXT_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


POLL_INSTRUCTIONS = """You are {name}, a simulated person. Answer the poll fully in character. \
Reply with JSON only: "choice" (exactly one of the options) and "reason" (one or two sentences)."""


def situation_lines(state: RunState, agent_name: str) -> list[str]:
    """The agent's situation, rendered from its whole state.

    Every part of the state reaches the prompt: goals, attention, emotions, context, location
    and clock, who can be reached, recent memory (new items marked), and feedback from the
    repetition guard. Only the last ``PROMPT_MEMORY_ITEMS`` memories are shown, so the prompt
    stays flat however long the run.
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
    recent = agent.memory[-PROMPT_MEMORY_ITEMS:]
    if recent:
        lines.append("Recent memory (oldest first, * = new since your last turn):")
        for m in recent:
            mark = "*" if m.index >= agent.seen_upto else "-"
            source = f" from {m.source}" if m.source and m.kind in ("heard", "saw", "social") else ""
            lines.append(f"{mark} [{(m.sim_time or '')[:16]}] {m.kind}{source}: {_clip(m.text)}")
    for note in agent.feedback:
        lines.append(f"Feedback: {note}")
    return lines


def _system(header: str, persona_facts: list[str]) -> dict[str, str]:
    body = header + "\n\nWho you are:\n" + "\n".join(f"- {fact}" for fact in persona_facts)
    return {"role": "system", "content": body}


def build_turn_messages(state: RunState, agent_name: str, *, max_actions: int,
                        persona_facts: list[str]) -> list[dict[str, str]]:
    """The chat messages of an agent's turn: instructions and persona, then the situation."""
    header = INSTRUCTIONS.format(name=agent_name, max_actions=max_actions)
    user = "\n".join(situation_lines(state, agent_name) + ["What do you do now?"])
    return [_system(header, persona_facts), {"role": "user", "content": user}]


def build_poll_messages(state: RunState, agent_name: str, *, question: str, options: tuple[str, ...],
                        persona_facts: list[str]) -> list[dict[str, str]]:
    """The chat messages asking an agent to answer a poll in character."""
    header = POLL_INSTRUCTIONS.format(name=agent_name)
    poll = f"Poll: {question}\nOptions: " + " | ".join(options)
    user = "\n".join(situation_lines(state, agent_name) + [poll])
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
    may name any member of the world. An action
    nearly equal to the agent's previous one of the same type and target is replaced by DONE,
    with a :class:`RepetitionSuppressed` feedback event.
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
        if previous is not None and proposed.content.strip():
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
