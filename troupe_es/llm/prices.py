"""Prices per million tokens; unknown models cost ``None`` (not 0).

A provider may carry its own table as ``prices`` (the gateway uses it unless given another): the
mock LLM's is :meth:`PriceTable.free`, so a mock run costs $0. The audit still shows what the
tokens would cost at these list prices, as ``estimated_cost_usd``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    # model: (input USD / 1M tokens, output USD / 1M tokens)
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "o3-mini": (1.10, 4.40),
    "text-embedding-3-small": (0.02, 0.0),
    "text-embedding-3-large": (0.13, 0.0),
}


@dataclass(frozen=True)
class PriceTable:
    """Looks prices up by exact model name, then by the longest known prefix (dated snapshots);
    models matching neither cost ``default`` (``None``: unknown)."""

    prices: dict[str, tuple[float, float]] = field(default_factory=lambda: dict(DEFAULT_PRICES))
    default: tuple[float, float] | None = None

    @classmethod
    def free(cls) -> "PriceTable":
        """Every model costs nothing: the prices of the mock LLM."""
        return cls(prices={}, default=(0.0, 0.0))

    def price(self, model: str) -> tuple[float, float] | None:
        """(input, output) USD per million tokens of ``model``, or ``default``."""
        price = self.prices.get(model)
        if price is None:
            matches = [m for m in self.prices if model.startswith(m + "-")]
            price = self.prices[max(matches, key=len)] if matches else self.default
        return price

    def cost(self, model: str, input_tokens: int, output_tokens: int) -> float | None:
        price = self.price(model)
        if price is None:
            return None
        return round((input_tokens * price[0] + output_tokens * price[1]) / 1_000_000, 8)
