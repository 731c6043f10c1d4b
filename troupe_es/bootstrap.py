"""Composition root: wires the store, the LLM gateway, the command handlers and the message bus.

The only kernel module (with :mod:`troupe_es.api` and the CLI) allowed to import ``commands``
and ``projections``. Everything a run needs is assembled here, once, from plain options.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any

from troupe_es.commands import handlers as h
from troupe_es.commands.models import (
    AdvanceStep,
    AskPoll,
    BeginScriptStep,
    Broadcast,
    ChangePersona,
    CompleteRun,
    CreateWorld,
    DefinePersona,
    FailRun,
    FinishStep,
    GroundAgent,
    IngestDocuments,
    InterruptRun,
    JoinWorld,
    MakeAccessible,
    Perceive,
    Relate,
    ResumeRun,
    ShowImage,
    StartRun,
    TakeTurn,
)
from troupe_es.commands.notebook import announce
from troupe_es.commands.knowledge import KNOWLEDGE
from troupe_es.commands.emotions import EMOTIONS
from troupe_es.commands.memory import MEMORY
from troupe_es.commands.documents import DOCUMENTS, ground_agent, ingest_documents
from troupe_es.commands.space import SPACE
from troupe_es.commands.classroom import CLASSROOM, KIND as LESSON_SEGMENT, on_lesson_segment
from troupe_es.commands.market import MARKET, OpenMarket, open_market
from troupe_es.commands.market.payments import PAYMENT_KIND, on_payment
from troupe_es.commands.retail import RETAIL, congested_moves
from troupe_es.commands.poll import ask_poll
from troupe_es.commands.resume import finish_step, interrupt_run, resume_run
from troupe_es.commands.schedule import BUILTIN_REACTIONS, SCHEDULE_HANDLERS, Reaction
from troupe_es.commands.workplace import WORKPLACE, WORKPLACE_HANDLERS, WORKPLACE_REACTIONS
from troupe_es.commands.step import advance_step, take_turn
from troupe_es.commands.vision import show_image
from troupe_es.commands.tools import ToolsCapability
from troupe_es.commands.tools.reminders import REMINDER_KIND, on_calendar
from troupe_es.domain import RunState
from troupe_es.errors import ConfigurationError
from troupe_es.runtime import Handler, MessageBus, Observer, RuntimeSettings
from troupe_es.store.base import EventStore
from troupe_es.tools.registry import core_registry

HANDLERS: dict[type, Handler] = {
    StartRun: h.start_run,
    DefinePersona: h.define_persona,
    ChangePersona: h.change_persona,
    BeginScriptStep: h.begin_script_step,
    CreateWorld: h.create_world,
    JoinWorld: h.join_world,
    Perceive: h.perceive,
    Broadcast: h.broadcast,
    MakeAccessible: h.make_accessible,
    Relate: h.relate,
    AdvanceStep: advance_step,
    TakeTurn: take_turn,
    AskPoll: ask_poll,
    CompleteRun: h.complete_run,
    FailRun: h.fail_run,
    InterruptRun: interrupt_run,
    ResumeRun: resume_run,
    FinishStep: finish_step,
    OpenMarket: open_market,
    **SCHEDULE_HANDLERS,
    IngestDocuments: ingest_documents,
    GroundAgent: ground_agent,
    ShowImage: show_image,
    **WORKPLACE_HANDLERS,
}
"""Command type → handler: the whole write side at a glance."""

TOOL_REGISTRY = core_registry()
"""The tool kits a scenario's ``tools:`` section can switch on (the tools port)."""
TOOLS = ToolsCapability(TOOL_REGISTRY)

CAPABILITIES: tuple = (EMOTIONS, MEMORY, DOCUMENTS, KNOWLEDGE, SPACE, RETAIL, WORKPLACE, MARKET, CLASSROOM,
                       TOOLS)
"""What composes an agent's turn (prompt sections, output fields and action types, decide
functions), in order (DESIGN §6). ``commands/turn.py`` knows none of them by name. Emotions
come before memory, so a turn's memories are tagged with the mood its appraisal left."""

SCHEDULE_REACTIONS: dict[str, Reaction] = {**BUILTIN_REACTIONS, **WORKPLACE_REACTIONS}
"""Scheduled item kind → what firing it does (docs/schedule.md): capabilities add their own kinds
here (``SCHEDULE_REACTIONS["meeting"] = workplace.on_meeting``)."""
SCHEDULE_REACTIONS[PAYMENT_KIND] = on_payment  # the market's periodic income, rent and interest
SCHEDULE_REACTIONS[REMINDER_KIND] = on_calendar  # the calendar tool's appointments
SCHEDULE_REACTIONS[LESSON_SEGMENT] = on_lesson_segment  # a classroom's lesson plan (docs/environments.md)

MOVE_ADJUSTERS: tuple = (congested_moves,)
"""Functions ``(state, world, moves) -> moves`` applied to each step's grid moves, in order
(retail: cell capacity cuts paths short)."""


