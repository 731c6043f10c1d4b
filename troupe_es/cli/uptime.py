"""How long this command-line process has been running, so timings can include start-up.

``troupe-es`` imports this module first, so :func:`process_seconds` counts from the moment the
command line began loading: every import, the store's opening and the work itself. Only the
Python interpreter's own start (tens of milliseconds) comes before it.
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()


def process_seconds() -> float:
    """Wall seconds since the command line began loading."""
    return time.perf_counter() - _STARTED
