"""Termination signals during a run: SIGTERM and SIGHUP are raised in the main thread as an
:class:`~troupe_es.errors.Interruption` (Ctrl-C already raises KeyboardInterrupt), so the run
records ``RunInterrupted`` before the process exits and can be resumed."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from troupe_es.errors import Interruption

SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None)


def _raise(signum: int, _frame: object) -> None:
    raise Interruption(signal.Signals(signum).name)


@contextmanager
def interruptible() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP interrupt the main thread like Ctrl-C does."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _raise) for s in SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