def services() -> dict[str, Any]:
    """The ports capabilities use: ``embeddings`` (the process's embedders, loaded on first use)."""
    from troupe_es.embeddings import Embeddings

    global _EMBEDDINGS
    if _EMBEDDINGS is None:
        _EMBEDDINGS = Embeddings()
    return {"embeddings": _EMBEDDINGS, "schedule_reactions": SCHEDULE_REACTIONS, "move_adjusters": MOVE_ADJUSTERS}


_EMBEDDINGS: Any = None


def persona_facts(persona: dict[str, Any]) -> list[str]:
    """The compact persona rendering that goes into every prompt."""
    from troupe_es.personas import Persona, persona_prompt_facts

    return persona_prompt_facts(Persona.model_validate(persona))


def new_run_id(store: EventStore, name: str) -> str:
    """A fresh run id: the scenario's slug and six random hex digits (unique in the store)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:32] or "run"
    existing = {s.run_id for s in store.run_summaries()}
    while True:
        run_id = f"{slug}-{os.urandom(3).hex()}"
        if run_id not in existing:
            return run_id


def make_gateway(store: EventStore, *, llm: str = "mock", model: str | None = None,
                 base_url: str | None = None, cache: bool = True, replay_of: str | None = None,
                 budget: dict[str, float] | None = None, max_concurrency: int = 8,
                 provider_options: dict[str, Any] | None = None,
                 budget_spent: tuple[int, float] = (0, 0.0), call_deadline_s: float | None = None,
                 semantic_cache: float | None = None) -> Any:
    """The LLM gateway for a run. ``replay_of`` makes it strict replay (no provider at all).
    ``budget_spent`` (tokens, US dollars) counts against ``budget`` (a resumed run's spending);
    ``call_deadline_s`` bounds each call, retries included (default: :class:`RetryPolicy`'s).
    ``semantic_cache`` (a cosine threshold) lets an exact-cache miss reuse a similar request's
    completion (cache mode only)."""
    from troupe_es.projections.llm_cache import cache_for_store
    from troupe_es.llm import Budget, LLMGateway, RetryPolicy, make_provider

    if llm not in ("mock", "openai"):
        raise ConfigurationError(f"unknown --llm {llm!r}: use mock or openai")
    budget_obj = None
    if budget:
        budget_obj = Budget(tokens=budget.get("tokens"), cost_usd=budget.get("cost_usd"),
                            used_tokens=int(budget_spent[0]), used_cost_usd=float(budget_spent[1]))
    if replay_of is not None:
        return LLMGateway(store, None, mode="replay", replay_of=replay_of,
                          max_concurrency=max_concurrency, budget=budget_obj,
                          cache=cache_for_store(store))
    provider = make_provider(llm, model=model, base_url=base_url, **(provider_options or {}))
    from troupe_es.llm.vision import BlobProvider

    provider = BlobProvider(provider, store)  # image parts name blobs; the provider gets data URLs
    retry = RetryPolicy(deadline_s=call_deadline_s) if call_deadline_s is not None else RetryPolicy()
    semantic = None
    if semantic_cache is not None:
        if not cache:
            raise ConfigurationError("--semantic-cache needs the cache: drop --no-cache")
        from troupe_es.llm.semantic import SemanticCache

        semantic = SemanticCache(store, semantic_cache, services()["embeddings"].get("wordllama"))
    return LLMGateway(store, provider, mode="cache" if cache else "live", max_concurrency=max_concurrency,
                      budget=budget_obj, cache=cache_for_store(store), retry=retry, semantic=semantic)


def make_bus(store: EventStore, run_id: str, *, gateway: Any, settings: RuntimeSettings = RuntimeSettings(),
             observers: Sequence[Observer] = (), state: RunState | None = None,
             snapshot_every: int | None = 1000, record_commands: bool = False) -> MessageBus:
    """A message bus for ``run_id`` with every handler registered; the run's state is
    snapshotted about every ``snapshot_every`` events (None: never). ``record_commands``: every
    command handled is recorded as a ``CommandIssued`` event (runs driven from Python)."""
    from troupe_es.snapshots import SnapshotPolicy, SnapshotWriter

    writer = SnapshotWriter(SnapshotPolicy(every=snapshot_every)) if snapshot_every else None
    bus = MessageBus(store, run_id, handlers=HANDLERS, gateway=gateway, persona_facts=persona_facts,
                     settings=settings, state=state, observers=observers, snapshots=writer,
                     announce=announce if record_commands else None,
                     capabilities=CAPABILITIES, services=services())
    from troupe_es.embeddings import RunEmbeddings

    bus.services["embeddings"] = RunEmbeddings(bus.services["embeddings"], bus)
    replayed = getattr(getattr(gateway, "_replay", None), "run_id", None)
    if replayed is not None:  # a replay never runs a tool: results come from the replayed run's log
        from troupe_es.tools.executor import RecordedResults

        bus.services["tool_results"] = RecordedResults(gateway.store, replayed)
    from troupe_es.documents.source import document_source

    bus.services["documents"] = document_source(gateway)  # the files, or a replayed run's chunks
    return bus
