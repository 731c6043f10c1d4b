"""Pure tool decisions: a turn's tool calls become ``ToolInvoked`` events with deterministic
call ids; a call that does not fit (unknown tool, invalid arguments, over the per-turn limit)
is answered at once with a ``ToolReturned`` error and a stimulus the agent perceives."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from troupe_es.domain import RunState
from troupe_es.events import Event, StimulusPerceived, ToolInvoked, ToolReturned
from troupe_es.tools.executor import validation_message


def call_id(state: RunState, agent: str, index: int) -> str:
    """``Lisa/t3/c0``: the agent, its turn number and the call's index in the turn."""
    return f"{agent}/t{state.agents[agent].turns}/c{index}"


def _refused(agent: str, cid: str, tool: str, arguments: Any, kind: str, error: str) -> list[Event]:
    args = arguments if isinstance(arguments, dict) else {"value": arguments}
    return [ToolInvoked(agent=agent, call_id=cid, tool=tool, arguments=args),
            ToolReturned(agent=agent, call_id=cid, tool=tool, ok=False, error=error, error_kind=kind,  # type: ignore[arg-type]
                         duration_ms=0.0),
            StimulusPerceived(agent=agent, kind="see", source=f"tool {tool}", content=f"Your {tool} call failed: {error}")]


def decide_calls(state: RunState, agent: str, calls: Sequence[Any], held: dict[str, Any],
                 max_calls: int) -> list[Event]:
    """The events of a turn's tool calls (pure)."""
    events: list[Event] = []
    for index, raw in enumerate(calls):
        cid = call_id(state, agent, index)
        raw = raw if isinstance(raw, dict) else {}
        name = str(raw.get("tool") or "")[:64] or "unknown"
        arguments = raw.get("arguments")
        tool = held.get(name)
        if index >= max_calls:
            events += _refused(agent, cid, name, arguments or {}, "refused",
                               f"at most {max_calls} tool calls per turn")
        elif tool is None:
            events += _refused(agent, cid, name, arguments or {}, "unknown_tool",
                               f"you have no tool {name!r} (you have: {', '.join(held) or 'none'})")
        else:
            try:
                args = tool.Arguments.model_validate(arguments if arguments is not None else {})
            except ValidationError as exc:
                events += _refused(agent, cid, name, arguments or {}, "invalid_arguments", validation_message(exc))
                continue
            events.append(ToolInvoked(agent=agent, call_id=cid, tool=name, arguments=args.model_dump(mode="json")))
    return events
