"""What the run's tools have done, as folded from ``ToolInvoked`` and ``ToolReturned``: calls
still open, mailboxes, documents written and calendars.

The core tools' effects are folded here (an email sent lands in its recipient's mailbox, a
document written gets a revision, an appointment is added), from the call's arguments and its
recorded result, so every view of them is a projection of the log. :data:`TOOL_HANDLERS` is
merged into the one fold (:mod:`troupe_es.domain.evolve`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from troupe_es.events.canonical import iso_utc


@dataclass(frozen=True)
class OpenCall:
    """A ``ToolInvoked`` whose ``ToolReturned`` is not recorded yet."""

    agent: str
    call_id: str
    tool: str
    arguments: dict[str, Any]
    chain_id: str | None = None
    sim_time: str | None = None


@dataclass(frozen=True)
class Message:
    """One email."""

    message_id: str
    sender: str
    to: str
    subject: str
    body: str
    sim_time: str | None = None
    reply_to: str | None = None


@dataclass(frozen=True)
class Document:
    """A document an agent wrote: its title and every revision of its content."""

    document_id: str
    author: str
    title: str
    revisions: tuple[str, ...] = ()
    times: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class Appointment:
    """An appointment in its owner's (and attendees') calendar."""

    appointment_id: str
    owner: str
    subject: str
    start: str
    duration_minutes: int
    attendees: tuple[str, ...] = ()


@dataclass(frozen=True)
class ToolsState:
    """The tools part of a run's state (JSON-compatible through ``to_dict``/``from_dict``)."""

    open: tuple[OpenCall, ...] = ()
    messages: tuple[Message, ...] = ()
    read: tuple[tuple[str, str], ...] = ()  # (agent, message id)
    documents: tuple[Document, ...] = ()
    appointments: tuple[Appointment, ...] = ()
    calls: int = 0
    errors: int = 0

    def pending(self, agents: tuple[str, ...] | None = None) -> list[OpenCall]:
        """Open calls an agent made in a turn (not chain steps), in the order they were made."""
        return [c for c in self.open if c.chain_id is None and (agents is None or c.agent in agents)]

    def inbox(self, agent: str) -> list[Message]:
        return [m for m in self.messages if m.to == agent]

    def sent(self, agent: str) -> list[Message]:
        return [m for m in self.messages if m.sender == agent]

    def message(self, message_id: str) -> Message | None:
        return next((m for m in self.messages if m.message_id == message_id), None)

    def is_read(self, agent: str, message_id: str) -> bool:
        return (agent, message_id) in self.read

    def document(self, document_id: str) -> Document | None:
        return next((d for d in self.documents if d.document_id == document_id), None)

    def calendar(self, agent: str) -> list[Appointment]:
        return sorted((a for a in self.appointments if a.owner == agent or agent in a.attendees),
                      key=lambda a: (a.start, a.appointment_id))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ToolsState":
        return cls(open=tuple(OpenCall(**c) for c in data.get("open", ())),
                   messages=tuple(Message(**m) for m in data.get("messages", ())),
                   read=tuple(tuple(x) for x in data.get("read", ())),  # type: ignore[misc]
                   documents=tuple(Document(**{**d, "revisions": tuple(d.get("revisions", ())),
                                               "times": tuple(d.get("times", ()))}) for d in data.get("documents", ())),
                   appointments=tuple(Appointment(**{**a, "attendees": tuple(a.get("attendees", ()))})
                                      for a in data.get("appointments", ())),
                   calls=int(data.get("calls", 0)), errors=int(data.get("errors", 0)))


def _send(t: ToolsState, call: OpenCall, result: dict[str, Any], now: str | None) -> ToolsState:
    a = call.arguments
    reply_to = a.get("message_id")
    to, subject = a.get("to"), a.get("subject")
    if reply_to is not None:
        original = t.message(reply_to)
        to = original.sender if original else result.get("delivered_to")
        subject = ("Re: " + original.subject) if original and not original.subject.startswith("Re:") else (
            original.subject if original else "Re:")
    message = Message(result["message_id"], call.agent, str(result.get("delivered_to") or to), str(subject or ""),
                      str(a.get("body", "")), now, reply_to)
    return replace(t, messages=t.messages + (message,))


def _read(t: ToolsState, call: OpenCall, result: dict[str, Any], now: str | None) -> ToolsState:
    key = (call.agent, str(result.get("message_id")))
    return t if key in t.read else replace(t, read=t.read + (key,))


def _write(t: ToolsState, call: OpenCall, result: dict[str, Any], now: str | None) -> ToolsState:
    doc_id = result["document_id"]
    existing = t.document(doc_id)
    content = str(call.arguments.get("content", ""))
    if existing is None:
        doc = Document(doc_id, call.agent, str(call.arguments.get("document_title", "")), (content,), (now,))
        return replace(t, documents=t.documents + (doc,))
    doc = replace(existing, revisions=existing.revisions + (content,), times=existing.times + (now,))
    return replace(t, documents=tuple(doc if d.document_id == doc_id else d for d in t.documents))


def _appoint(t: ToolsState, call: OpenCall, result: dict[str, Any], now: str | None) -> ToolsState:
    a = call.arguments
    appointment = Appointment(result["appointment_id"], call.agent, str(a.get("subject", "")),
                              str(result.get("start") or a.get("start")), int(a.get("duration_minutes", 30)),
                              tuple(a.get("attendees") or ()))
    return replace(t, appointments=t.appointments + (appointment,))


EFFECTS: dict[str, Callable[[ToolsState, OpenCall, dict[str, Any], str | None], ToolsState]] = {
    "email_send": _send,
    "email_reply": _send,
    "email_read": _read,
    "document_write": _write,
    "document_revise": _write,
    "calendar_create": _appoint,
}
"""The core tools whose successful calls change the run's tools state."""


def _tools_of(s: Any) -> ToolsState:
    return s.tools


def _invoked(s: Any, r: Any, e: Any) -> Any:
    t = _tools_of(s)
    call = OpenCall(e.agent, e.call_id, e.tool, dict(e.arguments), e.chain_id, iso_utc(r.sim_time))
    return replace(s, tools=replace(t, open=t.open + (call,), calls=t.calls + 1))


def _returned(s: Any, r: Any, e: Any) -> Any:
    t = _tools_of(s)
    call = next((c for c in t.open if c.call_id == e.call_id), None)
    t = replace(t, open=tuple(c for c in t.open if c.call_id != e.call_id), errors=t.errors + (not e.ok))
    effect = EFFECTS.get(e.tool)
    if e.ok and call is not None and effect is not None and e.result is not None:
        t = effect(t, call, dict(e.result), iso_utc(r.sim_time))
    return replace(s, tools=t)


TOOL_HANDLERS = {"ToolInvoked": _invoked, "ToolReturned": _returned}
"""Fold handlers for the tool events (merged into :mod:`troupe_es.domain.evolve`)."""

__all__ = ["Appointment", "Document", "EFFECTS", "Message", "OpenCall", "TOOL_HANDLERS", "ToolsState"]
