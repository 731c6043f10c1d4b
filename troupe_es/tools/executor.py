"""Running tool calls: arguments validated, the tool run in a worker thread with a deadline,
its result validated; a refusal, an exception or a timeout becomes a ``ToolReturned`` with an
error (never a crashed run). A chain runs its steps in order, each recorded with the chain's id.

Two runners answer a call: :func:`run_live` runs the tool; :class:`RecordedResults` (replay)
returns the ``ToolReturned`` the replayed run recorded and runs nothing.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel, ValidationError

from troupe_es.errors import ReplayDivergenceError, ToolError
from troupe_es.events import Event, StimulusPerceived, ToolInvoked, ToolReturned
from troupe_es.tools.base import Tool, ToolContext
from troupe_es.tools.chain import Chain

Runner = Callable[[Tool, dict[str, Any], ToolContext, float, str | None], ToolReturned]
"""``(tool, arguments, context, timeout seconds, chain id) -> ToolReturned``."""


class Workers:
    """Daemon worker threads that run tools; a call waits for its result until a deadline.

    A worker is reused once its tool returns; a new one starts whenever none is idle, so a call
    never waits behind another one, and a tool that never returns holds only its own (daemon)
    thread, which does not keep the process alive."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            job()
            with self._lock:
                self._idle += 1

    def run(self, work: Callable[[], Any], timeout: float) -> dict[str, Any] | None:
        """``{"result": ...}`` or ``{"error": exception}``; None when ``timeout`` passed first."""
        box: dict[str, Any] = {}
        done = threading.Event()

        def job() -> None:
            try:
                box["result"] = work()
            except BaseException as exc:  # noqa: BLE001 - whatever a tool raises, its caller reads it
                box["error"] = exc
            done.set()

        with self._lock:
            start = self._idle == 0
            if not start:
                self._idle -= 1
        if start:
            threading.Thread(target=self._loop, name="troupe-tool", daemon=True).start()
        self._jobs.put(job)
        return box if done.wait(timeout) else None


_WORKERS = Workers()


def inline(work: Callable[[], Any]) -> dict[str, Any]:
    """Run ``work`` in this thread, as :meth:`Workers.run` would report it."""
    try:
        return {"result": work()}
    except Exception as exc:  # noqa: BLE001 - whatever a tool raises, its caller reads it
        return {"error": exc}


def validation_message(exc: ValidationError) -> str:
    """A pydantic error as one short line (field: problem; ...)."""
    parts = [f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors()[:3]]
    return "; ".join(parts)


def _failed(tool: Tool, ctx: ToolContext, chain_id: str | None, kind: str, error: str,
            started: float) -> ToolReturned:
    return ToolReturned(agent=ctx.agent, call_id=ctx.call_id, tool=tool.name, ok=False, error=error[:1000],
                        error_kind=kind, chain_id=chain_id,  # type: ignore[arg-type]
                        duration_ms=round((time.perf_counter() - started) * 1000, 3))


def run_live(tool: Tool, arguments: dict[str, Any], ctx: ToolContext, timeout: float,
             chain_id: str | None = None) -> ToolReturned:
    """Run ``tool`` now (in a worker thread, at most ``timeout`` seconds)."""
    started = time.perf_counter()
    try:
        args = tool.Arguments.model_validate(arguments)
    except ValidationError as exc:
        return _failed(tool, ctx, chain_id, "invalid_arguments", validation_message(exc), started)
    prepared = inline(lambda: tool.warm_up(ctx))
    if "error" in prepared:
        exc = prepared["error"]
        return _failed(tool, ctx, chain_id, "refused" if isinstance(exc, ToolError) else "exception",
                       f"{tool.name} could not start: {type(exc).__name__}: {exc}", started)
    started = time.perf_counter()
    box = inline(lambda: tool.run(args, ctx)) if tool.inline else _WORKERS.run(lambda: tool.run(args, ctx), timeout)
    if box is None:
        return _failed(tool, ctx, chain_id, "timeout", f"{tool.name} did not answer within {timeout:g} s", started)
    if "error" in box:
        exc = box["error"]
        if isinstance(exc, ToolError):
            return _failed(tool, ctx, chain_id, "refused", str(exc), started)
        return _failed(tool, ctx, chain_id, "exception", f"{tool.name} raised {type(exc).__name__}: {exc}", started)
    try:
        result = box["result"]
        model = result if isinstance(result, tool.Result) else tool.Result.model_validate(
            result.model_dump() if isinstance(result, BaseModel) else result)
    except ValidationError as exc:
        return _failed(tool, ctx, chain_id, "exception", f"{tool.name} returned an invalid result: "
                                                         f"{validation_message(exc)}", started)
    return ToolReturned(agent=ctx.agent, call_id=ctx.call_id, tool=tool.name, ok=True,
                        result=model.model_dump(mode="json"), chain_id=chain_id,
                        duration_ms=round((time.perf_counter() - started) * 1000, 3))


