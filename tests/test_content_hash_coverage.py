"""Every event type: changing any non-volatile payload field changes the content hash, changing
a volatile one does not.

A valid instance of each type in the ``AnyEvent`` union is built generically from its pydantic
fields (annotations and constraints), then each field — and each field of nested models — is
changed in turn and the event appended to a store, whose ``content_hash`` is compared. A type
whose fields this sampler cannot build fails the test, so the test stays complete as events are
added: teach :func:`sample` the new annotation.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, Literal, Union

import annotated_types
import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from troupe_es.events import AnyEvent, Event, NewEvent, content_hash, event_classes
from troupe_es.store import InMemoryEventStore

UNION_MEMBERS: list[type[Event]] = list(typing.get_args(typing.get_args(AnyEvent)[0]))
WHEN = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


class CannotSample(TypeError):
    """The sampler does not know an annotation (teach it, so the new event is covered)."""


def _bounds(metadata: list[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in metadata:
        for name in ("ge", "gt", "le", "lt", "min_length", "max_length"):
            if isinstance(item, getattr(annotated_types, {"ge": "Ge", "gt": "Gt", "le": "Le", "lt": "Lt",
                                                          "min_length": "MinLen",
                                                          "max_length": "MaxLen"}[name])):
                found[name] = getattr(item, name)
    return found


def _strip(annotation: Any, metadata: list[Any]) -> tuple[Any, list[Any]]:
    """``Annotated[X, ...]`` → ``X`` plus its metadata."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation, *extra = typing.get_args(annotation)
        metadata = [*metadata, *extra]
    return annotation, metadata


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (Union, types.UnionType)


def sample(annotation: Any, metadata: list[Any] = (), where: str = "") -> Any:  # type: ignore[assignment]
    """A valid value (as model_validate takes it) for ``annotation``."""
    annotation, metadata = _strip(annotation, list(metadata))
    bounds = _bounds(metadata)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is Any:
        return {"any": ["value", 1]}
    if origin is Literal:
        return args[0]
    if _is_union(annotation):
        return sample(next(a for a in args if a is not type(None)), metadata, where)
    if origin in (list, tuple) or annotation in (list, tuple):
        item = args[0] if args else str
        return [sample(item, [], where) for _ in range(max(1, bounds.get("min_length", 1)))]
    if origin is dict or annotation is dict:
        return {"key": sample(args[1] if args else str, [], where)}
    if annotation is bool:
        return True
    if annotation is int:
        low = bounds.get("ge", bounds.get("gt", 0) + 1 if "gt" in bounds else 3)
        return max(low, 3) if "le" not in bounds else min(max(low, 3), bounds["le"])
    if annotation is float:
        return min(2.5, bounds["le"]) if "le" in bounds else 2.5
    if annotation is str:
        return "text"
    if annotation is datetime:
        return WHEN
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {name: sample(f.annotation, f.metadata, f"{where}.{name}")
                for name, f in annotation.model_fields.items()}
    raise CannotSample(f"{where}: cannot sample {annotation!r}")


def variants(value: Any, annotation: Any, metadata: list[Any] = (), path: str = "") \
        -> Iterator[tuple[str, Any]]:  # type: ignore[assignment]
    """Valid values different from ``value``, each with the path of what changed: one per leaf
    of a nested model, one otherwise."""
    annotation, metadata = _strip(annotation, list(metadata))
    bounds = _bounds(metadata)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Literal:
        others = [a for a in args if a != value]
        if others:
            yield path, others[0]
        return
    if _is_union(annotation):
        if value is None:
            yield path, sample(annotation, metadata, path)
        else:
            yield from variants(value, next(a for a in args if a is not type(None)), metadata, path)
        return
    if annotation is Any:
        yield path, {"any": ["other", 2]}
    elif origin in (list, tuple) or annotation in (list, tuple):
        item = args[0] if args else str
        for sub, changed in variants(value[0], item, [], f"{path}[0]"):
            yield sub, [changed, *value[1:]]
    elif origin is dict or annotation is dict:
        yield path, {**value, "another": sample(args[1] if args else str)}
    elif annotation is bool:
        yield path, not value
    elif annotation is int:
        yield path, value + 1 if value + 1 <= bounds.get("le", value + 1) else value - 1
    elif annotation is float:
        yield path, value + 1.25 if value + 1.25 <= bounds.get("le", value + 1.25) else value - 1.25
    elif annotation is str:
        yield path, value + "-changed"
    elif annotation is datetime:
        yield path, value + timedelta(days=1)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, f in annotation.model_fields.items():
            for sub, changed in variants(value[name], f.annotation, f.metadata, f"{path}.{name}"):
                yield sub, {**value, name: changed}
    else:
        raise CannotSample(f"{path}: cannot vary {annotation!r}")


def stored_hash(store: InMemoryEventStore, event: Event) -> str:
    """The content hash the store computes on append (its hot path), checked against the
    reference :func:`content_hash`."""
    run = f"hashes-{store.last_position()}"  # a run of its own: a RunCompleted seals its run
    [recorded] = store.append(run, [NewEvent("agent/Lisa", event, sim_time=WHEN)])
    reference = content_hash(event.type, event.schema_version, "agent/Lisa", WHEN, event.payload(),
                             type(event).volatile_fields)
    assert recorded.content_hash == reference
    return recorded.content_hash


def test_the_union_holds_every_registered_event_type():
    assert {cls.__name__ for cls in UNION_MEMBERS} == set(event_classes())
    assert len(UNION_MEMBERS) >= 20


@pytest.mark.parametrize("cls", UNION_MEMBERS, ids=lambda cls: cls.__name__)
def test_every_payload_field_is_hashed_unless_volatile(cls: type[Event]):
    fields: dict[str, FieldInfo] = {name: f for name, f in cls.model_fields.items() if name != "type"}
    base_data = {name: sample(f.annotation, f.metadata, f"{cls.__name__}.{name}") for name, f in fields.items()}
    base = cls.model_validate(base_data)
    store = InMemoryEventStore()
    base_hash = stored_hash(store, base)
    assert stored_hash(store, cls.model_validate(base_data)) == base_hash  # the same event, the same hash
    covered = set()
    for name, field in fields.items():
        for path, value in variants(base_data[name], field.annotation, field.metadata, name):
            changed = cls.model_validate({**base_data, name: value})
            assert changed.payload() != base.payload(), f"{cls.__name__}.{path}: the variant changed nothing"
            same = stored_hash(store, changed) == base_hash
            if name in cls.volatile_fields:
                assert same, f"{cls.__name__}.{path} is volatile but changes the content hash"
            else:
                assert not same, f"{cls.__name__}.{path} is not volatile but the content hash ignores it"
            covered.add(name)
    assert covered == set(fields), f"{cls.__name__}: no variant for {sorted(set(fields) - covered)}"


def test_the_sampler_refuses_what_it_does_not_know():
    with pytest.raises(CannotSample, match="X.when"):
        sample(complex, [], "X.when")
    with pytest.raises(CannotSample):
        list(variants(1j, complex))
