"""Tool composition: a chain runs tools one after another, each step's arguments fed from the
previous step's result. Types are checked when the chain is built (:class:`ToolChainError`
before any run); every step is recorded with the chain's call id.

>>> chain("search_and_write", [step(WebSearch), step(DocumentWrite, feed={"content": "text"},
...       arguments={"document_title": "Findings"})])
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from troupe_es.errors import ToolChainError
from troupe_es.tools.base import Tool


@dataclass(frozen=True)
class ChainStep:
    """One step: a tool, constant arguments, and ``feed`` (argument -> previous result field)."""

    tool: Tool
    arguments: Mapping[str, Any] = field(default_factory=dict)
    feed: Mapping[str, str] = field(default_factory=dict)

    def arguments_from(self, previous: BaseModel | None, first: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The step's arguments: the chain call's (first step), constants, then fed fields."""
        args = dict(first or {})
        args.update(self.arguments)
        if previous is not None:
            args.update({arg: getattr(previous, source) for arg, source in self.feed.items()})
        return args


def step(tool: Tool | type[Tool], *, arguments: Mapping[str, Any] | None = None,
         feed: Mapping[str, str] | None = None) -> ChainStep:
    """A chain step (a tool class is instantiated)."""
    return ChainStep(tool() if isinstance(tool, type) else tool, dict(arguments or {}), dict(feed or {}))


def _options(annotation: Any) -> tuple[Any, ...]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return (annotation,)


def fits(source: Any, target: Any) -> bool:
    """Whether a value of type ``source`` is always a valid ``target``."""
    if target in (Any, object) or source == target:
        return True
    targets = _options(target)
    return all(s in targets or (s is int and float in targets) or s == target for s in _options(source))


def _type_name(annotation: Any) -> str:
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")


def check_step(index: int, previous: Tool, current: ChainStep) -> None:
    """Raise :class:`ToolChainError` unless ``current`` can be fed from ``previous``'s result."""
    where = f"step {index + 1} ({current.tool.name})"
    results = previous.Result.model_fields
    params = current.tool.Arguments.model_fields
    for arg in list(current.feed) + list(current.arguments):
        if arg not in params:
            raise ToolChainError(f"{where}: {current.tool.name} has no argument {arg!r} "
                                 f"(it takes {', '.join(params)})")
    for arg, source in current.feed.items():
        if source not in results:
            raise ToolChainError(f"{where}: {previous.name}'s result has no field {source!r} "
                                 f"(it has {', '.join(results)})")
        src, dst = results[source].annotation, params[arg].annotation
        if not fits(src, dst):
            raise ToolChainError(f"{where}: {previous.name}.{source} is {_type_name(src)} but {current.tool.name}."
                                 f"{arg} needs {_type_name(dst)}")
    missing = [name for name, info in params.items()
               if info.is_required() and name not in current.feed and name not in current.arguments]
    if missing:
        raise ToolChainError(f"{where}: nothing feeds the required argument(s) {', '.join(missing)} "
                             f"(add them to feed or arguments)")


class Chain(Tool):
    """A declared chain of tools, itself a tool: its arguments are the first step's, its result
    the last step's."""

    capabilities = frozenset()

    def __init__(self, name: str, steps: Sequence[ChainStep], description: str = "") -> None:
        if len(steps) < 2:
            raise ToolChainError(f"chain {name!r}: a chain needs at least two steps")
        first = steps[0]
        for arg in list(first.feed):
            raise ToolChainError(f"chain {name!r}: step 1 ({first.tool.name}) has nothing to be fed from "
                                 f"({arg!r})")
        for arg in first.arguments:
            if arg not in first.tool.Arguments.model_fields:
                raise ToolChainError(f"chain {name!r}: step 1 ({first.tool.name}) has no argument {arg!r}")
        for i in range(1, len(steps)):
            try:
                check_step(i, steps[i - 1].tool, steps[i])
            except ToolChainError as exc:
                raise ToolChainError(f"chain {name!r}: {exc}") from None
        self.name = name  # type: ignore[misc]
        self.steps = tuple(steps)
        self.description = description or " then ".join(s.tool.name for s in steps)  # type: ignore[misc]
        self.capabilities = frozenset().union(*(s.tool.capabilities for s in steps))  # type: ignore[misc]
        self.Arguments = first.tool.Arguments  # type: ignore[misc]
        self.Result = steps[-1].tool.Result  # type: ignore[misc]

    def run(self, args: Any, ctx: Any) -> BaseModel:  # pragma: no cover - the executor runs the steps
        raise ToolChainError("a chain's steps are run by the executor, which records each of them")

    def examples(self, ctx: Any) -> Sequence[dict[str, Any]]:
        return self.steps[0].tool.examples(ctx)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "steps": [s.tool.name for s in self.steps]}


def chain(name: str, steps: Sequence[ChainStep], description: str = "") -> Chain:
    """Build a chain, checking that every step fits the one before (:class:`ToolChainError`)."""
    return Chain(name, steps, description)
