"""The memory section of a turn's prompt: recalled memories, the newest few and what is new,
within ``memory_prompt_tokens`` (about 4 characters a token)."""

from __future__ import annotations

from collections.abc import Sequence

from troupe_es.commands.turn import clip
from troupe_es.domain import AgentState
from troupe_es.domain.memory import StoredMemory

CHARS_PER_TOKEN = 4
MEMORY_LINE_LIMIT = 300


def tokens(lines: Sequence[str]) -> int:
    """A rough token count of prompt lines (4 characters a token)."""
    return sum(len(line) + 1 for line in lines) // CHARS_PER_TOKEN


def memory_line(m: StoredMemory) -> str:
    return f"- [{(m.sim_time or '')[:16]}] {clip(m.text, MEMORY_LINE_LIMIT)}"


def new_lines(agent: AgentState) -> list[str]:
    """What the agent perceived since its last turn, marked ``*``."""
    fresh = [m for m in agent.new_memories() if m.kind != "did"]
    if not fresh:
        return []
    lines = ["New since your last turn:"]
    for m in fresh:
        source = f" from {m.source}" if m.source and m.kind in ("heard", "saw", "social") else ""
        lines.append(f"* [{(m.sim_time or '')[:16]}] {m.kind}{source}: {clip(m.text, MEMORY_LINE_LIMIT)}")
    return lines


def memory_section(agent: AgentState, recalled: Sequence[StoredMemory], newest: Sequence[StoredMemory],
                   budget: int) -> tuple[list[str], int]:
    """The section's lines and how many of ``recalled`` (best first) fit in ``budget`` tokens.
    What is new always shows; the newest memories next; recalled ones while they fit."""
    fresh = new_lines(agent)
    latest = (["Your latest memories (oldest first):"] + [memory_line(m) for m in newest]) if newest else []
    used = tokens(fresh) + tokens(latest)
    shown: list[str] = []
    for m in recalled:
        line = memory_line(m)
        if used + tokens(shown + [line]) + 10 > budget:
            break
        shown.append(line)
    head = ["Memories that come to mind (most relevant first):"] + shown if shown else []
    return head + latest + fresh, len(shown)
