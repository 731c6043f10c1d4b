"""Generate ``docs/events.md``, the event catalogue, from the union's JSON schema.

Run ``python -m troupe_es.events.catalogue > docs/events.md`` after changing an event; a test
fails while the committed catalogue is stale. The catalogue is the project's real API.
"""

from __future__ import annotations

import json
from typing import Any

from troupe_es.events import EVENT_ADAPTER, event_classes
from troupe_es.events.base import VOLATILE_MARK

HEADER = """# Event catalogue

Generated from the events' JSON schema by `python -m troupe_es.events.catalogue > docs/events.md`;
do not edit by hand (a test fails when this file is stale).

Every stored event has an envelope assigned by the store: `position` (global order), `run_id`,
`stream`, `stream_version`, `event_id`, `causation_id`, `sim_time` (simulated clock),
`recorded_at` (wall clock), `content_hash` and `chain_hash`. The payload fields below are the
event's own. Fields marked *volatile* are measurements or execution settings: stored, shown by the
audit, but left out of `content_hash`, so a live run, its cached rerun and its replay hash alike.
"""


def _type_text(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " \\| ".join(_type_text(s, defs) for s in schema["anyOf"])
    if "enum" in schema:
        return " \\| ".join(json.dumps(v) for v in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list[{_type_text(schema.get('items', {}), defs)}]"
    if kind == "object":
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            return f"dict[str, {_type_text(extra, defs)}]"
        return "object"
    if schema.get("format") == "date-time":
        return "datetime (UTC)"
    return str(kind)


def _default_text(prop: dict[str, Any], required: bool) -> str:
    if required:
        return "required"
    if "default" in prop:
        return f"`{json.dumps(prop['default'])}`"
    return "optional"


def render() -> str:
    """The whole catalogue as Markdown."""
    schema = EVENT_ADAPTER.json_schema()
    defs = schema.get("$defs", {})
    classes = event_classes()
    out = [HEADER]
    out.append("| event | schema version | summary |\n|---|---|---|")
    for name in sorted(classes):
        doc = " ".join((classes[name].__doc__ or "").strip().split("\n\n")[0].split())
        out.append(f"| [{name}](#{name.lower()}) | {classes[name].schema_version} | {doc} |")
    for name in sorted(classes):
        cls = classes[name]
        d = defs.get(name, {})
        out.append(f"\n## {name}\n")
        out.append(" ".join((cls.__doc__ or "").split()))
        out.append(f"\nSchema version {cls.schema_version}.\n")
        required = set(d.get("required", []))
        rows = []
        for field, prop in d.get("properties", {}).items():
            if field == "type":
                continue
            volatile = " *volatile*" if prop.get(VOLATILE_MARK) else ""
            desc = " ".join(str(prop.get("description", "")).split())
            rows.append(f"| `{field}`{volatile} | {_type_text(prop, defs)} | "
                        f"{_default_text(prop, field in required)} | {desc} |")
        if rows:
            out.append("| field | type | default | description |\n|---|---|---|---|")
            out.extend(rows)
    nested = sorted(k for k in defs if k not in classes)
    for name in nested:
        d = defs[name]
        out.append(f"\n### {name} (nested)\n")
        out.append(" ".join(str(d.get("description", "")).split()))
        out.append("\n| field | type | default |\n|---|---|---|")
        required = set(d.get("required", []))
        for field, prop in d.get("properties", {}).items():
            out.append(f"| `{field}` | {_type_text(prop, defs)} | {_default_text(prop, field in required)} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover - exercised by the stale-catalogue test
    import sys

    sys.stdout.write(render())
