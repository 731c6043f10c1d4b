"""Ingestion: documents become ``DocumentChunkIngested`` events (thin handlers).

The chunks come from the bus's ``services["documents"]`` port: the files on a live run, the
recorded chunks on a replay (:mod:`troupe_es.documents.source`). A document already ingested
for the same agent (same source, same text) is skipped, so ingesting twice changes nothing.
Each document is recorded as one batch, then embedded once with the run's offline embedder
(vectors are a pure function of the text: they warm the cache turns score against).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from troupe_es.commands.models import GroundAgent, IngestDocuments
from troupe_es.documents.source import FileDocuments, RecordedDocuments
from troupe_es.domain import RunState
from troupe_es.embeddings import OFFLINE
from troupe_es.events import GroundingChanged

if TYPE_CHECKING:
    from troupe_es.events import Recorded
    from troupe_es.runtime import MessageBus

STREAM = "documents"


def documents_embedder(state: RunState, agent: str | None, services: Any) -> Any:
    """The embedder document recall uses: the memory's when the run has ``memory:``, else the
    ``documents.embedder`` (wordllama by default); refused when it differs from what
    ``RunStarted`` recorded."""
    from troupe_es.commands.memory import embedder_for
    from troupe_es.commands.memory.config import memory_settings

    spec = memory_settings(state, agent or "")
    if spec is None:
        name = (state.documents_config or {}).get("embedder") or "wordllama"
        spec = SimpleNamespace(embedder=name, embedding_model=None)
    return embedder_for(state, spec, services)


def ingest_documents(cmd: IngestDocuments, bus: "MessageBus") -> list["Recorded"]:
    """Record the chunks of every document ``cmd`` names that the run does not hold yet."""
    if cmd.agent is not None:
        bus.require_agent(cmd.agent, "documents: ")
    source = bus.services["documents"]
    embedder = None
    records: list["Recorded"] = []
    for path in cmd.paths:
        documents = source.ingest(path, base_dir=cmd.base_dir, agent=cmd.agent, chunk_size=cmd.chunk_size,
                                  chunk_overlap=cmd.chunk_overlap, where="documents: ")
        for chunks in documents:
            first = chunks[0]
            if bus.state.library.has_document(cmd.agent, first.source, first.document_hash):
                continue
            records += bus.record([bus.new(STREAM, chunk) for chunk in chunks])
            if embedder is None:
                embedder = documents_embedder(bus.state, cmd.agent, bus.services)
            if embedder.name in OFFLINE:
                embedder.embed([chunk.text for chunk in chunks])
    return records


def ground_agent(cmd: GroundAgent, bus: "MessageBus") -> list["Recorded"]:
    """Record ``GroundingChanged`` unless the agent already is (or is not) grounded."""
    bus.require_agent(cmd.agent)
    if bus.state.library.is_grounded(cmd.agent) == cmd.grounded:
        return []
    return bus.record([bus.new(f"agent/{cmd.agent}", GroundingChanged(agent=cmd.agent, grounded=cmd.grounded))])


def _already_there(state: RunState, agent: str | None, path: str) -> bool:
    prefix = path.rstrip("/\\")
    return any(c.agent == agent and (c.source == path or c.source.startswith(prefix + "/"))
               for c in state.library.chunks)


def ingest_planned(bus: "MessageBus", plan: Any) -> None:
    """Ingest a scenario's ``documents:`` (everyone's, then each persona's) and ground the
    personas that ask for it. Entries the run already holds are not read again (a resumed run, or
    a fork that inherited them); a fork of a recorded scenario takes its parent's recorded chunks."""
    record = plan.record.get("documents")
    if not record:
        return
    from troupe_es.scenario.documents import DocumentsSpec

    spec = DocumentsSpec.model_validate(record)
    parent = bus.state.parent_run_id
    if plan.base_dir is None and parent is not None and isinstance(bus.services.get("documents"), FileDocuments):
        # a fork playing its parent's recorded scenario: the parent's recorded chunks, never the files
        bus.services["documents"] = RecordedDocuments(bus.store, parent)
    wanted: list[tuple[str | None, list[str]]] = [(None, spec.paths)]
    wanted += [(name, p.paths) for name, p in spec.personas.items()]
    for agent, paths in wanted:
        settings = spec.settings_for(agent)
        if agent is not None and settings["grounding"]:
            bus.handle(GroundAgent(agent=agent))
        todo = tuple(p for p in paths if not _already_there(bus.state, agent, p))
        if todo:
            bus.handle(IngestDocuments(paths=todo, agent=agent, chunk_size=settings["chunk_size"],
                                       chunk_overlap=settings["chunk_overlap"], base_dir=plan.base_dir))
