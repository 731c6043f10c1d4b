"""Heads kept elsewhere: export what ``verify`` found, and compare a store with such a file later.

Anyone who can write to the database can roll it back to an earlier state, or (without a signing
key) re-forge it consistently. Heads exported to another place after a verification (like a
signed tree head) catch that: a run missing, shorter than when it was exported, or whose chain
no longer passes through the exported last chain hash is reported by run id. A run may have
grown since the export (appends continue its chain), unless it was sealed then.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from troupe_es.errors import ConfigurationError
from troupe_es.verification import Problem, RunCheck, VerifyReport

FORMAT = "troupe-es heads v1"


def heads_document(report: VerifyReport, store_url: str) -> dict[str, Any]:
    """The heads of every verified run, as a JSON-ready document."""
    runs = [{"run_id": d.run_id, "events": d.events, "last_position": d.last_position,
             "last_chain": d.last_chain, "mode": d.mode, "sealed": d.sealed}
            for d in report.details if d.events]
    return {"format": FORMAT, "store": store_url, "exported_at": datetime.now(timezone.utc).isoformat(),
            "events": sum(r["events"] for r in runs), "runs": runs}


def write_heads(path: Path, report: VerifyReport, store_url: str) -> None:
    """Write :func:`heads_document` to ``path`` (replacing it whole, never half-written)."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(json.dumps(heads_document(report, store_url), indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise ConfigurationError(f"cannot write heads to {path}: {exc.strerror}") from exc


def read_heads(path: Path) -> dict[str, dict[str, Any]]:
    """The exported heads in ``path`` by run id; a clear error when it is not such a file."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != FORMAT:
            raise ValueError(f"format is not {FORMAT!r}")
        heads = {}
        for run in document["runs"]:
            heads[str(run["run_id"])] = {"events": int(run["events"]), "last_position": int(run["last_position"]),
                                         "last_chain": str(run["last_chain"]), "sealed": bool(run["sealed"])}
        return heads
    except OSError as exc:
        raise ConfigurationError(f"cannot read heads file {path}: {exc.strerror}") from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigurationError(f"{path} is not a heads file written by troupe-es verify --export-heads: "
                                 f"{exc}") from exc


def marks(heads: dict[str, dict[str, Any]]) -> dict[str, int]:
    """The position of each exported run whose chain hash ``verify`` must report."""
    return {run_id: head["last_position"] for run_id, head in heads.items()}


def compare(heads: dict[str, dict[str, Any]], details: Iterable[RunCheck]) -> list[Problem]:
    """What differs between exported heads and a verification walked with their :func:`marks`."""
    found = {d.run_id: d for d in details if d.events}
    problems = []
    for run_id, head in heads.items():
        now = found.get(run_id)
        where = f"{_events(head['events'])} up to position {head['last_position']}"
        if now is None:
            problems.append(Problem(f"run {run_id} is missing (exported with {where})", run_id))
        elif now.events < head["events"]:
            problems.append(Problem(f"run {run_id} is shorter than exported: {_events(now.events)} up to "
                                    f"position {now.last_position}, exported with {where}", run_id))
        elif now.mark != (head["last_chain"], head["events"]):
            problems.append(Problem(f"run {run_id} differs from the exported heads: its chain does not pass "
                                    f"through the exported last chain hash at position {head['last_position']}",
                                    run_id, head["last_position"]))
        elif head["sealed"] and now.events > head["events"]:
            problems.append(Problem(f"run {run_id} was sealed when exported ({where}) but now has "
                                    f"{_events(now.events)}", run_id))
    return problems


def _events(n: int) -> str:
    return f"{n} event" if n == 1 else f"{n} events"
