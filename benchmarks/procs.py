"""Whole-process measurements: `troupe-es` as a user runs it, and the mock LLM server as a process.

CPU is user + system time of a finished child (``getrusage(RUSAGE_CHILDREN)`` around it), wall
is the time the parent waited for it. Children get ``PYTHONDONTWRITEBYTECODE`` cleared, so after
a first run they load cached bytecode as an installed package does.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PERSONAS = ROOT / "examples" / "personas"
PANEL = ROOT / "examples" / "meal_kit_panel.yaml"
"""The 8-agent x 3-step example."""


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("TROUPE_ES_STORE", None)
    return env


def cli_command() -> list[str]:
    """The installed console script beside this interpreter, else the entry point via -c."""
    script = Path(sys.executable).with_name("troupe-es")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from troupe_es.cli import main; main()"]


@dataclass
class Measured:
    """One finished child process."""

    cpu: float
    wall: float
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        """The last stdout line parsed as JSON (``--json`` output)."""
        return json.loads(self.stdout.strip().splitlines()[-1])


def measure(argv: list[str]) -> Measured:
    """Run ``argv`` to completion; CPU and wall time of that one process (fails loudly)."""
    start = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    result = subprocess.run(argv, capture_output=True, text=True, env=child_env())
    wall = time.perf_counter() - t
    end = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr.strip()[-800:]}")
    cpu = (end.ru_utime - start.ru_utime) + (end.ru_stime - start.ru_stime)
    return Measured(cpu, wall, result.stdout, result.stderr)


def troupe(*args: str) -> Measured:
    """One whole ``troupe-es ARGS...`` process."""
    return measure([*cli_command(), *args])


@contextmanager
def mock_server(**options: Any) -> Iterator[str]:
    """``troupe-es mock-llm serve --port 0`` as a separate process (its CPU is not the client's);
    yields its base URL. Options become flags: ``latency_ms=200`` -> ``--latency-ms 200``."""
    argv = [*cli_command(), "mock-llm", "serve", "--port", "0"]
    for key, value in options.items():
        argv += [f"--{key.replace('_', '-')}", str(value)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env())
    try:
        line = proc.stdout.readline().strip() if proc.stdout else ""
        if not line.startswith("http"):
            raise SystemExit(f"mock server did not start: {line} {proc.stderr.read() if proc.stderr else ''}")
        yield line
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def scenario(path: Path, personas: list[Path | dict[str, Any]], steps: int, name: str,
             question: str = "What would make you buy a new breakfast cereal?") -> Path:
    """A scenario file: the personas (files or inline dicts), one broadcast, ``steps`` steps."""
    lines = [f"name: {name}", "seed: 1", "world: {name: Room, step: 15m}", "personas:"]
    for persona in personas:
        lines.append(f"  - file: {persona}" if isinstance(persona, Path) else f"  - {json.dumps(persona)}")
    lines += ["script:", f"  - broadcast: {json.dumps(question)}", f"  - run: {steps}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def extra_people(n: int) -> list[dict[str, Any]]:
    """``n`` small inline personas (for scenarios with more agents than persona files)."""
    return [{"name": f"Person {i}", "age": 20 + i, "occupation": {"title": "Tester"}} for i in range(n)]
