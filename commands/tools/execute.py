"""The I/O edge of the tools capability: after every agent of a step has acted, the step's open
tool calls run (concurrently, ``settings.parallel`` at a time; a live run runs the tools, a
replay reads their recorded results) and ``ToolReturned`` is recorded with the stimuli the
caller (and, for an email, its recipient) perceives next turn — in the calls' order, so the log
never depends on which tool finished first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from troupe_es.domain import RunState
from troupe_es.domain.tools import OpenCall
from troupe_es.events import ToolReturned
from troupe_es.tools.base import ToolContext
from troupe_es.tools.executor import Outcome, execute, run_live

if TYPE_CHECKING:
    from troupe_es.events import Recorded
    from troupe_es.runtime import MessageBus

RESULTS_SERVICE = "tool_results"
"""The service a replay's bus holds: the runner answering calls from the replayed run's log."""


def context(state: RunState, toolset: Any, call: OpenCall, services: Any) -> ToolContext:
    """What the tool of ``call`` sees: the state as of the step's end, its configuration, the clock."""
    agent = state.agents.get(call.agent)
    world = state.worlds.get(agent.world) if agent is not None and agent.world else None
    return ToolContext(call.agent, call.call_id, state, toolset.config_of(call.tool) if call.tool in toolset.tools else {},
                       world.clock if world is not None else None, services)


def run_call(state: RunState, toolset: Any, call: OpenCall, runner: Any, services: Any) -> Outcome:
    """One open call's outcome (a tool the toolset lacks is an error, not a crash)."""
    tool = toolset.tools.get(call.tool)
    if tool is None:
        return Outcome([ToolReturned(agent=call.agent, call_id=call.call_id, tool=call.tool, ok=False,
                                     error=f"no tool {call.tool!r} in this run", error_kind="unknown_tool",
                                     duration_ms=0.0)], [])
    return execute(tool, call.arguments, context(state, toolset, call, services), runner, toolset)


def run_pending(bus: "MessageBus", toolset: Any, world: str, causation_id: str | None) -> list["Recorded"]:
    """Run the open calls of ``world``'s agents and record what they returned."""
    from troupe_es.commands.step import run_concurrently

    state = bus.state
    calls = state.tools.pending(state.worlds[world].members)
    if not calls:
        return []
    runner = bus.services.get(RESULTS_SERVICE) or run_live
    outcomes = run_concurrently(bus, calls, lambda c: run_call(state, toolset, c, runner, bus.services))
    batch = []
    for call, outcome in zip(calls, outcomes):
        batch += [bus.new(f"agent/{call.agent}", event, world=world, causation_id=causation_id)
                  for event in outcome.events]
        batch += [bus.new(f"agent/{s.agent}", s, world=world, causation_id=causation_id) for s in outcome.stimuli]
    recorded = bus.record(batch)
    from troupe_es.commands.tools.reminders import schedule_reminders

    return recorded + schedule_reminders(bus, world, [r for o in outcomes for r in o.reminders])
