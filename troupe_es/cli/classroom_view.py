"""Rendering a classroom for ``troupe-es state``: the floor, raised hands, questions and each
person's counts and engagement (docs/environments.md, "Classroom")."""

from __future__ import annotations

from rich.table import Table

from troupe_es.domain import RunState


def classroom_tables(state: RunState) -> list[tuple[str, Table]]:
    """``(title, table)`` per classroom world."""
    from troupe_es.projections.classroom import class_report, classrooms

    out = []
    for world in classrooms(state):
        r = class_report(state, world)
        table = Table(box=None, pad_edge=False)
        for column in ("person", "role", "remarks", "whispers", "hands", "asked", "answered", "floor", "engagement"):
            table.add_column(column)
        for name, p in r["people"].items():
            table.add_row(name, p["role"], *(str(p[k]) for k in ("remarks", "whispers", "hands", "asked", "answered",
                                                                  "floor")), f"{p['engagement']:.2f}")
        q = r["questions"]
        hands = ", ".join(h["student"] for h in r["hands"]) or "none"
        title = (f"classroom {world}: segment {r['segment']}/{len(r['segments'])}, floor {r['floor']}, hands up: "
                 f"{hands}; questions {q['asked']} asked, {q['answered']} answered; engagement {r['engagement']:.2f}")
        out.append((title, table))
    return out
