"""The tool interface: a name, a description, pydantic argument and result models, and what the
tool may touch.

A tool is a class deriving from :class:`Tool`::

    class RollDice(Tool):
        name = "roll_dice"
        description = "Roll dice."
        capabilities = frozenset({"compute"})

        class Arguments(BaseModel):
            sides: int = Field(ge=2, le=100)

        class Result(BaseModel):
            value: int

        def run(self, args, ctx):
            return self.Result(value=...)

``run`` gets validated arguments and a :class:`ToolContext` (the caller, the call id, the run's
state at the call, the tool's scenario configuration) and returns a ``Result``. It may raise
:class:`~troupe_es.errors.ToolError` to refuse a call: the caller perceives the message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

CAPABILITIES = {
    "mailbox": "reads and writes the run's mailboxes (a projection of the log)",
    "documents": "reads and writes the run's documents (a projection of the log)",
    "calendar": "reads and writes the run's calendars (a projection of the log)",
    "corpus": "reads the search corpus recorded with the run",
    "datasets": "reads the scenario's declared datasets (read-only)",
    "compute": "computes from its arguments only",
    "side_effects": "acts outside the log (never re-run by replay, which no tool is)",
}
"""What a tool may touch (``Tool.capabilities``), shown by ``troupe-es tools``."""


class Args(BaseModel):
    """Base of argument and result models: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class ToolContext:
    """What a tool sees when it runs: the caller, the call, the run's state at the call (mailboxes,
    documents, calendars as folded so far), the simulated time and its configuration."""

    agent: str
    call_id: str
    state: Any
    config: Mapping[str, Any] = field(default_factory=dict)
    now: str | None = None
    services: Mapping[str, Any] = field(default_factory=dict)

    @property
    def tools(self) -> Any:
        """The run's tools state (:class:`troupe_es.domain.tools.ToolsState`)."""
        return self.state.tools

    def reachable(self) -> tuple[str, ...]:
        """Who the caller can reach in its world."""
        agent = self.state.agents.get(self.agent)
        world = self.state.worlds.get(agent.world) if agent is not None and agent.world else None
        return world.accessible_to(self.agent) if world is not None else ()

    def members(self) -> tuple[str, ...]:
        """Everyone in the caller's world."""
        agent = self.state.agents.get(self.agent)
        world = self.state.worlds.get(agent.world) if agent is not None and agent.world else None
        return world.members if world is not None else ()


class Tool:
    """Base class of every tool (see the module docstring)."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    capabilities: ClassVar[frozenset[str]] = frozenset({"compute"})
    Arguments: ClassVar[type[BaseModel]] = Args
    Result: ClassVar[type[BaseModel]] = Args
    inline: ClassVar[bool] = False
    """True for a tool that only reads the run's state and cannot block (the mailbox, documents
    and calendar tools): it runs in the caller's thread, without a deadline. Every other tool
    runs in a worker thread with its timeout."""

    def run(self, args: Any, ctx: ToolContext) -> BaseModel:  # pragma: no cover - abstract
        raise NotImplementedError

    def warm_up(self, ctx: ToolContext) -> None:
        """Work done once before a call's deadline starts (loading an index); nothing by default."""

    def examples(self, ctx: ToolContext) -> Sequence[dict[str, Any]]:
        """Argument examples for the caller's prompt (pure: from ``ctx.state`` only). The mock LLM
        fills a tool call with one of them."""
        return ()

    def deliveries(self, args: Any, result: BaseModel, ctx: ToolContext) -> Sequence[tuple[str, str, str]]:
        """Stimuli for others besides the caller: ``(agent, text, source)`` (an email's recipient)."""
        return ()

    def reminders(self, args: Any, result: BaseModel, ctx: ToolContext) -> Sequence[dict[str, Any]]:
        """Items to put on the run's schedule after a successful call: ``{"kind", "at" (ISO time),
        "id", "data"}`` each (a calendar appointment's reminder). The scheduler fires them at their
        simulated time; a reaction registered for the kind turns the firing into stimuli."""
        return ()

    def perceive(self, args: Any, result: BaseModel) -> str:
        """How the caller reads the result next turn."""
        return f"{self.name} returned " + json.dumps(result.model_dump(mode="json"), ensure_ascii=False,
                                                      separators=(", ", ": "))

    def describe(self) -> dict[str, Any]:
        """Name, description, capabilities and the argument and result JSON schemas."""
        return {"name": self.name, "description": self.description, "capabilities": sorted(self.capabilities),
                "arguments": self.Arguments.model_json_schema(), "result": self.Result.model_json_schema()}
