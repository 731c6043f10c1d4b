"""``troupe-es tools``: the tools agents can hold, with their argument schemas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from troupe_es.cli.context import console, echo_json, json_option


def _signature(schema: dict[str, Any]) -> str:
    props = schema.get("properties", {})
    required = set(schema.get("required", ()))
    parts = []
    for name, prop in props.items():
        kind = prop.get("type") or ("|".join(o.get("type", "?") for o in prop.get("anyOf", ())) or "object")
        parts.append(f"{name}: {kind}" + ("" if name in required else "?"))
    return ", ".join(parts)


@click.command()
@click.option("--scenario", "scenario_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also list this scenario's custom tools and chains, with who holds each.")
@json_option
def tools(scenario_path: Path | None, as_json: bool) -> None:
    """List the tools agents can hold: kit, name, description, what it may touch and its arguments
    (with --json: the argument and result JSON schemas). A scenario switches kits on in its
    `tools:` section (docs/tools.md)."""
    from troupe_es.bootstrap import TOOL_REGISTRY

    rows = TOOL_REGISTRY.describe()
    for row in rows:
        row["held_by"] = None
    if scenario_path is not None:
        from troupe_es.scenario import load_scenario
        from troupe_es.tools.toolset import toolset_for

        scenario = load_scenario(scenario_path)
        if scenario.tools is None:
            raise click.ClickException(f"{scenario_path}: the scenario has no tools: section")
        toolset = toolset_for(scenario.tools.model_dump(mode="json"), TOOL_REGISTRY)
        rows = []
        for name, tool in toolset.tools.items():
            kit = toolset.kit_of[name]
            rows.append({"kit": kit, **tool.describe(), "held_by": toolset.kits[kit].get("personas")})
    if as_json:
        echo_json({"tools": rows})
        return
    from rich.table import Table

    table = Table(title="troupe-es tools", show_lines=False)
    for column in ("kit", "tool", "arguments", "touches", "description"):
        table.add_column(column, overflow="fold")
    for row in rows:
        held = row.get("held_by")
        description = row["description"] + (f" (held by {', '.join(held)})" if held else "")
        table.add_row(row["kit"], row["name"], _signature(row["arguments"]), ", ".join(row["capabilities"]),
                      description)
    console().print(table)
