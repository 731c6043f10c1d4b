"""``troupe-es debug``: the interactive time-travel debugger (REPL, ``--commands``, piped stdin)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator

import click

from troupe_es.cli.context import CliContext, console, pass_cli

HISTORY_FILE = os.path.join(os.path.expanduser("~"), ".troupe_es_debug_history")


def split_commands(text: str) -> list[str]:
    """Commands separated by ``;`` or newlines (blank ones and ``#`` comments dropped)."""
    parts = (p.strip() for line in text.splitlines() for p in line.split(";"))
    return [p for p in parts if p and not p.startswith("#")]


def _interactive_lines(prompt: Callable[[], str]) -> Iterator[str]:
    """Lines typed at a prompt with history (prompt_toolkit when installed, else readline)."""
    try:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory

        session: PromptSession = PromptSession(history=FileHistory(HISTORY_FILE))

        def read() -> str:
            return session.prompt(prompt())
    except ImportError:  # pragma: no cover - depends on the environment
        try:
            import readline

            if os.path.exists(HISTORY_FILE):
                readline.read_history_file(HISTORY_FILE)
            import atexit

            atexit.register(readline.write_history_file, HISTORY_FILE)
        except (ImportError, OSError):
            pass

        def read() -> str:
            return input(prompt())
    while True:
        try:
            yield read()
        except EOFError:
            return
        except KeyboardInterrupt:
            continue


@click.command()
@click.argument("run")
@click.option("--commands", "-c", "script", default=None, metavar="CMDS",
              help='Run these commands (separated by ";") and exit, e.g. "goto 120; state Lisa".')
@pass_cli
def debug(cli: CliContext, run: str, script: str | None) -> None:
    """Time-travel debugger over RUN's log. A cursor moves through the run (goto, step, back,
    next/prev TYPE, break TYPE [agent=A], continue, reverse-continue) and shows what was true
    there (state [AGENT], diff P Q, where, why, who-changed AGENT FIELD, llm). Type help inside.

    Interactive on a terminal (with history); with --commands or piped stdin the commands run
    one after another, each echoed, and the exit code is 1 if any of them failed."""
    from troupe_es.cli.debugger import Debugger

    store = cli.reader
    run_id = store.resolve_run(run)
    interactive = script is None and sys.stdin.isatty()
    out = console()
    debugger = Debugger(store, run_id, plain=not sys.stdout.isatty())
    if interactive:
        out.print(f"[bold]troupe-es debugger[/bold] on run {run_id} (positions {debugger.first}.."
                  f"{debugger.last}); type [bold]help[/bold], [bold]quit[/bold] to leave.")
        lines: Iterable[str] = _interactive_lines(lambda: f"(debug @{debugger.cursor}) ")
    else:
        lines = split_commands(script if script is not None else sys.stdin.read())
    failures = run_session(debugger, lines, out, echo=not interactive)
    if failures and not interactive:
        sys.exit(1)


def run_session(debugger, lines: Iterable[str], out, *, echo: bool) -> int:  # noqa: ANN001
    """Execute ``lines`` one by one; errors print one line and the session goes on. Returns the
    number of failed commands."""
    from rich.markup import escape

    from troupe_es.cli.debugger import Quit
    from troupe_es.errors import TroupeError

    failures = 0
    for line in lines:
        if not line.strip():
            continue
        if echo:
            out.print(f"[dim](debug @{debugger.cursor})[/dim] [bold]{escape(line.strip())}[/bold]")
        try:
            result = debugger.execute(line)
        except Quit:
            break
        except TroupeError as exc:
            failures += 1
            message = " ".join(str(exc).split()) or type(exc).__name__
            out.print(f"[red]error:[/red] {escape(message)}")
            continue
        if result is not None:
            out.print(result)
    return failures
