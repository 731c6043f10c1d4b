"""A run's token and cost budget: stop cleanly before overspending."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field


@dataclass
class Budget:
    """Limits on what a run may spend; ``None`` means unlimited. Thread-safe accounting."""

    tokens: int | None = None
    cost_usd: float | None = None
    used_tokens: int = 0
    used_cost_usd: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def check(self, messages: list[dict], max_tokens: int | None) -> tuple[str, float, float] | None:
        """``(limit, budget, used)`` if a call of this size could exceed a limit, else None.

        The call's tokens are estimated as prompt characters / 4 plus its ``max_tokens``.
        """
        estimate = len(json.dumps(messages)) // 4 + (max_tokens or 0)
        with self._lock:
            if self.tokens is not None and self.used_tokens + estimate > self.tokens:
                return "tokens", float(self.tokens), float(self.used_tokens)
            if self.cost_usd is not None and self.used_cost_usd >= self.cost_usd:
                return "cost_usd", float(self.cost_usd), self.used_cost_usd
        return None

    def spend(self, tokens: int, cost: float | None) -> None:
        with self._lock:
            self.used_tokens += tokens
            self.used_cost_usd += cost or 0.0
