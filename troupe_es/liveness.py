"""Who is writing a run: the writer's identity recorded with it, and whether that writer lives.

``RunStarted`` and ``RunResumed`` record their writer's host and process id among their
(volatile) settings. A run whose status is still ``running`` is *stale* when nothing was
recorded for ``stale_after`` seconds and no live process holds it: on the same host the process
id is checked; from another host only the silence can tell.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

DEFAULT_STALE_AFTER = 600.0
"""Seconds without an event after which a ``running`` run whose writer cannot be seen is stale."""


def writer_identity() -> dict[str, Any]:
    """This process, as recorded in a run's settings."""
    return {"host": socket.gethostname(), "pid": os.getpid()}


def writer_alive(settings: Mapping[str, Any]) -> bool | None:
    """True/False when the recorded writer is on this host (its process checked), None when it
    cannot be told (another host, or no writer recorded)."""
    host, pid = settings.get("host"), settings.get("pid")
    if host != socket.gethostname() or not isinstance(pid, int):
        return None
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return _not_a_zombie(pid)


def _not_a_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().split(") ", 1)[1][:1] != "Z"
    except (OSError, IndexError):
        return True


def is_stale(status: str, last_event_at: datetime | None, writer: Mapping[str, Any], *,
             stale_after: float = DEFAULT_STALE_AFTER, now: datetime | None = None) -> bool:
    """Whether a run shown as ``running`` has in fact lost its writer."""
    if status != "running":
        return False
    alive = writer_alive(writer)
    if alive is not None:
        return not alive
    if last_event_at is None:
        return False
    now = now or datetime.now(timezone.utc)
    return (now - last_event_at).total_seconds() >= stale_after
