"""A rich progress bar fed by the bus: world steps and LLM calls as they are recorded."""

from __future__ import annotations

from typing import Any

from troupe_es.events import Recorded


class RunProgress:
    """Bus observer counting steps and LLM calls; draws a progress bar on stderr when enabled."""

    def __init__(self, *, total_steps: int, enabled: bool) -> None:
        self.total_steps = total_steps
        self.enabled = enabled
        self.steps = 0
        self.llm_calls = 0
        self.cache_hits = 0
        self._progress: Any = None
        self._steps_task: Any = None
        self._calls_task: Any = None

    def __enter__(self) -> "RunProgress":
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                      TimeElapsedColumn(), console=Console(stderr=True), transient=True)
            self._progress.start()
            self._steps_task = self._progress.add_task("steps", total=self.total_steps or None)
            self._calls_task = self._progress.add_task("LLM calls", total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def __call__(self, record: Recorded) -> None:
        kind = record.event.type
        if kind == "StepCompleted":
            self.steps += 1
            if self._progress is not None:
                self._progress.update(self._steps_task, completed=self.steps)
        elif kind in ("LLMCallCompleted", "LLMCallFailed"):
            self.llm_calls += 1
            if getattr(record.event, "cache_status", "miss") != "miss":
                self.cache_hits += 1
            if self._progress is not None:
                self._progress.update(self._calls_task, completed=self.llm_calls)
