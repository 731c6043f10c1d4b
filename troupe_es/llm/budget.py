"""A run's token and cost budget: stop cleanly before overspending.

Before a call, the gateway reserves its estimated size (prompt characters / 4, plus the call's
``max_tokens`` or the largest output seen so far, at least 256) and, when the model's price is
known, its estimated cost; afterwards it settles the reservation with what the call really used.
A call is admitted only if what was spent, every reservation in flight and its own estimate fit,
so concurrent calls cannot overspend together (only by what calls use beyond their estimates).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

MIN_OUTPUT_RESERVE = 256
CostOf = Callable[[int, int], "float | None"]


@dataclass
class Reservation:
    """What one call holds of the budget until it is settled."""

    tokens: int = 0
    cost_usd: float = 0.0


@dataclass
class Budget:
    """Limits on what a run may spend; ``None`` means unlimited. Thread-safe accounting."""

    tokens: int | None = None
    cost_usd: float | None = None
    used_tokens: int = 0
    used_cost_usd: float = 0.0
    reserved_tokens: int = 0
    reserved_cost_usd: float = 0.0
    largest_output: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def estimate(self, messages: list[dict], max_tokens: int | None, cost_of: CostOf | None = None) -> Reservation:
        """A call's estimated tokens and cost (priced by ``cost_of(input, output)``), reserving nothing."""
        prompt = len(json.dumps(messages)) // 4
        with self._lock:
            output = max_tokens or max(self.largest_output, MIN_OUTPUT_RESERVE)
        cost = (cost_of(prompt, output) if cost_of is not None else None) or 0.0
        return Reservation(prompt + output, cost)

    def reserve(self, messages: list[dict], max_tokens: int | None,
                cost_of: CostOf | None = None) -> tuple[Reservation, tuple[str, float, float] | None]:
        """Reserve a call's :meth:`estimate`: ``(reservation, None)``, or ``(empty, (limit, budget,
        used))`` when the call could exceed a limit (nothing is reserved then)."""
        need = self.estimate(messages, max_tokens, cost_of)
        with self._lock:
            if self.tokens is not None and self.used_tokens + self.reserved_tokens + need.tokens > self.tokens:
                return Reservation(), ("tokens", float(self.tokens), float(self.used_tokens))
            cost = self.used_cost_usd + self.reserved_cost_usd + need.cost_usd
            if self.cost_usd is not None and cost > self.cost_usd:
                return Reservation(), ("cost_usd", float(self.cost_usd), self.used_cost_usd)
            self.reserved_tokens += need.tokens
            self.reserved_cost_usd += need.cost_usd
            return need, None

    def settle(self, reserved: Reservation, input_tokens: int, output_tokens: int, cost: float | None) -> None:
        """Replace a reservation by what the call really used."""
        with self._lock:
            self.reserved_tokens -= reserved.tokens
            self.reserved_cost_usd -= reserved.cost_usd
            self.used_tokens += input_tokens + output_tokens
            self.used_cost_usd += cost or 0.0
            self.largest_output = max(self.largest_output, output_tokens)
