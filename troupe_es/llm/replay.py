"""Strict replay: a run's recorded LLM outcomes, matched by request key and occurrence."""

from __future__ import annotations

import difflib
import json
import threading
from collections import defaultdict, deque
from typing import Any

from troupe_es.events import LLMCallCompleted, LLMCallFailed, LLMCallRequested
from troupe_es.store.base import EventStore


class ReplayIndex:
    """Every recorded outcome of one run, by request key, in the order they happened."""

    def __init__(self, store: EventStore, run_id: str) -> None:
        self.run_id = run_id
        self.provider = "replay"
        self._lock = threading.Lock()
        self._requests: list[LLMCallRequested] = []
        keys_by_call: dict[str, str] = {}
        self._recorded: list[tuple[int, str, Any]] = []  # (position, key, outcome or budget stop)
        last_outcome_key = ""
        for rec in store.read(run_id=run_id, types=["LLMCallRequested", "LLMCallCompleted", "LLMCallFailed",
                                                    "BudgetExceeded"]):
            event = rec.event
            if isinstance(event, LLMCallRequested):
                if not self._requests:
                    self.provider = event.provider
                self._requests.append(event)
                keys_by_call[event.call_id] = event.request_key
            elif isinstance(event, (LLMCallCompleted, LLMCallFailed)):
                self._recorded.append((rec.position, event.request_key, event))
                last_outcome_key = event.request_key
            else:  # recorded right after the failure of the call it stopped
                self._recorded.append((rec.position, last_outcome_key, event))
        self.rewind(0)

    def rewind(self, after_position: int) -> None:
        """Answer from the outcomes recorded after ``after_position`` only (a resumed execution
        starts with what its own part of the log recorded)."""
        with self._lock:
            self._outcomes: dict[str, deque[Any]] = defaultdict(deque)
            self._budget_stops: dict[str, deque[Any]] = defaultdict(deque)
            for position, key, event in self._recorded:
                if position > after_position:
                    target = self._budget_stops if event.type == "BudgetExceeded" else self._outcomes
                    target[key].append(event)

    def take(self, key: str) -> LLMCallCompleted | LLMCallFailed | None:
        """The next recorded outcome for ``key`` (None when none is left)."""
        with self._lock:
            queue = self._outcomes.get(key)
            return queue.popleft() if queue else None

    def budget_stop(self, key: str) -> Any:
        """The next BudgetExceeded event recorded with a failed call of this key, if any."""
        with self._lock:
            queue = self._budget_stops.get(key)
            return queue.popleft() if queue else None

    def nearest(self, messages: list[dict[str, Any]], agent: str | None) -> tuple[LLMCallRequested | None, str]:
        """The recorded request most similar to ``messages`` and a unified diff of the two."""
        text = _render(messages)
        candidates = [r for r in self._requests if agent is None or r.agent == agent] or self._requests
        if not candidates:
            return None, ""
        best = max(candidates, key=lambda r: difflib.SequenceMatcher(None, _render(r.messages), text,
                                                                     autojunk=False).quick_ratio())
        diff = "\n".join(difflib.unified_diff(_render(best.messages).splitlines(), text.splitlines(),
                                              f"recorded {best.call_id}", "replayed", lineterm="", n=1))
        return best, diff


def _render(messages: list[dict[str, Any]]) -> str:
    return "\n".join(f"[{m.get('role')}] {m.get('content') if isinstance(m.get('content'), str) else json.dumps(m.get('content'))}"
                     for m in messages)
