"""Turning stored rows back into typed events, through upcasters, with clear errors."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from troupe_es.errors import CorruptEventError, UnknownEventTypeError
from troupe_es.events.base import Event, event_class
from troupe_es.events.upcasting import upcast


def decode_event(type_: str, schema_version: int, payload_json: str | None, *,
                 payload: dict[str, Any] | None = None, position: int | None = None) -> Event:
    """Decode a stored payload (JSON text, or an already parsed dict) into its event class.

    Raises :class:`UnknownEventTypeError` or :class:`CorruptEventError` naming the position and
    type; never returns a half-valid event.
    """
    cls = event_class(type_)
    where = f"event at position {position}" if position is not None else "event"
    if cls is None:
        raise UnknownEventTypeError(f"{where} has unknown type {type_!r}", position=position, type=type_)
    try:
        if schema_version == cls.schema_version:
            if payload is not None:
                return cls.model_validate(payload)
            return cls.model_validate_json(payload_json)  # type: ignore[arg-type]
        if schema_version > cls.schema_version:
            raise CorruptEventError(
                f"{where} ({type_}) is schema v{schema_version}, newer than this troupe-es knows "
                f"(v{cls.schema_version})", position=position, type=type_)
        data = payload if payload is not None else json.loads(payload_json)  # type: ignore[arg-type]
        return cls.model_validate(upcast(type_, schema_version, cls.schema_version, data))
    except CorruptEventError:
        raise
    except (ValidationError, ValueError, LookupError, TypeError, KeyError) as exc:
        detail = _first_error(exc) if isinstance(exc, ValidationError) else str(exc)
        raise CorruptEventError(f"{where} ({type_}) cannot be decoded: {detail}",
                                position=position, type=type_) from exc


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err.get("loc", ())) or "payload"
    return f"{loc}: {err.get('msg', 'invalid')}"
