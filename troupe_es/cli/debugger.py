"""The time-travel debugger's logic: a cursor over a run's log and one method per command.

:class:`Debugger` knows nothing of terminals or click: :meth:`Debugger.execute` takes one command
line and returns a rich renderable (or raises a :class:`TroupeError` with a one-line message, after
which the session simply continues). The REPL and ``--commands`` loop live in ``debug_cmd``.

The cursor is a position of the run; "the state at the cursor" is the state after the event at
the cursor. Motion never leaves the run: ``goto`` snaps to the run's next event, ``step``/``back``
count the run's events, ``next``/``prev``/``continue``/``reverse-continue`` search forwards or
backwards for matching events (``continue`` stops at the run's end when no breakpoint matches).
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from troupe_es.cli.render import summarize
from troupe_es.cli.views import render_chain, render_diff, render_event, render_llm, render_state
from troupe_es.domain.diff import diff_states
from troupe_es.errors import ConfigurationError, SimulationError
from troupe_es.events import event_classes
from troupe_es.events.envelope import Recorded
from troupe_es.history import field_value, last_change
from troupe_es.limits import INT64_MAX, INT64_MIN
from troupe_es.snapshots import agent_state_at, state_at
from troupe_es.store.base import EventStore
from troupe_es.store.rows import StoredRow, decode_row
from troupe_es.timeline import (
    agent_filter,
    causation_chain,
    llm_call_for,
    row_at,
    rows_after,
    rows_before,
    run_bounds,
    step_started_row,
)


class Quit(Exception):
    """Raised by the ``quit`` command to end the session."""


@dataclass(frozen=True)
class Breakpoint:
    """Stop at events of ``type`` (by or about ``agent``, when given)."""

    type: str
    agent: str | None = None

    def matches(self, row: StoredRow) -> bool:
        return row.type == self.type and (self.agent is None or agent_filter(self.agent)(row))

    def __str__(self) -> str:
        return self.type + (f" agent={self.agent}" if self.agent else "")


# name -> (usage, help); the method is ``cmd_<name with - as _>``.
COMMANDS: dict[str, tuple[str, str]] = {
    "goto": ("goto P | goto step N | goto start|end", "Move the cursor to position P, to step N's StepStarted, "
                                                       "or to the run's first/last event."),
    "step": ("step [n]", "Move forward n events of the run (default 1)."),
    "back": ("back [n]", "Move backward n events of the run (default 1)."),
    "next": ("next TYPE [agent=A]", "Move to the next event of TYPE (by or about A)."),
    "prev": ("prev TYPE [agent=A]", "Move to the previous event of TYPE (by or about A)."),
    "break": ("break [TYPE [agent=A]]", "Add a breakpoint; without arguments, list them."),
    "delete": ("delete [N]", "Delete breakpoint N (all when N is omitted)."),
    "continue": ("continue", "Move forward to the next event matching a breakpoint (or the run's end)."),
    "reverse-continue": ("reverse-continue", "Move backward to the previous breakpoint match (or the start)."),
    "state": ("state [AGENT]", "State after the event at the cursor: every agent and world, or one agent."),
    "diff": ("diff [P [Q]]", "What changed from P to Q (default: what the event at the cursor changed; "
                             "with one position, from P to the cursor)."),
    "where": ("where", "The cursor's position, step and the event there."),
    "why": ("why", "The causation chain of the event at the cursor, down to the LLM call and its prompt."),
    "who-changed": ("who-changed AGENT FIELD", "The last event at or before the cursor that changed a field "
                                               "(e.g. emotions, goals, persona.age, accessible; or WORLD clock)."),
    "llm": ("llm", "The LLM call behind the event at the cursor: messages, response, tokens, latency, cache."),
    "list": ("list [n]", "The n events around the cursor (default 5 each side)."),
    "help": ("help", "This list."),
    "quit": ("quit", "End the session."),
}
ALIASES = {"q": "quit", "exit": "quit", "h": "help", "?": "help", "c": "continue", "rc": "reverse-continue",
           "w": "where", "l": "list", "s": "step", "bt": "why"}


def _int(text: str, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ConfigurationError(f"{what} must be a whole number, not {text!r}") from None
    if not INT64_MIN <= value <= INT64_MAX:
        raise ConfigurationError(f"{what} must fit in 64 bits, not {text}")
    return value


def _event_type(name: str) -> str:
    known = event_classes()
    if name in known:
        return name
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise ConfigurationError(f"unknown event type {name!r}{hint}")


def _filter_args(args: list[str], command: str) -> Breakpoint:
    if not args or (len(args) >= 2 and not args[1].startswith("agent=")):
        raise ConfigurationError(f"usage: {COMMANDS[command][0]}")
    agent = " ".join([args[1].split("=", 1)[1], *args[2:]]) if len(args) >= 2 else None
    return Breakpoint(_event_type(args[0]), agent or None)


class Debugger:
    """A time-travel debugging session over one run of ``store``."""

    def __init__(self, store: EventStore, run_id: str, *, plain: bool = False) -> None:
        self.store = store
        self.run_id = run_id
        self.plain = plain
        self.first, self.last = run_bounds(store, run_id)
        self.cursor = self.first
        self.breakpoints: list[Breakpoint] = []

    # ---- dispatch ---------------------------------------------------------------------------
    def execute(self, line: str) -> RenderableType | None:
        """Run one command line; raises :class:`Quit` for ``quit`` and a TroupeError on a bad command."""
        try:
            words = shlex.split(line)
        except ValueError as exc:
            raise ConfigurationError(f"cannot parse {line!r}: {exc}") from None
        if not words:
            return None
        name = ALIASES.get(words[0], words[0])
        if name not in COMMANDS:
            close = difflib.get_close_matches(name, list(COMMANDS), n=1)
            hint = f"; did you mean {close[0]}?" if close else "; type help"
            raise ConfigurationError(f"unknown command {words[0]!r}{hint}")
        method: Callable[..., RenderableType | None] = getattr(self, "cmd_" + name.replace("-", "_"))
        return method(words[1:])

    # ---- helpers ----------------------------------------------------------------------------
    def event(self, position: int | None = None) -> Recorded:
        """The run's event at ``position`` (default: the cursor)."""
        where = self.cursor if position is None else position
        row = row_at(self.store, self.run_id, where)
        if row is None:
            raise SimulationError(f"position {where} holds no event of run {self.run_id}")
        return decode_row(row)

    def _move(self, row: StoredRow | None, failure: str, note: str = "") -> RenderableType:
        if row is None:
            raise SimulationError(failure)
        self.cursor = row.position
        return self._location(decode_row(row), note)

    def _location(self, rec: Recorded, note: str = "") -> RenderableType:
        return Text.assemble((note, "bold green"), ("at ", "dim"), (str(rec.position), "bold cyan"), " ",
                             (rec.type, "bold"), (f"  {rec.stream}  ", "dim"), summarize(rec, 110))

    def _check_position(self, position: int) -> int:
        if not self.first <= position <= self.last:
            raise SimulationError(f"position {position} is outside run {self.run_id} "
                                  f"(positions {self.first}..{self.last})")
        return position

    # ---- motion -----------------------------------------------------------------------------
    def cmd_goto(self, args: list[str]) -> RenderableType:
        if not args or len(args) > 2:
            raise ConfigurationError(f"usage: {COMMANDS['goto'][0]}")
        if args[0] == "step":
            if len(args) != 2:
                raise ConfigurationError("usage: goto step N")
            row = step_started_row(self.store, self.run_id, _int(args[1], "step"))
            return self._move(row, "", note=f"step {args[1]}: ")
        if args[0] in ("start", "end"):
            position = self.first if args[0] == "start" else self.last
        else:
            position = self._check_position(_int(args[0], "position"))
        rows = rows_after(self.store, self.run_id, position - 1, 1)
        return self._move(rows[0] if rows else None, f"no event of run {self.run_id} at or after {position}")

    def cmd_step(self, args: list[str]) -> RenderableType:
        n = _int(args[0], "n") if args else 1
        if n < 1:
            raise ConfigurationError("step needs n of 1 or more")
        rows = rows_after(self.store, self.run_id, self.cursor, n)
        if not rows:
            raise SimulationError(f"already at the run's last event ({self.cursor})")
        note = "" if len(rows) == n else f"end of run after {len(rows)} events: "
        return self._move(rows[-1], "", note)

    def cmd_back(self, args: list[str]) -> RenderableType:
        n = _int(args[0], "n") if args else 1
        if n < 1:
            raise ConfigurationError("back needs n of 1 or more")
        rows = rows_before(self.store, self.run_id, self.cursor, n, first=self.first)
        if not rows:
            raise SimulationError(f"already at the run's first event ({self.cursor})")
        note = "" if len(rows) == n else f"start of run after {len(rows)} events: "
        return self._move(rows[0], "", note)

    def cmd_next(self, args: list[str]) -> RenderableType:
        bp = _filter_args(args, "next")
        rows = rows_after(self.store, self.run_id, self.cursor, 1, types=[bp.type], where=bp.matches)
        return self._move(rows[0] if rows else None, f"no {bp} after position {self.cursor}")

    def cmd_prev(self, args: list[str]) -> RenderableType:
        bp = _filter_args(args, "prev")
        rows = rows_before(self.store, self.run_id, self.cursor, 1, first=self.first, types=[bp.type],
                           where=bp.matches)
        return self._move(rows[-1] if rows else None, f"no {bp} before position {self.cursor}")

    def cmd_break(self, args: list[str]) -> RenderableType:
        if not args:
            if not self.breakpoints:
                return Text("no breakpoints", style="dim")
            return Text("\n".join(f"{i}: {bp}" for i, bp in enumerate(self.breakpoints, 1)))
        bp = _filter_args(args, "break")
        self.breakpoints.append(bp)
        return Text(f"breakpoint {len(self.breakpoints)}: {bp}")

    def cmd_delete(self, args: list[str]) -> RenderableType:
        if not args:
            count, self.breakpoints = len(self.breakpoints), []
            return Text(f"deleted {count} breakpoints")
        index = _int(args[0], "breakpoint number")
        if not 1 <= index <= len(self.breakpoints):
            raise SimulationError(f"no breakpoint {index} (there are {len(self.breakpoints)})")
        return Text(f"deleted breakpoint {index}: {self.breakpoints.pop(index - 1)}")

    def _hit(self, row: StoredRow) -> str:
        number = next(i for i, bp in enumerate(self.breakpoints, 1) if bp.matches(row))
        return f"breakpoint {number} ({self.breakpoints[number - 1]}): "

    def cmd_continue(self, args: list[str]) -> RenderableType:
        if not self.breakpoints:
            raise SimulationError("no breakpoints: add one with break TYPE [agent=A]")
        types = sorted({bp.type for bp in self.breakpoints})
        rows = rows_after(self.store, self.run_id, self.cursor, 1, types=types,
                          where=lambda r: any(bp.matches(r) for bp in self.breakpoints))
        if rows:
            return self._move(rows[0], "", self._hit(rows[0]))
        self.cursor = self.last
        return self._location(self.event(), "no breakpoint hit; end of run: ")

    def cmd_reverse_continue(self, args: list[str]) -> RenderableType:
        if not self.breakpoints:
            raise SimulationError("no breakpoints: add one with break TYPE [agent=A]")
        types = sorted({bp.type for bp in self.breakpoints})
        rows = rows_before(self.store, self.run_id, self.cursor, 1, first=self.first, types=types,
                           where=lambda r: any(bp.matches(r) for bp in self.breakpoints))
        if rows:
            return self._move(rows[-1], "", self._hit(rows[-1]))
        self.cursor = self.first
        return self._location(self.event(), "no breakpoint hit; start of run: ")

    # ---- inspection -------------------------------------------------------------------------
    def cmd_state(self, args: list[str]) -> RenderableType:
        if args:
            agent = " ".join(args)  # agent names may have spaces: `state Lisa Carter`
            current = agent_state_at(self.store, self.run_id, agent, position=self.cursor)
            return render_state(current, agent=agent, plain=self.plain)
        return render_state(state_at(self.store, self.run_id, position=self.cursor), plain=self.plain)

    def cmd_diff(self, args: list[str]) -> RenderableType:
        if len(args) > 2:
            raise ConfigurationError(f"usage: {COMMANDS['diff'][0]}")
        if not args:
            p, q = self.cursor - 1, self.cursor
        else:
            p = self._check_position(_int(args[0], "P"))
            q = self._check_position(_int(args[1], "Q")) if len(args) == 2 else self.cursor
        before = state_at(self.store, self.run_id, position=p)
        after = state_at(self.store, self.run_id, position=q)
        return render_diff(diff_states(before, after), plain=self.plain)

    def cmd_where(self, args: list[str]) -> RenderableType:
        rec = self.event()
        started = rows_before(self.store, self.run_id, self.cursor + 1, 1, first=self.first, types=["StepStarted"])
        step = "before the first step"
        if started:
            s: Any = decode_row(started[-1]).event
            step = f"step {s.step} of world {s.world}"
        head = Text.assemble(("run ", "dim"), (self.run_id, "bold"), ("  cursor ", "dim"),
                             (f"{self.cursor}", "bold cyan"), (f" of {self.first}..{self.last}  ", "dim"),
                             (step, ""), ("  sim time ", "dim"), (str(rec.sim_time or "-"), ""))
        return Group(head, render_event(rec, plain=self.plain))

    def cmd_why(self, args: list[str]) -> RenderableType:
        return render_chain(causation_chain(self.store, self.event()), plain=self.plain)

    def cmd_llm(self, args: list[str]) -> RenderableType:
        rec = self.event()
        request, outcome = llm_call_for(self.store, rec)
        if request is None and outcome is None:
            raise SimulationError(f"no LLM call behind the event at {rec.position} ({rec.type}: "
                                  "no LLM event in its causation chain)")
        return render_llm(request, outcome, plain=self.plain)

    def cmd_who_changed(self, args: list[str]) -> RenderableType:
        if len(args) < 2:
            raise ConfigurationError(f"usage: {COMMANDS['who-changed'][0]}")
        subject, path = " ".join(args[:-1]), args[-1]  # `who-changed Lisa Carter emotions`
        change = last_change(self.store, self.run_id, subject, path, at=self.cursor)
        if change is None:
            now = agent_state_at(self.store, self.run_id, subject, position=self.cursor, missing_ok=True)
            value = field_value(now, subject, path)
            return Text(f"{subject}.{path} has not changed up to position {self.cursor} (value: {value!r})")
        rec = change.record
        head = Text.assemble((f"{subject}.{path}", "bold"), " last changed at ", (str(rec.position), "bold cyan"),
                             " by ", (rec.type, "bold"), f": {change.before!r} → {change.after!r}")
        return Group(head, self._location(rec))

    def cmd_list(self, args: list[str]) -> RenderableType:
        n = _int(args[0], "n") if args else 5
        rows = rows_before(self.store, self.run_id, self.cursor, n, first=self.first) + \
            rows_after(self.store, self.run_id, self.cursor - 1, n + 1)
        lines = []
        for row in rows:
            rec = decode_row(row)
            mark = "→" if rec.position == self.cursor else " "
            lines.append(Text.assemble((f"{mark} {rec.position:>7} ", "bold cyan" if mark == "→" else "dim"),
                                       (f"{rec.type:<22}", "bold"), (f" {rec.stream:<14} ", "dim"),
                                       summarize(rec, 90)))
        return Group(*lines)

    def cmd_help(self, args: list[str]) -> RenderableType:
        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column(style="bold")
        table.add_column()
        for usage, text in COMMANDS.values():
            table.add_row(escape(usage), escape(text))
        return table

    def cmd_quit(self, args: list[str]) -> None:
        raise Quit
