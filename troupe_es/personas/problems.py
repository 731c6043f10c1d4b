"""One-line descriptions of pydantic validation errors: ``field.path[2].sub: problem``.

Shared by persona files and scenario files, so every bad input reads the same way:
``focus.yaml: world.stepz: unknown field (did you mean step?)``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

Vocabulary = Iterable[str] | dict[str | None, Iterable[str]]
_TYPE_LABELS = {"int", "str", "float", "bool", "dict", "list", "none"}


def field_path(parts: Iterable[Any]) -> str:
    """``("script", 2, "tell", "to")`` -> ``script[2].tell.to``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def join_path(prefix: str, path: str) -> str:
    """Append ``path`` (``a.b`` or ``[1].a``) to ``prefix``."""
    if not prefix or not path:
        return prefix or path
    return prefix + path if path.startswith("[") else f"{prefix}.{path}"


def _is_union_label(part: Any) -> bool:
    """pydantic names union members in error locations (``int``, ``list[str]``, ``RunSteps``)."""
    if not isinstance(part, str):
        return False
    return (part in _TYPE_LABELS or any(c in part for c in "[]('") or part[:1].isupper()
            or part.startswith(("function-", "literal", "tagged-union", "constrained-")))


def _message(err: dict[str, Any], loc: list[Any], vocabulary: Vocabulary) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        name = str(loc[-1]) if loc else ""
        if isinstance(vocabulary, dict):
            parents = [p for p in loc[:-1] if isinstance(p, str)]
            vocabulary = vocabulary.get(parents[-1] if parents else None, ())
        names = sorted(set(vocabulary) - {name})
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.75)
        return "unknown field" + (f" (did you mean {close[0]}?)" if close else "")
    if kind == "missing":
        return "required field is missing"
    message = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix):]
    message = message[:1].lower() + message[1:]
    value = err.get("input")
    if kind != "value_error" and isinstance(value, (str, int, float, bool)) and len(repr(value)) <= 40:
        message += f", got {value!r}"
    return message


def describe(exc: ValidationError, *, prefix: str = "", vocabulary: Vocabulary = (),
             drop: Iterable[int] = ()) -> tuple[str, str]:
    """``(field path, problem)`` of the first error of ``exc``.

    ``prefix`` is put in front of the path, ``vocabulary`` feeds "did you mean" suggestions for
    unknown fields (names, or a dict from the parent field's name, None at the top, to names), and ``drop`` lists location indexes to leave out (tagged-union tags).
    """
    err = exc.errors()[0]
    dropped = set(drop)
    loc = [p for i, p in enumerate(err["loc"]) if i not in dropped and not _is_union_label(p)]
    return join_path(prefix, field_path(loc)), _message(err, loc, vocabulary)


def model_vocabulary(*models: Any) -> set[str]:
    """Every field name (and alias) of the given pydantic models, for suggestions."""
    names: set[str] = set()
    for model in models:
        for name, info in model.model_fields.items():
            names.add(info.alias or name)
    return names
