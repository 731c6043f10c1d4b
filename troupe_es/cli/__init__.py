"""The ``troupe-es`` command line: a click group whose subcommands load lazily.

``troupe-es --help`` imports only click and this module; each subcommand's module (and the heavy
libraries it needs: pydantic, SQLAlchemy, polars, openai, lancedb) is imported when it runs.
Any :class:`~troupe_es.errors.TroupeError` becomes one line on stderr and exit code 1 (3 for
replay divergence and failed verification), never a traceback; a usage error (an unknown option,
a value out of range) is one line too, with exit code 2.
"""

from __future__ import annotations

from troupe_es.cli import uptime  # noqa: F401 - first, so process time counts every import

import gc
import importlib
import importlib.util
import os
import sys

import click

from troupe_es.cli.context import STORE_ENV, CliContext

# name -> (module, attribute, one-line help). The help lives here so `--help` imports nothing.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "run": ("troupe_es.cli.run_cmd", "run", "Run a scenario file and print the new run id."),
    "runs": ("troupe_es.cli.runs_cmd", "runs", "List runs: id, scenario, status, events, calls, tokens, cost."),
    "log": ("troupe_es.cli.log_cmd", "log", "Show a run's events (filter, range, follow)."),
    "verify": ("troupe_es.cli.verify_cmd", "verify", "Check hashes, hash chains and heads; exit 3 on tampering."),
    "audit": ("troupe_es.cli.audit_cmd", "audit", "Every LLM call of a run: model, tokens, latency, cost, cache."),
    "replay": ("troupe_es.cli.replay_cmd", "replay", "Re-execute a run against its recorded LLM answers."),
    "fork": ("troupe_es.cli.fork_cmd", "fork", "Continue a run from a position as a new run."),
    "resume": ("troupe_es.cli.resume_cmd", "resume", "Continue a run that crashed, failed or was interrupted."),
    "state": ("troupe_es.cli.state_cmd", "state", "Agent and world state at a position."),
    "diff": ("troupe_es.cli.diff_cmd", "diff", "What changed between two positions of a run."),
    "debug": ("troupe_es.cli.debug_cmd", "debug", "Interactive time-travel debugger over a run."),
    "projections": ("troupe_es.cli.projections_cmd", "projections", "List, inspect and rebuild projections."),
    "export": ("troupe_es.cli.export_cmd", "export", "Export a run's events as JSON lines or parquet."),
    "memory": ("troupe_es.cli.memory_cmd", "memory", "Memory statistics, growth plot and search of a run."),
    "graph": ("troupe_es.cli.graph_cmd", "graph", "The knowledge graph of a run as it was at a position."),
    "classroom": ("troupe_es.cli.classroom_cmd", "classroom", "A classroom's floor, hands, questions and engagement at a position."),
    "space": ("troupe_es.cli.space_cmd", "space", "A grid world's map with its agents at a position."),
    "emotions": ("troupe_es.cli.emotions_cmd", "emotions", "Emotion (PAD) trajectories of a run, with a plot."),
    "documents": ("troupe_es.cli.documents_cmd", "documents", "The documents a run was given, and who is grounded."),
    "market": ("troupe_es.cli.market_cmd", "market", "Order books, balances and inventories of a run's market."),
    "retail": ("troupe_es.cli.retail_cmd", "retail", "A store run: shoppers, dwell per zone, shelf traffic, heatmap."),
    "mock-llm": ("troupe_es.cli.mock_llm_cmd", "mock_llm", "The deterministic OpenAI-compatible mock LLM."),
    "tools": ("troupe_es.cli.tools_cmd", "tools", "The tools agents can hold, with their argument schemas."),
}


def _available(name: str) -> bool:
    module = COMMANDS[name][0]
    return importlib.util.find_spec(module) is not None


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when that subcommand is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if _available(name))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name, attribute, _ = COMMANDS[cmd_name]
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                return None
            raise
        return getattr(module, attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", "store_url", envvar=STORE_ENV, default="sqlite:///troupe.db",
              show_default=True, metavar="URL",
              help=f"Event store: sqlite:///FILE, postgresql+psycopg://USER@HOST/DB or memory:// "
                   f"(env {STORE_ENV}).")
@click.option("--init-store", is_flag=True,
              help="Add the troupe-es tables to an SQLite database that already holds other tables "
                   "(refused without this flag).")
@click.version_option(package_name="troupe-es", prog_name="troupe-es")
@click.pass_context
def cli(ctx: click.Context, store_url: str, init_store: bool) -> None:
    """troupe-es: event-sourced LLM persona simulations.

    Every perception, action and LLM call is an immutable event: replay runs at zero LLM cost,
    travel in time, fork runs and audit every call.
    """
    ctx.obj = CliContext(store_url=store_url, init_store=init_store)
    ctx.call_on_close(ctx.obj.close)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI, turning troupe-es errors into one line and an exit code."""
    try:
        _main(argv)
    finally:
        # The process is about to end: move every object into the permanent generation so the
        # interpreter's last collection does not walk them all (about a third of a short run's
        # CPU otherwise). Finalizers, atexit handlers and thread joins still run as usual.
        gc.freeze()


def _main(argv: list[str] | None) -> None:
    try:
        cli.main(args=argv, prog_name="troupe-es", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        # One line, like every other error: the problem, and for a usage error where to look.
        message = " ".join(exc.format_message().split())
        ctx = getattr(exc, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if isinstance(exc, click.UsageError) and ctx else ""
        click.echo(f"error: {message}{hint}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        # `troupe-es log RUN | head`: stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except Exception as exc:  # noqa: BLE001 - the one place errors become exit codes
        from troupe_es.errors import TroupeError

        if isinstance(exc, TroupeError):
            message = " ".join(str(exc).split()) or type(exc).__name__
            click.echo(f"error: {message}", err=True)
            sys.exit(exc.exit_code)
        raise
    sys.exit(0)
