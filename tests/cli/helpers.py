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
