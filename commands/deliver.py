"""Where actions land: TALK is heard by its target (or by everyone reachable), REACH_OUT opens a
channel and is felt as a social stimulus. Pure functions of the state at the step's start."""

from __future__ import annotations

from collections.abc import Iterable

from troupe_es.commands.classroom.control import classroom_deliveries
from troupe_es.domain import RunState
from troupe_es.events import AccessibilityChanged, ActionTaken, Event, StimulusPerceived


def deliveries(state: RunState, actions: Iterable[ActionTaken]) -> list[tuple[str, Event, int]]:
    """``(stream, event, i)`` triples delivering each action to whoever perceives it; ``i`` is the
    index of the action it comes from (its cause)."""
    out: list[tuple[str, Event, int]] = []
    for i, action in enumerate(actions):
        agent = state.agents[action.agent]
        world = state.worlds.get(agent.world) if agent.world else None
        if world is None:
            continue
        reachable = world.accessible_to(agent.name)
        routed = classroom_deliveries(state, action) if world.classroom is not None else None
        if routed is not None:  # the classroom's session controller decides who hears it
            out += [(stream, event, i) for stream, event in routed]
        elif action.action == "TALK":
            hearers = [action.target] if action.target else list(reachable)
            for hearer in hearers:
                out.append((f"agent/{hearer}", StimulusPerceived(
                    agent=hearer, kind="listen", content=action.content, source=agent.name), i))
        elif action.action == "REACH_OUT" and action.target:
            if action.target not in reachable:
                out.append((f"world/{world.name}", AccessibilityChanged(
                    world=world.name, agents=sorted([agent.name, action.target])), i))
            text = f"{agent.name} reached out to you" + (f": {action.content}" if action.content else ".")
            out.append((f"agent/{action.target}", StimulusPerceived(
                agent=action.target, kind="socialize", content=text, source=agent.name), i))
    return out
