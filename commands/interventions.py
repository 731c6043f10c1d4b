"""Interventions: a precondition over the state and step, and an effect (pure decisions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from troupe_es.domain import RunState


@dataclass(frozen=True)
class Intervention:
    """Applies ``effect`` when its condition holds at the start of a step.

    Exactly one condition: ``at_step`` (once, at that step), ``every`` (each N-th step, from
    step N), ``after_step`` (once, at the first step at or after N), ``said`` (once, when an
    agent has said something containing that text, case-insensitive).
    ``effect`` is one of ``{"broadcast": text}``, ``{"tell": {"to", "text"}}``,
    ``{"think": {"to", "text"}}``.
    """

    name: str
    effect: dict[str, Any] = field(default_factory=dict)
    at_step: int | None = None
    every: int | None = None
    after_step: int | None = None
    said: str | None = None


def _someone_said(state: RunState, world: str, text: str) -> bool:
    needle = text.lower()
    for agent in state.agents.values():
        if agent.world != world:
            continue
        for memory in agent.memory:
            if memory.kind == "did" and memory.text.startswith("TALK") and needle in memory.text.lower():
                return True
    return False


def due(state: RunState, world: str, step: int, interventions: tuple[Intervention, ...] | list) -> list[Intervention]:
    """The interventions whose condition holds at the start of ``step``, in declaration order."""
    applied = set(state.interventions_applied)
    out = []
    for iv in interventions:
        if iv.every is not None:
            if iv.every > 0 and step >= iv.every and step % iv.every == 0:
                out.append(iv)
            continue
        if iv.name in applied:
            continue
        if iv.at_step is not None and step == iv.at_step:
            out.append(iv)
        elif iv.after_step is not None and step >= iv.after_step:
            out.append(iv)
        elif iv.said is not None and _someone_said(state, world, iv.said):
            out.append(iv)
    return out
