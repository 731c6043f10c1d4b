"""Retries with exponential backoff and jitter, honouring Retry-After."""

from __future__ import annotations

import random
from dataclasses import dataclass

TRANSIENT_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry transient provider errors and invalid output."""

    max_attempts: int = 8
    base_delay_s: float = 0.25
    max_delay_s: float = 20.0
    max_output_retries: int = 2

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before attempt ``attempt + 1``: Retry-After when given, else
        exponential backoff with full jitter."""
        if retry_after is not None:
            return max(0.0, min(retry_after, self.max_delay_s))
        ceiling = min(self.max_delay_s, self.base_delay_s * (2 ** (attempt - 1)))
        return rng.uniform(0, ceiling)
