"""Retries with exponential backoff and jitter, honouring Retry-After, within a per-call deadline.

:meth:`RetryPolicy.decide` is the whole policy as a pure function: given the attempts made so far,
the last error and the time left before the call's deadline, it says how long to wait before the
next attempt or why to give up. The gateway's retry loop only sleeps and calls.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from troupe_es.errors import ProviderHTTPError

TRANSIENT_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryDecision:
    """Wait ``delay_s`` and try again, or (``delay_s`` None) give up; ``reason`` explains a give-up
    that the last error alone does not (empty for a permanent error or the last allowed attempt)."""

    delay_s: float | None
    reason: str = ""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry transient provider errors and invalid output.

    ``deadline_s`` bounds one call, every attempt, wait and feedback retry included (None: no
    bound); no attempt's timeout reaches past it. Connection failures (nothing listening) get only
    ``max_connect_attempts`` attempts, so a wrong URL fails in about a second, not after the
    whole backoff."""

    max_attempts: int = 8
    base_delay_s: float = 0.25
    max_delay_s: float = 20.0
    max_output_retries: int = 2
    deadline_s: float | None = 120.0
    max_connect_attempts: int = 3

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before attempt ``attempt + 1``: Retry-After when given, else
        exponential backoff with full jitter."""
        if retry_after is not None:
            return max(0.0, min(retry_after, self.max_delay_s))
        ceiling = min(self.max_delay_s, self.base_delay_s * (2 ** (attempt - 1)))
        return rng.uniform(0, ceiling)

    def attempt_timeout(self, timeout_s: float, remaining_s: float | None) -> float:
        """The timeout of the next attempt: ``timeout_s``, cut to the time left before the deadline."""
        return timeout_s if remaining_s is None else max(0.0, min(timeout_s, remaining_s))

    def decide(self, attempts: int, error: ProviderHTTPError, remaining_s: float | None,
               rng: random.Random) -> RetryDecision:
        """After ``attempts`` failed attempts, the last failing with ``error``, with
        ``remaining_s`` seconds left before the call's deadline (None: no deadline)."""
        if not error.transient or attempts >= self.max_attempts:
            return RetryDecision(None)
        if error.kind == "connect" and attempts >= self.max_connect_attempts:
            return RetryDecision(None, f"no connection in {attempts} attempts")
        wait = self.delay(attempts, error.retry_after, rng)
        if remaining_s is not None and wait >= remaining_s:
            return RetryDecision(None, f"the call's {self.deadline_s:g} s deadline leaves no time for another attempt")
        return RetryDecision(wait)
