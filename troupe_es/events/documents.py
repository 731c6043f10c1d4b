"""Document events: chunks of the documents a run was given, and which agents are grounded.

Files are read once, at ingestion (the I/O edge): every chunk becomes one
``DocumentChunkIngested`` holding its text, so a run stays self-contained — replay, time travel
and forks read the recorded chunks, never the files, which may have changed or gone since.
The fields of ``DocumentChunkIngested`` are a published contract (knowledge extraction reads
them): add optional fields only.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from troupe_es.events.base import Event


class DocumentChunkIngested(Event):
    """One chunk of a document, for one agent or (``agent`` null) for everyone. A document's
    chunks are recorded together, in order, in one batch."""

    type: Literal["DocumentChunkIngested"] = "DocumentChunkIngested"
    agent: str | None = Field(description="The agent the document belongs to; null: everyone's.")
    source: str = Field(min_length=1, description="The file as given (relative to the scenario file, or as "
                                                  "passed to Simulation.add_documents); a folder's files "
                                                  "as FOLDER/relative/path.")
    title: str = Field(description="The document's title (HTML <title>, PDF or DOCX metadata, first "
                                   "Markdown heading, else the file name).")
    document_hash: str = Field(description="sha256 of the document's whole extracted text.")
    chunk_id: str = Field(description="Deterministic id: doc:<document_hash[:12]>:<index>; "
                                      "MemoriesRecalled cites it.")
    index: int = Field(ge=0, description="Position of the chunk in the document, from 0.")
    chunks: int = Field(ge=1, description="How many chunks the document has.")
    text: str = Field(description="The chunk's text.")
    chunk_hash: str = Field(description="sha256 of the chunk's text.")
    chunk_size: int = Field(ge=1, description="Chunk size used, in characters.")
    chunk_overlap: int = Field(ge=0, description="Characters the chunk shares with the previous one (at most).")


class GroundingChanged(Event):
    """An agent became grounded (it only knows what its documents say, and recalls only from
    them) or stopped being so."""

    type: Literal["GroundingChanged"] = "GroundingChanged"
    agent: str
    grounded: bool
