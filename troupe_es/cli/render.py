"""Rich renderers for events and tables, kept apart from click so they can be reused and tested."""

from __future__ import annotations

from typing import Any

from troupe_es.events.envelope import Recorded

_TYPE_STYLES = {
    "RunStarted": "bold green", "RunCompleted": "bold green", "RunFailed": "bold red",
    "StepStarted": "cyan", "StepCompleted": "cyan", "ActionTaken": "yellow",
    "StimulusPerceived": "magenta", "LLMCallRequested": "dim", "LLMCallCompleted": "blue",
    "LLMCallFailed": "red", "BudgetExceeded": "bold red",
}


def clip(text: str, width: int = 100) -> str:
    """One line of at most ``width`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def summarize(rec: Recorded, width: int = 100) -> str:
    """A one-line human summary of an event's payload."""
    e: Any = rec.event
    kind = e.type
    if kind == "ActionTaken":
        target = f" → {e.target}" if e.target else ""
        return clip(f"{e.agent} {e.action}{target}: {e.content}", width)
    if kind == "StimulusPerceived":
        source = f" from {e.source}" if e.source else ""
        return clip(f"{e.agent} {e.kind}{source}: {e.content}", width)
    if kind == "LLMCallCompleted":
        return clip(f"{e.model} {e.input_tokens}+{e.output_tokens} tok, {e.cache_status}: "
                    f"{e.response_text}", width)
    if kind == "LLMCallRequested":
        who = f" for {e.agent}" if e.agent else ""
        return clip(f"{e.model}{who} ({e.purpose}) key {e.request_key[:12]}", width)
    if kind == "RunStarted":
        return clip(f"{e.scenario_name} seed={e.seed} v{e.package_version}", width)
    if kind == "CommandIssued":
        args = ", ".join(f"{k}={v!r}" for k, v in e.arguments.items() if v not in (None, "", [], {}))
        return clip(f"{e.command}({args})", width)
    payload = e.payload()
    parts = [f"{k}={v}" for k, v in payload.items() if v not in (None, "", [], {})]
    return clip(" ".join(parts), width)


def event_line(rec: Recorded) -> str:
    """A rich-markup line for ``troupe-es log``."""
    style = _TYPE_STYLES.get(rec.type, "white")
    clock = rec.sim_time.strftime("%Y-%m-%d %H:%M") if rec.sim_time else "-"
    from rich.markup import escape

    return (f"[dim]{rec.position:>7}[/dim] [dim]{clock}[/dim] {escape(rec.stream):<16} "
            f"[{style}]{rec.type:<22}[/{style}] {escape(summarize(rec))}")


def transcript_line(rec: Recorded) -> str | None:
    """A chat-style line for the conversation view, or None for events that are not dialogue."""
    from rich.markup import escape

    e: Any = rec.event
    clock = rec.sim_time.strftime("%H:%M") if rec.sim_time else ""
    if e.type == "ActionTaken" and e.action in ("TALK", "THINK", "REACH_OUT"):
        if e.action == "THINK":
            return f"[dim]{clock}[/dim] [italic dim]{escape(e.agent)} thinks: {escape(e.content)}[/italic dim]"
        target = f" → {escape(e.target)}" if e.target else ""
        verb = "reaches out" if e.action == "REACH_OUT" else "says"
        return f"[dim]{clock}[/dim] [bold yellow]{escape(e.agent)}[/bold yellow]{target} {verb}: {escape(e.content)}"
    if e.type == "StimulusPerceived" and e.kind in ("listen", "see") and e.source in (None, "world", "narrator", "scenario"):
        return f"[dim]{clock}[/dim] [bold magenta]» {escape(e.agent)} {e.kind}s:[/bold magenta] {escape(e.content)}"
    if e.type in ("RunStarted", "RunCompleted", "RunFailed", "StepStarted"):
        return f"[dim]{clock}[/dim] [cyan]— {e.type} {escape(summarize(rec, 80))}[/cyan]"
    return None
