"""Rich renderers for time travel: run and agent state, state diffs, events, causes, LLM calls.

Kept apart from click so ``troupe-es state``, ``troupe-es diff`` and the debugger share them.
Every renderer takes ``plain``: panels and boxed tables on a terminal, and the same content as
titled sections and borderless tables when the output is piped (readable in a log or a test).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from troupe_es.cli.render import clip, summarize
from troupe_es.domain import AgentState, RunState
from troupe_es.events.envelope import Recorded

if TYPE_CHECKING:
    from troupe_es.projections.runs import TreeLine

MEMORY_SHOWN = 8


def section(title: str, body: RenderableType, plain: bool, style: str = "cyan") -> RenderableType:
    """A panel on a terminal; a title line and the body otherwise."""
    if plain:
        return Group(Text(f"== {title} ==", style="bold"), body, Text(""))
    return Panel(body, title=f"[bold]{escape(title)}[/bold]", title_align="left", border_style=style)


def kv_table(rows: list[tuple[str, Any]], plain: bool) -> Table:
    """A two-column key/value table."""
    table = Table(show_header=False, box=None if plain else box.SIMPLE, pad_edge=False, padding=(0, 1))
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in rows:
        table.add_row(key, value if isinstance(value, (Text, Table)) else escape(_text(value)))
    return table


def _text(value: Any) -> str:
    if value is None or value == "" or value == () or value == []:
        return "-"
    if isinstance(value, (list, tuple)):
        return "; ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={_text(v)}" for k, v in value.items())
    return str(value)


def _persona_rows(persona: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key, value in persona.items():
        if isinstance(value, dict) and value:
            rows += _persona_rows(value, f"{prefix}{key}.")
        else:
            rows.append((f"{prefix}{key}", value))
    return rows


def render_agent(state: RunState, name: str, *, plain: bool = False, memory: int = MEMORY_SHOWN) -> RenderableType:
    """One agent: persona, cognitive state, who it can reach, recent memory and counters."""
    agent: AgentState = state.agents[name]
    world = state.worlds.get(agent.world) if agent.world else None
    persona = kv_table(_persona_rows(agent.persona), plain)
    mind = kv_table([("goals", list(agent.goals)), ("attention", agent.attention), ("emotions", agent.emotions),
                     ("context", list(agent.context)), ("location", agent.location),
                     ("world", f"{agent.world} @ {world.clock}" if world else agent.world),
                     ("accessible", list(world.accessible_to(name)) if world else []),
                     ("relations", [f"{r[2]} of {r[1] if r[0] == name else r[0]}" for r in
                                    (world.relations if world else ()) if name in r[:2]]),
                     ("feedback", list(agent.feedback)),
                     ("activity", f"{agent.turns} turns, {agent.actions_taken} actions, "
                                  f"{agent.memory_total} memories")], plain)
    recent = Table(box=None if plain else box.SIMPLE_HEAD, show_header=True, pad_edge=False)
    for column in ("#", "time", "kind", "memory"):
        recent.add_column(column, overflow="fold", style="dim" if column in ("#", "time") else None)
    for item in agent.memory[-memory:]:
        marker = "*" if item.index >= agent.seen_upto else " "
        clock = (item.sim_time or "-")[11:16] if item.sim_time else "-"
        who = f" ({item.source})" if item.source and item.kind in ("heard", "social") else ""
        recent.add_row(f"{item.index}{marker}", clock, item.kind, escape(clip(item.text + who, 110)))
    parts: list[RenderableType] = [Text("persona", style="bold underline"), persona,
                                   Text("mind", style="bold underline"), mind,
                                   Text(f"recent memory (last {min(memory, len(agent.memory))} of "
                                        f"{agent.memory_total}; * = not yet acted on)", style="bold underline"),
                                   recent]
    if agent.book.stored:
        parts += [Text("stored memory", style="bold underline"), kv_table(_memory_rows(agent), plain)]
    if agent.emotion is not None:
        parts += [Text("emotion (PAD)", style="bold underline"), kv_table(_emotion_rows(agent), plain)]
    return section(f"agent {name}", Group(*parts), plain, style="yellow")


def _emotion_rows(agent: AgentState) -> list[tuple[str, Any]]:
    from troupe_es.domain.emotions import baseline, describe

    def text(pad: tuple[float, float, float]) -> str:
        d = describe(pad)
        return (f"{d['octant']} (intensity {d['intensity']:.2f}): pleasure {d['pleasure']:+.2f}, "
                f"arousal {d['arousal']:+.2f}, dominance {d['dominance']:+.2f}")

    e = agent.emotion
    return [("state", text(e.pad)), ("since", f"{(e.at or '-')[:16]} ({e.changes} changes)"),
            ("baseline", text(baseline(agent.persona)))]


def _memory_rows(agent: AgentState) -> list[tuple[str, Any]]:
    from troupe_es.domain.memory import memory_summary

    s = memory_summary(agent.book)
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(s["by_kind"].items())) or "none"
    rows = [("held", f"{s['held']} ({kinds})"),
            ("lifetime", f"{s['stored']} stored, {s['forgotten']} forgotten, {s['consolidated']} consolidated, "
                         f"{s['reflections']} reflections, {s['recalls']} recalls"),
            ("span", f"{(s['oldest'] or '-')[:16]} .. {(s['newest'] or '-')[:16]}")]
    rows += [(m.id, clip(f"[{m.kind}, {m.importance}] {m.text}", 100)) for m in agent.book.items[-3:]]
    return rows


def render_world_table(state: RunState, plain: bool) -> Table:
    """One row per world: clock, step, members, accessibility."""
    table = Table(box=None if plain else box.SIMPLE_HEAD, pad_edge=False)
    for column in ("world", "kind", "clock", "step", "members", "access"):
        table.add_column(column, overflow="fold")
    for w in state.worlds.values():
        access = "everyone" if w.everyone_accessible else "; ".join(f"{a}-{b}" for a, b in w.links) or "nobody"
        if w.relations:
            access += " | " + "; ".join(f"{a}-{b}: {r}" for a, b, r in w.relations)
        table.add_row(w.name, w.kind, w.clock or "-", str(w.step), ", ".join(w.members), escape(access))
    return table


def render_state(state: RunState, *, agent: str | None = None, plain: bool = False) -> RenderableType:
    """The run at a position: header, worlds, then every agent (or just ``agent``)."""
    head = Text.assemble(("run ", "dim"), (str(state.run_id), "bold"), ("  position ", "dim"),
                         (str(state.position), "bold cyan"), ("  status ", "dim"), (state.status, "bold"),
                         ("  scenario ", "dim"), (str(state.scenario_name), ""))
    extra = []
    if state.parent_run_id:
        extra.append(Text(f"fork of {state.parent_run_id} at {state.fork_position}", style="dim"))
    if state.interventions_applied or state.polls:
        extra.append(Text(f"interventions: {', '.join(state.interventions_applied) or '-'}; polls: {state.polls}",
                          style="dim"))
    parts: list[RenderableType] = [head, *extra]
    if state.worlds:
        parts.append(section("worlds", render_world_table(state, plain), plain, style="blue"))
        from troupe_es.cli.space_view import space_tables

        parts += [section(title, table, plain, style="blue") for title, table in space_tables(state, agent)]
        from troupe_es.cli.classroom_view import classroom_tables

        parts += [section(title, table, plain, style="blue") for title, table in classroom_tables(state)]
        from troupe_es.cli.retail_view import retail_tables

        parts += [section(title, table, plain, style="blue") for title, table in retail_tables(state, agent)]
    if state.market is not None and not agent:
        from troupe_es.cli.market_view import render_market

        parts.append(render_market(state.market, plain))
    book = state.schedule
    if book.pending or book.fired or book.missed or book.cancelled:
        parts.append(section("schedule", render_schedule(state, plain), plain, style="magenta"))
    names = [agent] if agent else list(state.agents)
    parts += [render_agent(state, n, plain=plain) for n in names]
    if not names:
        parts.append(Text("no agents yet", style="dim"))
    return Group(*parts)


def render_schedule(state: RunState, plain: bool) -> RenderableType:
    """The pending schedule in firing order, then the counters."""
    from troupe_es.domain.schedule import schedule_summary

    summary = schedule_summary(state.schedule)
    table = Table(box=None if plain else box.SIMPLE, pad_edge=False, padding=(0, 1))
    for column in ("due", "id", "world", "kind", "priority", "recurs", "what"):
        table.add_column(column, overflow="fold")
    for it in summary["pending"]:
        recurs = it["cron"] or (f"every {it['every_seconds']:g}s" if it["every_seconds"] else "-")
        table.add_row(it["due"], it["id"], it["world"], it["kind"], str(it["priority"]), recurs,
                      escape(clip(json.dumps(it["data"], ensure_ascii=False), 80)))
    counters = Text(f"pending {len(summary['pending'])}; fired {summary['fired']}; missed {summary['missed']}; "
                    f"cancelled {summary['cancelled']}; clock jumps {summary['jumps']}", style="dim")
    return Group(table, counters) if summary["pending"] else counters


def _change_text(change: dict[str, Any]) -> str:
    return f"{json.dumps(change['from'], ensure_ascii=False)} → {json.dumps(change['to'], ensure_ascii=False)}"


def render_diff(diff: dict[str, Any], *, plain: bool = False) -> RenderableType:
    """A diff from :func:`troupe_es.domain.diff.diff_states`, grouped per run, world and agent."""
    parts: list[RenderableType] = [Text.assemble(("changes from position ", "dim"), (str(diff["from"]), "bold"),
                                                 (" to ", "dim"), (str(diff["to"]), "bold"))]
    if not (diff["run"] or diff["agents"] or diff["worlds"]):
        parts.append(Text("no changes", style="dim"))
        return Group(*parts)

    def fields_table(fields: dict[str, dict[str, Any]]) -> Table:
        table = Table(show_header=False, box=None, pad_edge=False, padding=(0, 1))
        table.add_column(style="bold")
        table.add_column(overflow="fold")
        for key, change in fields.items():
            table.add_row(key, escape(clip(_change_text(change), 160)))
        return table

    if diff["run"]:
        parts.append(section("run", fields_table(diff["run"]), plain, style="blue"))
    for name, d in diff["worlds"].items():
        parts.append(section(f"world {name} ({d['status']})", fields_table(d["fields"]), plain, style="blue"))
    for name, d in diff["agents"].items():
        body: list[RenderableType] = []
        if d["fields"]:
            body.append(fields_table(d["fields"]))
        for label, items, style in (("+ memory", d["memory_added"], "green"), ("- memory", d["memory_removed"], "red")):
            for item in items:
                body.append(Text(f"{label} #{item['index']} {item['kind']}: {clip(item['text'], 120)}", style=style))
        parts.append(section(f"agent {name} ({d['status']})", Group(*body), plain, style="yellow"))
    return Group(*parts)


def render_event(rec: Recorded, *, plain: bool = False, title: str | None = None) -> RenderableType:
    """One event in full: envelope and payload."""
    env = rec.envelope()
    rows: list[tuple[str, Any]] = [(k, env[k]) for k in ("position", "type", "stream", "stream_version",
                                                         "sim_time", "event_id", "causation_id")]
    rows += [(f"payload.{k}", clip(json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v, 400))
             for k, v in rec.event.payload().items()]
    return section(title or f"{rec.position} {rec.type}", kv_table(rows, plain), plain)


def render_messages(messages: list[dict[str, Any]], plain: bool) -> RenderableType:
    """Chat messages, role by role."""
    parts: list[RenderableType] = []
    for m in messages:
        content = m.get("content")
        text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
        parts.append(Text.assemble((f"[{m.get('role', '?')}] ", "bold magenta"), (text or "", "")))
    return Group(*parts) if parts else Text("(no messages)", style="dim")


def render_chain(chain: list[Recorded], *, plain: bool = False) -> RenderableType:
    """A causation chain, effect first, with prompts and responses of the LLM events in it."""
    parts: list[RenderableType] = []
    for depth, rec in enumerate(chain):
        arrow = "  " * depth + ("" if depth == 0 else "← caused by ")
        parts.append(Text.assemble((arrow, "dim"), (f"{rec.position} ", "cyan"), (rec.type, "bold"),
                                   (f"  {rec.stream}  ", "dim"), (summarize(rec, 110), "")))
        e: Any = rec.event
        if rec.type == "LLMCallRequested":
            parts.append(section(f"prompt of call {e.call_id} ({e.model})", render_messages(e.messages, plain), plain,
                                 style="magenta"))
        elif rec.type == "LLMCallCompleted":
            parts.append(section(f"response of call {e.call_id}", Text(e.response_text), plain, style="blue"))
    if chain and chain[-1].causation_id is None:
        parts.append(Text("  " * len(chain) + "(no recorded cause: a root event)", style="dim"))
    return Group(*parts)


def render_llm(request: Recorded | None, outcome: Recorded | None, *, plain: bool = False) -> RenderableType:
    """An LLM call: request (model, parameters, messages) and its completion or failure."""
    parts: list[RenderableType] = []
    if request is not None:
        e: Any = request.event
        parts.append(kv_table([("call", e.call_id), ("position", request.position), ("provider", e.provider),
                               ("model", e.model), ("agent", e.agent), ("step", e.step), ("purpose", e.purpose),
                               ("parameters", e.parameters), ("request key", e.request_key)], plain))
        parts.append(section("request messages", render_messages(e.messages, plain), plain, style="magenta"))
    if outcome is not None:
        o: Any = outcome.event
        if outcome.type == "LLMCallCompleted":
            rows = [("position", outcome.position), ("model", o.model), ("finish", o.finish_reason),
                    ("tokens", f"{o.input_tokens} in + {o.output_tokens} out"),
                    ("latency", f"{o.latency_ms:.0f} ms" if o.latency_ms is not None else None),
                    ("cache", o.cache_status), ("attempts", o.attempts),
                    ("cost", f"${o.cost_usd:.6f}" if o.cost_usd is not None else "unknown")]
            parts.append(section("response", Group(kv_table(rows, plain), Text(o.response_text)), plain, style="blue"))
        else:
            parts.append(section("failure", kv_table([("position", outcome.position), ("error", o.error_type),
                                                      ("message", o.error), ("attempts", o.attempts)], plain),
                                 plain, style="red"))
    else:
        parts.append(Text("(no completion recorded)", style="dim"))
    title = f"LLM call {request.event.call_id}" if request is not None else "LLM call"  # type: ignore[attr-defined]
    return section(title, Group(*parts), plain, style="magenta")


def tree_prefix(lasts: tuple[bool, ...]) -> str:
    """The branch drawing before a run of the fork tree: ``├─ ``, ``│  └─ ``..."""
    if not lasts:
        return ""
    rails = "".join("   " if last else "│  " for last in lasts[:-1])
    return rails + ("└─ " if lasts[-1] else "├─ ")


def render_runs(tree: "list[TreeLine]") -> Table:
    """The runs of a store as a table in fork-tree order: each fork indented under its parent,
    the parent's full id and fork position in their own column."""
    table = Table(box=None, header_style="bold")
    for col, justify in (("run", "left"), ("fork of", "left"), ("scenario", "left"), ("status", "left"),
                         ("started", "left"), ("events", "right"), ("calls", "right"), ("hits", "right"),
                         ("tokens", "right"), ("cost $", "right")):
        table.add_column(col, justify=justify, no_wrap=col in ("run", "fork of"))  # type: ignore[arg-type]
    for line in tree:
        r = line.row
        parent = f"{r.parent_run_id} @ {r.fork_position}" if r.parent_run_id else "-"
        status_style = {"completed": "green", "failed": "red"}.get(r.status, "yellow")
        cost = f"{r.cost_usd:.4f}" + ("+?" if r.unknown_cost_calls else "")
        table.add_row(escape(tree_prefix(line.lasts) + r.run_id), escape(parent), escape(r.scenario),
                      f"[{status_style}]{r.status}[/{status_style}]",
                      r.started_at.strftime("%Y-%m-%d %H:%M:%S") if r.started_at else "-",
                      str(r.events), str(r.llm_calls), str(r.cache_hits),
                      str(r.input_tokens + r.output_tokens), cost)
    return table
