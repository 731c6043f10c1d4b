"""The tools capability: one typed call per tool an agent holds in its turn's structured output,
``ToolInvoked`` decided purely from it, the calls run at the I/O edge after the step
(``ToolReturned``), results perceived next turn.

Registered in ``bootstrap.CAPABILITIES`` with the tool registry (a port: the kernel's
:mod:`troupe_es.tools`). Without a ``tools:`` section in the scenario it adds nothing to a turn.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from troupe_es.commands.tools.decide import decide_calls
from troupe_es.commands.tools.execute import run_pending
from troupe_es.commands.tools.schema import FIELD, calls_field, calls_of
from troupe_es.commands.turn import Preparation
from troupe_es.domain import RunState
from troupe_es.events import Event
from troupe_es.tools.base import ToolContext
from troupe_es.tools.registry import ToolRegistry
from troupe_es.tools.toolset import Toolset, toolset_for

EXAMPLE_PREFIX = "Tool example "
"""Prompt lines ``Tool example NAME: {json arguments}``: the mock LLM fills calls from them."""


class ToolsCapability:
    """The tools' contribution to a turn (see the module docstring)."""

    name = "tools"

    def __init__(self, registry: ToolRegistry | None = None) -> None:
        self.registry = registry

    def toolset(self, state: RunState) -> Toolset | None:
        if not state.tools_config:
            return None
        return toolset_for(state.tools_config, self.registry)

    def held(self, state: RunState, agent: str) -> dict[str, Any]:
        toolset = self.toolset(state)
        return {t.name: t for t in toolset.held_by(agent)} if toolset is not None else {}

    def active(self, state: RunState, agent: str) -> bool:
        return bool(self.held(state, agent))

    def output_fields(self, state: RunState, agent: str) -> Mapping[str, tuple[Any, Any]]:
        held = tuple(self.held(state, agent).values())
        return {FIELD: calls_field(held)} if held else {}

    def action_types(self, state: RunState, agent: str) -> Sequence[str]:
        return ()

    def section(self, state: RunState, agent: str) -> list[str]:
        return []

    def prepare(self, state: RunState, agent: str, services: Mapping[str, Any]) -> Preparation:
        return Preparation(lines=tuple(prompt_lines(self.toolset(state), state, agent)))

    def decide(self, state: RunState, agent: str, output: BaseModel, turn: Sequence[Event],
               preparation: Preparation) -> list[Event]:
        toolset = self.toolset(state)
        if toolset is None:
            return []
        return decide_calls(state, agent, calls_of(output), self.held(state, agent), toolset.max_calls)

    def after_step(self, bus: Any, world: str, step: int, causation_id: str | None) -> list[Any]:
        """Run the step's open tool calls (see :mod:`troupe_es.commands.tools.execute`)."""
        toolset = self.toolset(bus.state)
        return run_pending(bus, toolset, world, causation_id) if toolset is not None else []


def prompt_lines(toolset: Toolset | None, state: RunState, agent: str) -> list[str]:
    """The turn's tool section: each tool held, its arguments and examples (pure)."""
    if toolset is None:
        return []
    tools = toolset.held_by(agent)
    if not tools:
        return []
    a = state.agents[agent]
    world = state.worlds.get(a.world) if a.world else None
    lines = [f'Tools you hold (call them in "{FIELD}", at most {toolset.max_calls} a turn; results reach you '
             "before your next turn):"]
    examples: list[str] = []
    for tool in tools:
        config = toolset.config_of(tool.name)
        note = getattr(tool, "prompt_note", None)
        extra = f" [{note(config)}]" if note is not None else ""
        lines.append(f"- {tool.name}({', '.join(tool.Arguments.model_fields)}): {tool.description}{extra}")
        ctx = ToolContext(agent, "", state, config, world.clock if world is not None else None)
        for example in list(tool.examples(ctx))[:3]:
            examples.append(EXAMPLE_PREFIX + f"{tool.name}: " + json.dumps(example, ensure_ascii=False,
                                                                           sort_keys=True, default=str))
    return lines + examples
