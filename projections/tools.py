"""What the run's tools produced, as read models folded from ``ToolInvoked``/``ToolReturned``:
mailboxes, documents written, calendars and per-tool call counts, for every run (or one run up
to a position: time travel). The fold is the run state's own (:mod:`troupe_es.domain.tools`),
so what a notebook or ``troupe-es export --documents`` sees is what the agents' tools saw."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from troupe_es.domain.tools import TOOL_HANDLERS, Document, ToolsState
from troupe_es.events.envelope import Recorded
from troupe_es.projections.fold import Fold, fold
from troupe_es.store.base import EventStore

TYPES = frozenset(TOOL_HANDLERS)


@dataclass(frozen=True)
class _Holder:
    tools: ToolsState


def _evolve(state: dict[str, ToolsState], rec: Recorded) -> dict[str, ToolsState]:
    handler = TOOL_HANDLERS.get(rec.event.type)
    if handler is None:
        return state
    held = _Holder(state.get(rec.run_id, ToolsState()))
    return {**state, rec.run_id: handler(held, rec, rec.event).tools}


TOOLS_FOLD: Fold[dict[str, ToolsState]] = Fold(
    "tools", dict, _evolve, TYPES,
    "Every run's tool outcomes: mailboxes, documents written (with revisions), calendars, open calls.")


def tools_state(store: EventStore, run_id: str, *, until: int | None = None) -> ToolsState:
    """A run's tools state, at ``until`` (a position) or at the end of its log."""
    records = store.read(run_id=run_id, types=sorted(TYPES), until_position=until)
    return fold(TOOLS_FOLD, records).get(run_id, ToolsState())


def mailboxes(state: ToolsState) -> dict[str, dict[str, Any]]:
    """Per agent: inbox and sent messages (as dicts), unread count."""
    people = sorted({m.to for m in state.messages} | {m.sender for m in state.messages})
    out = {}
    for who in people:
        inbox = [m.__dict__ | {"read": state.is_read(who, m.message_id)} for m in state.inbox(who)]
        out[who] = {"inbox": inbox, "sent": [m.__dict__.copy() for m in state.sent(who)],
                    "unread": sum(not m["read"] for m in inbox)}
    return out


def calendars(state: ToolsState) -> dict[str, list[dict[str, Any]]]:
    """Per agent (owner or attendee): appointments, earliest first."""
    people = sorted({a.owner for a in state.appointments} | {p for a in state.appointments for p in a.attendees})
    return {who: [a.__dict__ | {"attendees": list(a.attendees)} for a in state.calendar(who)] for who in people}


def documents(state: ToolsState) -> list[dict[str, Any]]:
    """Every document written: id, author, title, revisions (oldest first) and their times."""
    return [{"document_id": d.document_id, "author": d.author, "title": d.title,
             "revisions": list(d.revisions), "times": list(d.times)} for d in state.documents]


def markdown(doc: Document) -> str:
    """A document as Markdown: its title, author, revision count and latest content."""
    head = f"# {doc.title}\n\n_By {doc.author}; revision {len(doc.revisions)}" + (
        f", {doc.times[-1]}" if doc.times and doc.times[-1] else "") + "._\n\n"
    return head + (doc.revisions[-1] if doc.revisions else "").rstrip() + "\n"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "document"


def export_documents(state: ToolsState, folder: Path) -> list[Path]:
    """Write every document as Markdown into ``folder`` (one file each, deterministic names)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for i, doc in enumerate(state.documents, start=1):
        path = folder / f"{i:03d}-{slug(doc.author)}-{slug(doc.title)}.md"
        path.write_text(markdown(doc), encoding="utf-8")
        written.append(path)
    return written


def call_counts(store: EventStore, run_id: str) -> dict[str, dict[str, int]]:
    """Per tool: calls, errors (by kind) — from ``ToolReturned``."""
    out: dict[str, dict[str, int]] = {}
    for rec in store.read(run_id=run_id, types=["ToolReturned"]):
        e = rec.event
        row = out.setdefault(e.tool, {"calls": 0, "errors": 0})  # type: ignore[attr-defined]
        row["calls"] += 1
        if not e.ok:  # type: ignore[attr-defined]
            row["errors"] += 1
            kind = str(e.error_kind)  # type: ignore[attr-defined]
            row[kind] = row.get(kind, 0) + 1
    return out


__all__ = ["TOOLS_FOLD", "calendars", "call_counts", "documents", "export_documents", "mailboxes", "markdown",
           "tools_state"]
