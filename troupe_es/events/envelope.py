"""What the store adds around an event: :class:`NewEvent` going in, :class:`Recorded` coming out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from troupe_es.events.base import Event


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event about to be appended, with the envelope fields the writer chooses.

    ``event_id`` makes a retried batch idempotent: give the same ids again and nothing new is
    written. Left empty, the store assigns a fresh id.
    """

    stream: str
    event: Event
    sim_time: datetime | None = None
    event_id: str | None = None
    causation_id: str | None = None


class Recorded(NamedTuple):
    """A stored event with its envelope. Immutable; ``position`` is the global order.

    A named tuple: built millions of times by readers, it must be cheap to construct.
    """

    position: int
    run_id: str
    stream: str
    stream_version: int
    event_id: str
    causation_id: str | None
    sim_time: datetime | None
    recorded_at: datetime
    content_hash: str
    chain_hash: str
    event: Event

    @property
    def type(self) -> str:
        """The event's short type tag."""
        return self.event.type

    def envelope(self) -> dict[str, Any]:
        """The envelope as JSON-compatible values (datetimes as UTC ISO 8601)."""
        from troupe_es.events.canonical import iso_utc

        return {
            "position": self.position,
            "run_id": self.run_id,
            "stream": self.stream,
            "stream_version": self.stream_version,
            "event_id": self.event_id,
            "causation_id": self.causation_id,
            "type": self.event.type,
            "schema_version": self.event.schema_version,
            "sim_time": iso_utc(self.sim_time),
            "recorded_at": iso_utc(self.recorded_at),
            "content_hash": self.content_hash,
            "chain_hash": self.chain_hash,
        }

    def to_json_dict(self) -> dict[str, Any]:
        """Envelope plus ``payload``: the shape of ``troupe-es log --json`` lines."""
        data = self.envelope()
        data["payload"] = self.event.payload()
        return data
