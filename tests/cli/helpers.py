"""Run the real ``troupe-es`` entry point in a subprocess and capture what a user sees."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass


@dataclass
class Result:
    code: int
    out: str
    err: str


def troupe(*args: str, store: str | None = None, env: dict | None = None, cwd=None,
           input: str | None = None, timeout: float = 120) -> Result:
    """``troupe-es [--store URL] ARGS...`` as a subprocess."""
    argv = [sys.executable, "-m", "troupe_es"]
    if store:
        argv += ["--store", store]
    argv += list(args)
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(argv, capture_output=True, text=True, env=full_env, cwd=cwd,
                          input=input, timeout=timeout)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def replay_with_changed_prompt(store: str, run_id: str) -> Result:
    """``troupe-es replay RUN --verify`` in a process whose turn prompt template was edited
    (one word dropped), the way a developer changing a prompt would see it."""
    code = (
        "import troupe_es.commands.turn as t\n"
        "t.INSTRUCTIONS = t.INSTRUCTIONS.replace('Stay fully in character', 'Stay in character')\n"
        "from troupe_es.cli import main\n"
        f"main(['--store', {store!r}, 'replay', {run_id!r}, '--verify'])\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return Result(proc.returncode, proc.stdout, proc.stderr)
