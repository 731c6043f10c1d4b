"""The LLM gateway: the only path to a model. Every call is recorded as events.

``LLMCallRequested`` comes first — committed before the provider is called (:meth:`LLMGateway.prepare`,
then :meth:`LLMGateway.finish`), so a crash never leaves a paid call out of the audit — then
``LLMCallCompleted`` or ``LLMCallFailed`` (and ``BudgetExceeded`` when the budget stops a call). Modes: ``live`` calls the provider; ``cache``
reuses any recorded completion with the same request key (zero network); ``replay`` answers only
from the run being replayed and never touches a provider. Request keys cover the provider's
identity (:mod:`troupe_es.llm.identity`); in replay, the identity the run recorded.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from typing import Any, Literal, NamedTuple, TypeVar

from pydantic import BaseModel, ValidationError

from troupe_es.errors import (
    BudgetExceededError,
    ConfigurationError,
    InvalidOutputError,
    ProviderError,
    ProviderHTTPError,
    ReplayDivergenceError,
    TroupeError,
)
from troupe_es.events import (
    BudgetExceeded,
    CacheEntryRejected,
    LLMAttempt,
    LLMCallCompleted,
    LLMCallFailed,
    LLMCallRequested,
    NewEvent,
)
from troupe_es.llm.budget import Budget, Reservation
from troupe_es.llm.cache import CacheStats, CompletionCache, LogScanCache, RejectedEntry
from troupe_es.llm.identity import provider_identity
from troupe_es.llm.prices import PriceTable
from troupe_es.llm.provider import Provider
from troupe_es.llm.replay import ReplayIndex
from troupe_es.llm.request import CallContext, ChatRequest, ChatResult, request_key, strict_schema
from troupe_es.llm.retry import RetryPolicy
from troupe_es.store.base import EventStore
from troupe_es.store.rows import new_event_id

Mode = Literal["live", "cache", "replay"]
Recorder = Callable[[list[NewEvent]], None]
T = TypeVar("T")
_ERRORS = {"InvalidOutputError": InvalidOutputError, "ProviderError": ProviderError,
           "ProviderHTTPError": ProviderError, "BudgetExceededError": BudgetExceededError}


def failure_error(failed: LLMCallFailed) -> TroupeError:
    """The exception a failed call raises: a function of the failure event's non-volatile fields
    only (no attempt counts, no latency), so a live, a cached and a replayed execution of the
    same failure raise — and a run records — the same words."""
    return _ERRORS.get(failed.error_type, ProviderError)(
        f"{failed.provider} call {failed.call_id} failed: {failed.error}")


class _Outcome:
    """What the live path produced: the completion or the failure, with attempts."""

    def __init__(self) -> None:
        self.attempts: list[LLMAttempt] = []
        self.reserved = Reservation()
        self.input_tokens = 0
        self.output_tokens = 0
        self.deadline: float | None = None  # time.monotonic() after which no attempt starts


class PreparedCall(NamedTuple):
    """A call whose request event exists but whose provider has not been asked yet."""

    request: ChatRequest
    ctx: CallContext
    key: str
    requested: NewEvent
    output_model: type[BaseModel] | None


class LLMGateway:
    """Thread-safe gateway; see the module docstring for modes.

    ``cache`` is the completion cache projection (``projections.llm_cache``, wired by the
    composition root); without one, ``cache`` mode uses the kernel's :class:`LogScanCache`
    bounded by ``max_cache_size``. In ``live`` mode a given cache is only fed, never read.
    ``provider`` may be None in ``replay`` mode, which never calls one. ``identity`` (kind and
    endpoint) goes into every request key: by default the provider's, in ``replay`` mode the one
    recorded in the replayed run's ``RunStarted``. ``prices`` default to the provider's own
    (the mock LLM's are all zero), else the list prices of :class:`PriceTable`.
    """

    def __init__(self, store: EventStore, provider: Provider | None, *, mode: Mode = "cache",
                 replay_of: str | None = None, max_concurrency: int = 8, budget: Budget | None = None,
                 prices: PriceTable | None = None, cache: CompletionCache | None = None,
                 max_cache_size: int = 10_000, retry: RetryPolicy = RetryPolicy(),
                 timeout_s: float = 60.0, identity: dict[str, str] | None = None, semantic: Any = None) -> None:
        if mode not in ("live", "cache", "replay"):
            raise ConfigurationError(f"unknown LLM mode {mode!r}: live, cache or replay")
        if mode == "replay" and not replay_of:
            raise ConfigurationError("replay mode needs the run to replay (replay_of)")
        if mode != "replay" and provider is None:
            raise ConfigurationError(f"{mode} mode needs a provider")
        self.store = store
        self.provider = provider
        self.mode = mode
        self.budget = budget
        self.prices = prices or getattr(provider, "prices", None) or PriceTable()
        if cache is None and mode == "cache":
            cache = LogScanCache(store, max_size=max_cache_size)
        self.cache = cache
        self.retry = retry
        self.timeout_s = timeout_s
        self._slots = threading.BoundedSemaphore(max(1, max_concurrency))
        self._replay = ReplayIndex(store, replay_of) if mode == "replay" and replay_of else None
        if identity is None:
            identity = self._replay.identity if self._replay is not None else provider_identity(provider)
        self.identity = identity
        self._rng = random.Random(0)
        self._count_lock = threading.Lock()
        self.provider_calls = 0
        self.semantic = semantic if mode == "cache" else None  # llm.semantic.SemanticCache, never in replay

    @property
    def stats(self) -> CacheStats:
        """The cache's hits, misses and evictions (all zero without a cache)."""
        return self.cache.stats if self.cache is not None else CacheStats()

    @property
    def provider_name(self) -> str:
        if self.provider is not None:
            return self.provider.name
        return self._replay.provider if self._replay is not None else "replay"

    # ---- public ------------------------------------------------------------------------------
    def prepare(self, request: ChatRequest, ctx: CallContext, *,
                output_model: type[BaseModel] | None = None) -> "PreparedCall":
        """The ``LLMCallRequested`` event of a call, to be committed BEFORE :meth:`finish` calls the
        provider, so a crash never leaves a paid call out of the log (pure: nothing is called)."""
        if output_model is not None:
            request = request.model_copy(update={"response_schema": strict_schema(output_model),
                                                 "schema_name": output_model.__name__})
        key = request_key(request, ctx.seed, self.identity)
        requested = self._event(ctx, LLMCallRequested(
            call_id=ctx.call_id, request_key=key, provider=self.provider_name, model=request.model,
            messages=request.messages, parameters=request.parameters, response_schema=request.response_schema,
            tools=request.tools, purpose=ctx.purpose, agent=ctx.agent, step=ctx.step, cache_mode=self.mode),
            ctx.causation_id)
        return PreparedCall(request, ctx, key, requested, output_model)

    def finish(self, call: "PreparedCall", *, record: Recorder | None = None) -> ChatResult:
        """Answer a prepared call (from the cache, the provider or the replayed run); its outcome
        events (``LLMCallCompleted`` or ``LLMCallFailed``, never the request) go to ``record``."""
        request, ctx, key, requested, output_model = call
        emit: Recorder = record or (lambda events: self.store.append(ctx.run_id, events) and None)
        if self.mode == "replay":
            completed = self._replayed(request, ctx, key, requested, emit)
        else:
            completed = self._cached(key, ctx, emit)
            if completed is None and self.semantic is not None:
                completed = self._semantic(request, key, ctx.call_id)
            if completed is None:
                completed = self._live(request, ctx, key, requested, output_model, emit)
                if self.semantic is not None:
                    self.semantic.add(request, completed)
        done = self._event(ctx, completed, requested.event_id)
        emit([done])
        parsed = completed.parsed
        if output_model is not None and parsed is not None:
            parsed = output_model.model_validate(parsed)
        return ChatResult(completed.response_text, parsed, completed.model, completed.finish_reason,
                          completed.input_tokens, completed.output_tokens, completed.cost_usd,
                          completed.cache_status, key, [requested, done])

    def chat(self, request: ChatRequest, ctx: CallContext, *, output_model: type[BaseModel] | None = None,
             record: Recorder | None = None) -> ChatResult:
        """Make (or reuse, or replay) one call: its request is recorded first, then its outcome
        (to ``record``, or straight to the store)."""
        call = self.prepare(request, ctx, output_model=output_model)
        emit: Recorder = record or (lambda events: self.store.append(ctx.run_id, events) and None)
        emit([call.requested])
        return self.finish(call, record=emit)

    def embed(self, texts: list[str], ctx: CallContext, *, model: str = "text-embedding-3-small",
              record: Recorder | None = None) -> list[list[float]]:
        """Embeddings, recorded like chat calls (the vectors are the parsed output; the request is
        recorded before the provider is called)."""
        request = ChatRequest(model=model, messages=[{"role": "user", "content": t} for t in texts],
                              parameters={"kind": "embedding"})
        key = request_key(request, ctx.seed, self.identity)
        emit: Recorder = record or (lambda events: self.store.append(ctx.run_id, events) and None)
        requested = self._event(ctx, LLMCallRequested(
            call_id=ctx.call_id, request_key=key, provider=self.provider_name, model=model,
            messages=request.messages, parameters=request.parameters, purpose="embedding", agent=ctx.agent,
            step=ctx.step, cache_mode=self.mode), ctx.causation_id)
        emit([requested])
        if self.mode == "replay":
            completed = self._replayed(request, ctx, key, requested, emit)
        else:
            completed = self._cached(key, ctx, emit)
            if completed is None:
                completed = self._live_embed(texts, model, ctx, key, requested, emit)
        emit([self._event(ctx, completed, requested.event_id)])
        return list(completed.parsed)

    def replay_segment(self, after_position: int, provider: str | None,
                       identity: dict[str, str] | None = None) -> None:
        """In replay mode, start replaying one execution of a resumed run: answers come from what
        was recorded after ``after_position``, under the provider name and identity that execution
        recorded (a resumed run may have continued on another provider; ``None`` keeps the current
        one)."""
        if self._replay is not None:
            self._replay.rewind(after_position)
            if provider:
                self._replay.provider = provider
            if identity is not None:
                self.identity = identity

    def close(self) -> None:
        """Release the provider's connections."""
        if self.provider is not None:
            self.provider.close()

    # ---- paths -------------------------------------------------------------------------------
    def _event(self, ctx: CallContext, event: Any, causation: str | None) -> NewEvent:
        return NewEvent("llm", event, sim_time=ctx.sim_time, event_id=new_event_id(), causation_id=causation)

    def _cached(self, key: str, ctx: CallContext, emit: Recorder) -> LLMCallCompleted | None:
        if self.mode != "cache" or self.cache is None:
            return None
        hit = self.cache.get(key)
        if isinstance(hit, RejectedEntry):  # a tampered completion: a miss, with a warning in this run
            emit([self._event(ctx, CacheEntryRejected(call_id=ctx.call_id, request_key=key,
                                                      position=hit.position, reason=hit.reason), None)])
            return None
        if hit is None:
            return None
        return hit.model_copy(update={"cache_status": "hit", "latency_ms": 0.0, "attempts": 0,
                                      "attempt_errors": [], "call_id": ctx.call_id})

    def _semantic(self, request: ChatRequest, key: str, call_id: str) -> LLMCallCompleted | None:
        """A recorded completion of a similar enough request (the opt-in semantic cache)."""
        found = self.semantic.lookup(request)
        if found is None:
            return None
        hit, similarity, reused = found
        return hit.model_copy(update={"cache_status": "semantic", "latency_ms": 0.0, "attempts": 0,
                                      "attempt_errors": [], "call_id": call_id, "request_key": key,
                                      "similarity": similarity,
                                      "reused_call_id": reused})

    def _failed(self, ctx: CallContext, key: str, model: str, error_type: str, error: str,
                outcome: "_Outcome | None" = None, t0: float | None = None, provider: str | None = None) -> LLMCallFailed:
        """The failure event of a call (attempts and latency when the provider was tried)."""
        extra: dict[str, Any] = {}
        if outcome is not None:
            extra = {"attempts": len(outcome.attempts), "attempt_errors": outcome.attempts,
                     "input_tokens": outcome.input_tokens, "output_tokens": outcome.output_tokens,
                     "cost_usd": self.prices.cost(model, outcome.input_tokens, outcome.output_tokens)
                     if outcome.input_tokens or outcome.output_tokens else 0.0}
        if t0 is not None:
            extra["latency_ms"] = (time.perf_counter() - t0) * 1000
        return LLMCallFailed(call_id=ctx.call_id, request_key=key, provider=provider or self.provider_name,
                             model=model, error_type=error_type, error=error, **extra)

    def _fail(self, emit: Recorder, ctx: CallContext, requested: NewEvent, failed: LLMCallFailed,
              extra: list[Any] = ()) -> None:  # type: ignore[assignment]
        events = [self._event(ctx, failed, requested.event_id)]
        events += [self._event(ctx, e, events[-1].event_id) for e in extra]
        emit(events)

    def _replayed(self, request: ChatRequest, ctx: CallContext, key: str, requested: NewEvent,
                  emit: Recorder) -> LLMCallCompleted:
        assert self._replay is not None
        outcome = self._replay.take(key)
        if outcome is None:
            nearest, diff = self._replay.nearest(request.messages, ctx.agent)
            where = f"nearest recorded call: {nearest.call_id}" if nearest else "the run recorded no calls"
            message = (f"replay of run {self._replay.run_id}: call {ctx.call_id} (key {key[:12]}) was never "
                       f"recorded; {where}")
            self._fail(emit, ctx, requested, self._failed(ctx, key, request.model, "ReplayDivergenceError",
                                                          message, provider="replay"))
            raise ReplayDivergenceError(message + ("\n" + diff if diff else ""))
        if isinstance(outcome, LLMCallFailed):
            stop = self._replay.budget_stop(key) if outcome.error_type == "BudgetExceededError" else None
            self._fail(emit, ctx, requested, outcome, [stop] if stop is not None else [])
            raise failure_error(outcome)
        return outcome.model_copy(update={"cache_status": "replay", "latency_ms": 0.0, "call_id": ctx.call_id})

    def _live(self, request: ChatRequest, ctx: CallContext, key: str, requested: NewEvent,
              output_model: type[BaseModel] | None, emit: Recorder) -> LLMCallCompleted:
        assert self.provider is not None
        reserved = Reservation()
        if self.budget is not None:
            reserved, over = self.budget.reserve(request.messages, request.parameters.get("max_tokens"),
                                                 lambda i, o: self.prices.cost(request.model, i, o))
            if over is not None:
                limit, budget, used = over
                message = f"the run's {limit} budget ({budget:g}) would be exceeded by this call ({used:g} used)"
                failed = self._failed(ctx, key, request.model, "BudgetExceededError", message)
                self._fail(emit, ctx, requested, failed,
                           [BudgetExceeded(limit=limit, budget=budget, used=used)])  # type: ignore[arg-type]
                raise failure_error(failed)
        outcome = _Outcome()
        outcome.reserved = reserved
        t0 = time.perf_counter()
        messages = list(request.messages)
        feedback_left = self.retry.max_output_retries if output_model is not None else 0
        while True:
            try:
                response = self._attempt(request.model_copy(update={"messages": messages}), outcome)
            except ProviderHTTPError as exc:
                self._record_spend(request.model, outcome)
                failed = self._failed(ctx, key, request.model, "ProviderError", str(exc), outcome, t0)
                self._fail(emit, ctx, requested, failed)
                raise failure_error(failed) from None
            parsed: Any = None
            problem = None
            if output_model is not None:
                try:
                    parsed = output_model.model_validate_json(response.text).model_dump(mode="json")
                except ValidationError as exc:
                    err = exc.errors()[0]
                    problem = f"{'.'.join(map(str, err['loc'])) or 'output'}: {err['msg']}"
            elif request.response_schema is not None:
                try:
                    parsed = json.loads(response.text)
                except json.JSONDecodeError as exc:
                    problem = f"invalid JSON: {exc.msg}"
            if problem is None:
                break
            outcome.attempts.append(LLMAttempt(attempt=len(outcome.attempts) + 1, error=f"invalid output: {problem}"))
            if feedback_left <= 0:
                self._record_spend(request.model, outcome)
                failed = self._failed(ctx, key, request.model, "InvalidOutputError",
                                      f"invalid structured output: {problem}", outcome, t0)
                self._fail(emit, ctx, requested, failed)
                raise failure_error(failed)
            feedback_left -= 1
            messages = messages + [
                {"role": "assistant", "content": response.text},
                {"role": "user", "content": f"Your reply was not valid ({problem}). Reply again with JSON "
                                            "that matches the schema exactly."}]
        cost = self._record_spend(request.model, outcome)
        completed = LLMCallCompleted(
            call_id=ctx.call_id, request_key=key, provider=self.provider_name, model=response.model,
            response_text=response.text, parsed=parsed, finish_reason=response.finish_reason,
            input_tokens=outcome.input_tokens, output_tokens=outcome.output_tokens, cost_usd=cost,
            latency_ms=(time.perf_counter() - t0) * 1000, attempts=len(outcome.attempts) + 1,
            attempt_errors=outcome.attempts, cache_status="miss")
        if self.cache is not None:
            self.cache.put(key, completed)
        return completed

    def _live_embed(self, texts: list[str], model: str, ctx: CallContext, key: str, requested: NewEvent,
                    emit: Recorder) -> LLMCallCompleted:
        assert self.provider is not None
        provider = self.provider
        outcome = _Outcome()
        t0 = time.perf_counter()
        try:
            vectors, tokens = self._retrying(lambda timeout: provider.embed(texts, model, timeout), outcome)
        except ProviderHTTPError as exc:
            failed = self._failed(ctx, key, model, "ProviderError", str(exc), outcome, t0)
            self._fail(emit, ctx, requested, failed)
            raise failure_error(failed) from None
        outcome.input_tokens = tokens
        completed = LLMCallCompleted(
            call_id=ctx.call_id, request_key=key, provider=self.provider_name, model=model, response_text="",
            parsed=vectors, input_tokens=tokens, cost_usd=self._record_spend(model, outcome),
            latency_ms=(time.perf_counter() - t0) * 1000, attempts=len(outcome.attempts) + 1,
            attempt_errors=outcome.attempts, cache_status="miss")
        if self.cache is not None:
            self.cache.put(key, completed)
        return completed

    def _attempt(self, request: ChatRequest, outcome: _Outcome):  # noqa: ANN202
        """One completion with transport retries; its tokens are added to ``outcome``."""
        assert self.provider is not None
        provider = self.provider
        response = self._retrying(lambda timeout: provider.complete(request, timeout), outcome)
        outcome.input_tokens += response.input_tokens
        outcome.output_tokens += response.output_tokens
        return response

    def _retrying(self, call: Callable[[float], T], outcome: _Outcome) -> T:
        """``call(timeout)`` under the concurrency limit, retried on transient errors as
        :meth:`RetryPolicy.decide` says, with backoff outside the limit. The call's deadline starts
        with its first attempt and covers every later one (feedback retries included); no
        attempt's timeout reaches past it. Every failed attempt is added to ``outcome``."""
        policy = self.retry

        def left() -> float | None:
            return None if outcome.deadline is None else outcome.deadline - time.monotonic()

        while True:
            with self._slots:
                if outcome.deadline is None and policy.deadline_s is not None:
                    outcome.deadline = time.monotonic() + policy.deadline_s
                remaining = left()
                if remaining is not None and remaining <= 0:
                    raise ProviderHTTPError(f"the call's {policy.deadline_s:g} s deadline was reached",
                                            transient=False, kind="deadline")
                with self._count_lock:
                    self.provider_calls += 1
                try:
                    return call(policy.attempt_timeout(self.timeout_s, remaining))
                except ProviderHTTPError as exc:
                    failure = exc
            decision = policy.decide(len(outcome.attempts) + 1, failure, left(), self._rng)
            outcome.attempts.append(LLMAttempt(attempt=len(outcome.attempts) + 1, error=str(failure),
                                               status_code=failure.status_code, delay_s=decision.delay_s))
            if decision.delay_s is None:
                if not decision.reason:
                    raise failure
                raise ProviderHTTPError(f"{failure}; gave up: {decision.reason}", status_code=failure.status_code,
                                        transient=False, kind=failure.kind)
            time.sleep(decision.delay_s)

    def _record_spend(self, model: str, outcome: _Outcome) -> float | None:
        cost = self.prices.cost(model, outcome.input_tokens, outcome.output_tokens)
        if self.budget is not None:
            self.budget.settle(outcome.reserved, outcome.input_tokens, outcome.output_tokens, cost)
        return cost