class RecordedResults:
    """Replay's runner: every result comes from the replayed run's ``ToolReturned`` events."""

    def __init__(self, store: Any, run_id: str) -> None:
        self.run_id = run_id
        self.results: dict[str, ToolReturned] = {
            rec.event.call_id: rec.event for rec in store.read(run_id=run_id, types=["ToolReturned"])}  # type: ignore[attr-defined]

    def __call__(self, tool: Tool, arguments: dict[str, Any], ctx: ToolContext, timeout: float,
                 chain_id: str | None = None) -> ToolReturned:
        found = self.results.get(ctx.call_id)
        if found is None:
            raise ReplayDivergenceError(f"tool call {ctx.call_id} ({tool.name}) was never recorded in run "
                                        f"{self.run_id}: the replay diverged")
        return found


@dataclass(frozen=True)
class Outcome:
    """What one call produced: its events (agent-stream events, in order) and the stimuli."""

    events: list[Event]
    stimuli: list[StimulusPerceived]
    reminders: list[dict[str, Any]] = field(default_factory=list)


def _validated(tool: Tool, arguments: dict[str, Any]) -> dict[str, Any]:
    try:
        return tool.Arguments.model_validate(arguments).model_dump(mode="json")
    except ValidationError:
        return dict(arguments)


def _effects(tool: Tool, ret: ToolReturned, arguments: dict[str, Any], ctx: ToolContext,
             events: list[Event]) -> Outcome:
    """The call's outcome: its events, the stimuli (the caller's result or error, and any
    deliveries to others) and the schedule reminders of a successful call."""
    source = f"tool {ret.tool}"
    if not ret.ok:
        return Outcome(events, [StimulusPerceived(agent=ctx.agent, kind="see", source=source,
                                                  content=f"Your {ret.tool} call failed: {ret.error}")])
    args = tool.Arguments.model_validate(arguments)
    result = tool.Result.model_validate(ret.result)
    stimuli = [StimulusPerceived(agent=ctx.agent, kind="see", source=source, content=tool.perceive(args, result))]
    stimuli += [StimulusPerceived(agent=who, kind="see", source=src, content=text)
                for who, text, src in tool.deliveries(args, result, ctx) if who in ctx.state.agents]
    return Outcome(events, stimuli, list(tool.reminders(args, result, ctx)))


def execute(tool: Tool, arguments: dict[str, Any], ctx: ToolContext, runner: Runner,
            toolset: Any) -> Outcome:
    """Run one call (a chain's steps in order) with ``runner``; the caller's ``ToolInvoked`` is
    already recorded. Returns the steps' events, the call's ``ToolReturned`` and the stimuli.
    ``toolset`` gives each step's configuration and timeout (``config_of``, ``timeout_of``)."""
    if not isinstance(tool, Chain):
        ret = runner(tool, arguments, ctx, toolset.timeout_of(tool.name), None)
        return _effects(tool, ret, arguments, ctx, [ret])
    events: list[Event] = []
    previous: BaseModel | None = None
    last_args: dict[str, Any] = arguments
    total = 0.0
    for i, st in enumerate(tool.steps):
        sub = replace(ctx, call_id=f"{ctx.call_id}/s{i + 1}", config=toolset.config_of(st.tool.name))
        last_args = _validated(st.tool, st.arguments_from(previous, arguments if i == 0 else None))
        events.append(ToolInvoked(agent=ctx.agent, call_id=sub.call_id, tool=st.tool.name, arguments=last_args,
                                  chain_id=ctx.call_id))
        ret = runner(st.tool, last_args, sub, toolset.timeout_of(st.tool.name), ctx.call_id)
        events.append(ret)
        total += ret.duration_ms or 0.0
        if not ret.ok:
            final = ToolReturned(agent=ctx.agent, call_id=ctx.call_id, tool=tool.name, ok=False,
                                 error=f"step {i + 1} ({st.tool.name}) failed: {ret.error}",
                                 error_kind=ret.error_kind, duration_ms=round(total, 3))
            return _effects(tool, final, arguments, ctx, events + [final])
        previous = st.tool.Result.model_validate(ret.result)
    final = ToolReturned(agent=ctx.agent, call_id=ctx.call_id, tool=tool.name, ok=True,
                         result=previous.model_dump(mode="json") if previous else None, duration_ms=round(total, 3))
    last = tool.steps[-1].tool
    return _effects(last, final, last_args, ctx, events + [final])
