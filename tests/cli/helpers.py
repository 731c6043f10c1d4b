"""Run the real ``troupe-es`` entry point in a subprocess and capture what a user sees."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Callable


@dataclass
class Result:
    code: int
    out: str
    err: str


def cannot_override_file_modes() -> None:
    """``preexec_fn`` making the child a user whom file modes really bind.

    The tests run as root, which ignores file modes (``CAP_DAC_OVERRIDE``), so ``chmod 444`` alone
    proves nothing. Switching to ``nobody`` is no way out: the interpreter may live where only
    root can read (``/root/.pyenv``). Instead the child drops every capability from its bounding
    set before ``exec``: uid 0 then starts the new program with no capability at all, and the
    kernel checks file modes for it as for any owner (``r--`` on a 0444 file, ``r-x`` on a 0555
    directory), while it can still read everything root owns. A non-root user needs nothing."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    with open("/proc/sys/kernel/cap_last_cap") as fh:
        last = int(fh.read())
    for cap in range(last + 1):
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), f"cannot drop capability {cap}")


def troupe(*args: str, store: str | None = None, env: dict | None = None, cwd=None,
           input: str | None = None, timeout: float = 120,
           preexec_fn: Callable[[], None] | None = None) -> Result:
    """``troupe-es [--store URL] ARGS...`` as a subprocess (``preexec_fn`` runs in the child)."""
    argv = [sys.executable, "-m", "troupe_es"]
    if store:
        argv += ["--store", store]
    argv += list(args)
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(argv, capture_output=True, text=True, env=full_env, cwd=cwd,
                          input=input, timeout=timeout, preexec_fn=preexec_fn)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def troupe_in_process(*args: str, store: str | None = None) -> Result:
    """``troupe-es [--store URL] ARGS...`` called in this process through the console entry point
    (``main``), capturing what a user sees. Anything that escapes ``main`` — which a user would
    see as a traceback — is printed to ``err`` as one, and ``code`` is then ``None``."""
    import io
    import traceback
    from contextlib import redirect_stderr, redirect_stdout

    from troupe_es.cli import main

    argv = (["--store", store] if store else []) + list(args)
    out, err = io.StringIO(), io.StringIO()
    code: int | None = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # noqa: BLE001 - exactly what the test looks for
            traceback.print_exc(file=err)
            code = None
    return Result(code, out.getvalue(), err.getvalue())  # type: ignore[arg-type]


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
