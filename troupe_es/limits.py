"""Every upper bound troupe-es puts on its input, in one place (listed in docs/scenarios.md).

The bounds are far beyond what a real simulation needs; they exist so that a typo (``run:
100000000000``) or a hostile file is refused at once with one line naming the field, instead of
exhausting memory, overflowing the simulated clock or failing half-way through a run on one
backend but not another.

The sizes of the event store's text columns live here too: ``troupe_es/store/schema.py`` builds
its columns from them, the store's ``append`` checks them on every backend (the in-memory one
included) and scenario validation derives the longest agent and world name from them, so the
three can never drift apart.
"""

from __future__ import annotations

import math
from datetime import datetime

# ---- numbers: whatever is stored is a signed 64-bit integer on every backend ----------------------
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
MAX_POSITION = INT64_MAX
"""Largest event position (PostgreSQL ``bigint``); CLI position options are bounded by it."""

# ---- event store text columns (characters; PostgreSQL ``varchar(n)``) ------------------------------
RUN_ID_CHARS = 64
STREAM_CHARS = 200
EVENT_ID_CHARS = 64
TYPE_CHARS = 100
STREAM_PREFIXES = ("agent/", "world/")
"""Streams named after user input: ``agent/<name>`` and ``world/<name>``."""
NAME_CHARS = STREAM_CHARS - max(len(p) for p in STREAM_PREFIXES)
"""Longest agent or world name: its stream must fit the ``stream`` column."""

# ---- blobs and images ------------------------------------------------------------------------------
MAX_IMAGE_BYTES = 20 * 1024 * 1024
"""Largest image a ``see`` stimulus may carry (OpenAI's own limit for an image input)."""
MAX_BLOB_BYTES = MAX_IMAGE_BYTES
"""Largest blob the store keeps (the blob table holds images only)."""
MAX_IMAGE_PIXELS = 100_000_000
"""Most pixels (width × height) of an image: a small file that decodes to a huge bitmap is refused."""

# ---- scenario and persona files ----------------------------------------------------------------
MAX_FILE_BYTES = 10 * 1024 * 1024
"""A scenario or persona file larger than this is refused before it is read."""
MAX_NESTING = 64
"""Deepest nesting of mappings and lists in a file."""
MAX_VALUES = 1_000_000
"""Most values a file may hold once YAML anchors and aliases are expanded."""
MAX_TEXT_CHARS = 100_000
"""Longest text of a scenario field (a broadcast, a told line, a poll question...)."""
MAX_PERSONAS = 10_000
MAX_SCRIPT_LINES = 100_000
MAX_INTERVENTIONS = 10_000
MAX_POLL_OPTIONS = 1_000
MAX_STEPS_PER_RUN_LINE = 1_000_000_000
"""Most world steps of one ``run:`` line."""
MAX_TOTAL_STEPS = 1_000_000_000
"""Most world steps of a whole script."""
MAX_ACTIONS_PER_TURN = 15
MIN_STEP_SECONDS = 0.001
MAX_STEP_SECONDS = 3653 * 86400.0
"""A world step lasts from a millisecond to ten years."""
LATEST_SIM_TIME = datetime(9999, 12, 31, 23, 59, 59)
"""The simulated clock (in UTC) may not pass this: Python's datetimes end in the year 9999."""


def check_name(name: str) -> str:
    """``name`` if it can be an agent or world name on every backend; ValueError if it is longer
    than :data:`NAME_CHARS` or holds control characters (newlines, tabs, NUL)."""
    if len(name) > NAME_CHARS:
        raise ValueError(f"names are at most {NAME_CHARS} characters, got {len(name)}")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ValueError("names cannot contain control characters (newlines, tabs, NUL...)")
    return name


def text_problem(text: str, limit: int, what: str) -> str | None:
    """Why ``text`` cannot be stored in a column of ``limit`` characters on every backend, or None."""
    if len(text) > limit:
        return f"{what} is {len(text)} characters; the event store allows at most {limit}"
    if "\x00" in text:
        return f"{what} contains a NUL character, which PostgreSQL cannot store"
    return None


def data_problem(data: object) -> tuple[str, str] | None:
    """The first value of parsed YAML or JSON that troupe-es cannot store alike on every backend,
    as ``(field path, problem)``, or None: integers beyond 64 bits, infinite or NaN numbers, text
    that is not valid Unicode (lone surrogates), non-text keys, nesting deeper than
    :data:`MAX_NESTING` or more than :data:`MAX_VALUES` values (YAML aliases expanded).

    The walk stops at the first problem and after :data:`MAX_VALUES` values, so a "billion
    laughs" file costs no more than a large one.
    """
    from troupe_es.personas.problems import field_path

    budget = [MAX_VALUES]

    def walk(value: object, path: list[object]) -> tuple[str, str] | None:
        budget[0] -= 1
        if budget[0] < 0:
            return field_path(path), f"more than {MAX_VALUES} values (are YAML aliases repeating a large block?)"
        if len(path) > MAX_NESTING:
            return field_path(path), f"nested more than {MAX_NESTING} levels deep"
        if isinstance(value, bool) or value is None:
            return None
        if isinstance(value, int):
            if not INT64_MIN <= value <= INT64_MAX:
                return field_path(path), f"{value} does not fit in 64 bits (at most {INT64_MAX})"
        elif isinstance(value, float):
            if not math.isfinite(value):
                return field_path(path), f"{value} is not a finite number"
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return field_path(path), "text is not valid Unicode (a lone surrogate escape?)"
        elif isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    return field_path(path), f"keys must be text, got {key!r}"
                found = walk(key, path + [key]) or walk(item, path + [key])
                if found:
                    return found
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                found = walk(item, path + [i])
                if found:
                    return found
        return None

    return walk(data, [])
