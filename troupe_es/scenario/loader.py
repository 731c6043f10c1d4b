"""Loading a scenario file: YAML, validation, persona files and fragments, name checks.

Every problem becomes one :class:`ScenarioError` line naming the file, the field and the
problem, e.g. ``focus.yaml: script[2].tell.to: unknown agent 'Bob' (known: Lisa, Oscar)``.

A persona entry is either an inline persona or ``{file: PATH, fragments: [PATH, ...], ...}``:

- with ``file``: the file is the base, fragments merge onto it the TinyTroupe way, and any
  other inline field (``name: Lisa``) overrides the result (dicts recurse, values replace);
- without ``file``: the inline fields are the persona and ``fragments`` merge onto it.

Relative paths are relative to the scenario file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field

from troupe_es.errors import PersonaMergeError, ScenarioError
from troupe_es.limits import MAX_NESTING, MAX_PERSONAS, data_problem
from troupe_es.personas.files import (
    PersonaSpec,
    load_persona_file,
    merge_persona,
    override_persona,
    validate_persona,
    value_at,
)
from troupe_es.scenario.documents import split_persona_documents, with_persona_documents
from troupe_es.scenario.scenario import (
    ResolvedPersona,
    Scenario,
    ScenarioFields,
    check_bounds,
    check_names,
    validate,
)
from troupe_es.scenario.space import check_space, split_positions, with_map_content
from troupe_es.scenario.vision import load_images
from troupe_es.scenario.retail import check_retail, with_store_layout
from troupe_es.textfile import read_text_file

_REF_KEYS = ("file", "fragments")


class ScenarioFile(ScenarioFields):
    """A scenario file as written: personas are still inline dicts or file references."""

    personas: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_PERSONAS)


def _load(base_dir: Path, value: Any, where: str, path: str, what: str) -> tuple[str, PersonaSpec]:
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(f"{where}: {path}: expected a file path, got {value!r}")
    file = base_dir / value
    if not file.exists():
        raise ScenarioError(f"{where}: {path}: {what} file not found: {value}")
    try:
        return value, load_persona_file(file)
    except ScenarioError as exc:
        detail = str(exc)
        detail = value + detail[len(str(file)):] if detail.startswith(str(file)) else detail
        raise ScenarioError(f"{where}: {path}: {detail}") from None


def _owner(layers: list[tuple[str, dict[str, Any]]], field: str, current: Any) -> str:
    """The source that set ``field`` to ``current`` (the last one that holds that value)."""
    for source, data in reversed(layers):
        if value_at(data, field) == current:
            return source
    return layers[0][0] if layers else "the persona"


def resolve_persona(entry: dict[str, Any], index: int, where: str, base_dir: Path) -> ResolvedPersona:
    """Load, merge and validate one ``personas[i]`` entry."""
    path = f"personas[{index}]"
    fragments = entry.get("fragments") or []
    if not isinstance(fragments, list):
        raise ScenarioError(f"{where}: {path}.fragments: expected a list of fragment files")
    inline = {k: v for k, v in entry.items() if k not in _REF_KEYS}
    sources: list[str] = []
    layers: list[tuple[str, dict[str, Any]]] = []
    spec: dict[str, Any] = {}
    if "file" in entry:
        source, loaded = _load(base_dir, entry["file"], where, f"{path}.file", "persona")
        if loaded.is_fragment:
            raise ScenarioError(f"{where}: {path}.file: {source} is a fragment; list it under fragments")
        spec = loaded.persona
        sources.append(source)
        layers.append((source, spec))
    elif inline:
        spec = inline
        layers.append(("the inline persona", inline))
    for j, fragment in enumerate(fragments):
        source, loaded = _load(base_dir, fragment, where, f"{path}.fragments[{j}]", "fragment")
        if loaded.kind == "TinyPerson":
            raise ScenarioError(f"{where}: {path}.fragments[{j}]: {source} is an agent file, not a fragment")
        try:
            spec = merge_persona(spec, loaded.persona, where=f"{where}: {path}.fragments[{j}]")
        except PersonaMergeError as exc:
            owner = _owner(layers, exc.field or "", exc.current)
            raise PersonaMergeError(f"{exc}; {exc.current!r} is from {owner}, {exc.value!r} from {source}",
                                    field=exc.field, current=exc.current, value=exc.value) from None
        sources.append(source)
        layers.append((source, loaded.persona))
    if "file" in entry and inline:
        spec = override_persona(spec, inline)
    persona = validate_persona(spec, where=where, prefix=path)
    return ResolvedPersona(persona.name, persona.to_spec(), tuple(sources))


def resolve(data: Any, where: str, base_dir: Path) -> Scenario:
    """Validate parsed YAML, resolve its personas and check every agent name and bound."""
    problem = data_problem(data)
    if problem is not None:
        raise ScenarioError(f"{where}: {problem[0] or 'scenario'}: {problem[1]}")
    data, images = load_images(data, where, base_dir)
    data = with_store_layout(data, where, base_dir)
    raw = validate(ScenarioFile, data, where)
    entries, own_documents = split_persona_documents(raw.personas)
    personas = tuple(resolve_persona(entry, i, where, base_dir) for i, entry in enumerate(entries))
    raw = with_map_content(raw, where, base_dir)
    raw, personas = split_positions(raw, personas, where)
    fields = {name: getattr(raw, name) for name in ScenarioFields.model_fields}
    if raw.tools is not None:  # paths resolved, the search corpus read in, chains type-checked
        fields["tools"] = raw.tools.resolved(base_dir, where)
    fields["documents"] = with_persona_documents(raw.documents, own_documents, personas, where, base_dir)
    scenario = Scenario(**fields, personas=personas, path=where, images=images)
    check_names(scenario, where)
    check_bounds(scenario, where)
    check_space(scenario, where)
    check_retail(scenario, where)
    return scenario


def _yaml_loader() -> type:
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):
        """A safe loader that refuses duplicate keys (PyYAML silently keeps the last one)."""

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # "<<: *anchor" keys may be overridden by the mapping's own keys
            key = loader.construct_object(key_node, deep=deep)
            if not isinstance(key, (str, int, float, bool)):
                continue
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}",
                                                        key_node.start_mark)
            seen.add(key)
        return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)

    def construct_object(self: yaml.SafeLoader, node: yaml.Node, deep: bool = False) -> Any:
        # PyYAML's constructors raise plain Python errors for values they cannot build
        # (2026-02-30, `!!int x`, `!!bool x`, `!!map x`): name the line and the value instead.
        try:
            return yaml.SafeLoader.construct_object(self, node, deep=deep)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError) as exc:
            kind = {"timestamp": "date"}.get(node.tag.rsplit(":", 1)[-1], node.tag.rsplit(":", 1)[-1])
            value = f" {node.value!r}" if isinstance(node.value, str) else ""
            reason = f": {exc}" if isinstance(exc, (ValueError, OverflowError)) else ""
            raise yaml.constructor.ConstructorError(None, None, f"invalid {kind}{value}{reason}",
                                                    node.start_mark) from None

    UniqueKeyLoader.construct_object = construct_object  # type: ignore[method-assign]
    UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return UniqueKeyLoader


def parse_yaml(text: str, where: str) -> Any:
    """Parse YAML text; a syntax error is one line: ``WHERE: line N: YAML syntax error: ...``."""
    import yaml

    try:
        return yaml.load(text, Loader=_yaml_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problem = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        kind = "YAML error" if isinstance(exc, yaml.constructor.ConstructorError) else "YAML syntax error"
        raise ScenarioError(f"{where}: {line}{kind}: {problem}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{where}: YAML syntax error: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise ScenarioError(f"{where}: nested more than {MAX_NESTING} levels deep") from None


def load_scenario(path: str | Path) -> Scenario:
    """Read, validate and resolve a scenario file; :class:`ScenarioError` (one line) on any problem."""
    p = Path(path)
    where = str(path)
    data = parse_yaml(read_text_file(p, "scenario"), where)
    if data is None:
        raise ScenarioError(f"{where}: the scenario file is empty")
    return resolve(data, where, p.parent)
