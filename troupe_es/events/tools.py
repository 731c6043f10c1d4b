"""Tool events: an agent called a tool, and what the tool gave back.

A call is ``ToolInvoked`` (the tool, its validated arguments, the caller and a deterministic
call id derived from the caller's turn) and then ``ToolReturned`` (the result or an error; the
duration is volatile). Mailboxes, documents written and calendars are folded from these events
(:mod:`troupe_es.domain.tools`); replay takes every result from the recorded ``ToolReturned``
and never runs a tool again.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from troupe_es.events.base import Event, volatile

ToolErrorKind = Literal["invalid_arguments", "unknown_tool", "refused", "exception", "timeout"]


class ToolInvoked(Event):
    """An agent called a tool (or a step of a tool chain ran)."""

    type: Literal["ToolInvoked"] = "ToolInvoked"
    agent: str = Field(description="The caller.")
    call_id: str = Field(description="Deterministic: agent, turn and call index (e.g. Lisa/t3/c0); a chain "
                                     "step adds /s<N>.")
    tool: str = Field(description="The tool's registered name (e.g. email_send).")
    arguments: dict[str, Any] = Field(description="The arguments, validated by the tool's argument model "
                                                  "(as given when they were invalid).")
    chain_id: str | None = Field(default=None, description="The chain call this step belongs to, if any.")


class ToolReturned(Event):
    """A tool call finished: its result, or the error the caller will perceive."""

    type: Literal["ToolReturned"] = "ToolReturned"
    agent: str = Field(description="The caller.")
    call_id: str = Field(description="The call's id, as in its ToolInvoked.")
    tool: str
    ok: bool = Field(description="True when the tool returned a result.")
    result: dict[str, Any] | None = Field(default=None, description="The result model, dumped as JSON.")
    error: str | None = Field(default=None, description="What went wrong, as the caller will read it.")
    error_kind: ToolErrorKind | None = None
    chain_id: str | None = Field(default=None, description="The chain call this step belongs to, if any.")
    duration_ms: float | None = volatile(description="Wall time the tool ran (volatile).")
