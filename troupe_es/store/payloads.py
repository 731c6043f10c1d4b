"""Canonical payload text of an event, fast: the first step of every append.

``Event.payload()`` goes through pydantic's JSON-mode serializer. For the many event classes
whose fields are all plain JSON values (``str``, ``int``, ``float``, ``bool``, ``None``,
literals of those, and lists or string-keyed dicts of them) that serializer returns the stored
values unchanged, so their canonical text can be built straight from the instance ``__dict__``
— the same bytes, several times faster. Any other class (datetimes, nested models, ``Any``,
custom serializers, aliases) keeps the pydantic path. ``tests/contract`` checks both paths agree.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Literal, Union

import orjson

from troupe_es.events.base import Event

_SORTED = orjson.OPT_SORT_KEYS
_dumps = orjson.dumps
_SCALARS = (str, int, float, bool, type(None))
_plain: dict[type, bool] = {}


def _plain_type(annotation: Any) -> bool:
    """Whether pydantic's JSON mode leaves values of this annotation as they are."""
    if annotation in _SCALARS:
        return True
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is Literal:
        return all(type(a) in _SCALARS for a in args)
    if origin in (Union, types.UnionType):
        return all(_plain_type(a) for a in args)
    if origin is list:
        return len(args) == 1 and _plain_type(args[0])
    if origin is dict:
        return len(args) == 2 and args[0] is str and _plain_type(args[1])
    return False


def is_plain(cls: type[Event]) -> bool:
    """Whether every field of ``cls`` serializes to JSON as stored (cached per class)."""
    known = _plain.get(cls)
    if known is None:
        decorators = cls.__pydantic_decorators__
        known = not (decorators.field_serializers or decorators.model_serializers
                     or cls.model_computed_fields) and all(
            _plain_type(field.annotation) and _no_custom_metadata(field)
            for field in cls.model_fields.values())
        _plain[cls] = known
    return known


def _no_custom_metadata(field: Any) -> bool:
    return (field.alias is None and field.serialization_alias is None and not field.exclude
            and all(type(m).__module__.startswith("annotated_types") for m in field.metadata))


def payload_texts(event: Event) -> tuple[str, str]:
    """``(payload_json, hashed_json)``: the canonical payload text, and the same text without
    the event's volatile fields (the part ``content_hash`` covers)."""
    cls = type(event)
    volatile = cls.volatile_fields
    if _plain.get(cls) or (cls not in _plain and is_plain(cls)):
        data = event.__dict__.copy()
        del data["type"]
        try:
            payload_json = _dumps(data, option=_SORTED).decode()
        except TypeError:  # a value that bypassed validation (model_construct): the safe path
            data = event.payload()
            payload_json = _dumps(data, option=_SORTED).decode()
    else:
        data = event.payload()
        payload_json = _dumps(data, option=_SORTED).decode()
    if not volatile:
        return payload_json, payload_json
    return payload_json, _dumps({k: v for k, v in data.items() if k not in volatile},
                                option=_SORTED).decode()
