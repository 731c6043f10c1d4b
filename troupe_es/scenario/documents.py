"""The scenario's ``documents:`` section (docs/documents.md).

Top level, for everyone: a list of paths (files or folders, relative to the scenario file), or
a mapping with ``paths`` and settings. Per persona: a ``documents:`` key on the persona's entry
(a list of paths, or a mapping that may add ``grounding: true``), which the loader moves to
``documents.personas.NAME`` — what ``RunStarted`` records.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from troupe_es.scenario.model import Strict

DEFAULT_CHUNK_SIZE = 1000
DEFAULT_CHUNK_OVERLAP = 150
DEFAULT_TOP_K = 3


def _paths_shorthand(data: Any) -> Any:
    if isinstance(data, str):
        return {"paths": [data]}
    if isinstance(data, list):
        return {"paths": data}
    return data


def _check_overlap(size: int | None, overlap: int | None) -> None:
    if size is not None and overlap is not None and overlap >= size:
        raise ValueError(f"chunk_overlap ({overlap}) must be smaller than chunk_size ({size})")


class PersonaDocuments(Strict):
    """One persona's documents (``personas[i].documents``): its own files, whether it is
    grounded in them, and settings replacing the scenario's."""

    paths: list[str] = Field(default_factory=list)
    grounding: bool = False
    chunk_size: int | None = Field(default=None, ge=50, le=100_000)
    chunk_overlap: int | None = Field(default=None, ge=0)
    top_k: int | None = Field(default=None, ge=0, le=50)

    _shorthand = model_validator(mode="before")(classmethod(lambda cls, data: _paths_shorthand(data)))

    @model_validator(mode="after")
    def _overlap(self) -> "PersonaDocuments":
        _check_overlap(self.chunk_size, self.chunk_overlap)
        return self


class DocumentsSpec(Strict):
    """The ``documents:`` section: documents for everyone, chunking (in characters) and recall."""

    paths: list[str] = Field(default_factory=list)
    chunk_size: int = Field(default=DEFAULT_CHUNK_SIZE, ge=50, le=100_000)
    chunk_overlap: int = Field(default=DEFAULT_CHUNK_OVERLAP, ge=0)
    top_k: int = Field(default=DEFAULT_TOP_K, ge=0, le=50)
    prompt_tokens: int = Field(default=700, ge=50)
    embedder: Literal["wordllama", "hash"] = "wordllama"
    personas: dict[str, PersonaDocuments] = Field(default_factory=dict)

    _shorthand = model_validator(mode="before")(classmethod(lambda cls, data: _paths_shorthand(data)))

    @model_validator(mode="after")
    def _overlap(self) -> "DocumentsSpec":
        _check_overlap(self.chunk_size, self.chunk_overlap)
        for name, p in self.personas.items():
            try:
                _check_overlap(p.chunk_size or self.chunk_size,
                               p.chunk_overlap if p.chunk_overlap is not None else self.chunk_overlap)
            except ValueError as exc:
                raise ValueError(f"personas.{name}: {exc}") from None
        return self

    def settings_for(self, agent: str | None) -> dict[str, Any]:
        """``chunk_size``, ``chunk_overlap``, ``top_k`` and ``grounding`` for ``agent`` (None:
        the shared documents)."""
        own = self.personas.get(agent) if agent else None
        out = {"chunk_size": self.chunk_size, "chunk_overlap": self.chunk_overlap, "top_k": self.top_k,
               "grounding": False}
        if own is not None:
            out.update(own.model_dump(exclude_none=True, exclude={"paths"}))
        return out


def split_persona_documents(entries: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[int, Any]]:
    """The persona entries without their ``documents`` key, and those keys by entry index."""
    out, own = [], {}
    for i, entry in enumerate(entries):
        if isinstance(entry, dict) and "documents" in entry:
            own[i] = entry["documents"]
            entry = {k: v for k, v in entry.items() if k != "documents"}
        out.append(entry)
    return out, own


def with_persona_documents(spec: DocumentsSpec | None, own: dict[int, Any], personas: Any, where: str,
                           base_dir: Any) -> DocumentsSpec | None:
    """``spec`` with each persona entry's ``documents`` under ``personas.NAME``; every path is
    checked (a missing file or an unsupported kind is one :class:`ScenarioError` line naming
    the scenario and the path)."""
    from troupe_es.documents.readers import expand
    from troupe_es.errors import DocumentError, ScenarioError
    from troupe_es.scenario.scenario import validate

    if spec is None and not own:
        return None
    spec = spec or DocumentsSpec()
    by_name = dict(spec.personas)
    for i, value in own.items():
        name = personas[i].name
        if name in by_name:
            raise ScenarioError(f"{where}: personas[{i}].documents: {name}'s documents are also given in "
                                f"documents.personas.{name}: give them once")
        by_name[name] = validate(PersonaDocuments, _paths_shorthand(value), f"{where}: personas[{i}].documents")
    spec = validate(DocumentsSpec, {**spec.model_dump(), "personas": {
        n: p.model_dump() for n, p in by_name.items()}}, where)
    owners = [("documents.paths", spec.paths)]
    index_of = {p.name: i for i, p in enumerate(personas)}
    for name, p in spec.personas.items():
        owners.append((f"personas[{index_of[name]}].documents" if index_of.get(name) in own
                       else f"documents.personas.{name}.paths", p.paths))
    for field, paths in owners:
        for j, path in enumerate(paths):
            try:
                expand(path, base_dir)
            except DocumentError as exc:
                raise ScenarioError(f"{where}: {field}[{j}]: {exc}") from None
    return spec
