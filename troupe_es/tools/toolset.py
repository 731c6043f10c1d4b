"""A run's toolset: the tools its scenario's ``tools:`` section switches on (core kits, custom
modules, chains), who holds which, and each tool's configuration. Built from the recorded
configuration, so replay, resume and fork get exactly the tools the run had."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from dataclasses import dataclass
from typing import Any

from troupe_es.errors import ConfigurationError, ScenarioError, ToolChainError
from troupe_es.tools.base import Tool
from troupe_es.tools.chain import Chain, chain, step
from troupe_es.tools.registry import ToolRegistry, check_tool, core_registry, instance

_CACHE: dict[str, "Toolset"] = {}
_BY_ID: dict[int, tuple[Any, Any, "Toolset"]] = {}
_CORE: ToolRegistry | None = None


@dataclass(frozen=True)
class Toolset:
    """The tools of one run."""

    tools: dict[str, Tool]
    kit_of: dict[str, str]
    kits: dict[str, dict[str, Any]]  # kit (or "chain:NAME") -> its configuration
    max_calls: int = 3

    def held_by(self, agent: str) -> list[Tool]:
        """The tools ``agent`` holds, in registration order."""
        out = []
        for name, tool in self.tools.items():
            personas = self.kits[self.kit_of[name]].get("personas")
            if personas is None or agent in personas:
                out.append(tool)
        return out

    def config_of(self, tool: str) -> dict[str, Any]:
        """The configuration ``tool`` runs with (a chain step outside the toolset: its chain's)."""
        return self.kits.get(self.kit_of.get(tool, ""), {})

    def timeout_of(self, tool: str) -> float:
        return float(self.config_of(tool).get("timeout") or 10.0)


def load_module_tools(module: str) -> list[Any]:
    """The ``TOOLS`` list of a Python file or module (tool classes, or chains built in Python)."""
    try:
        if module.endswith(".py"):
            name = "troupe_es_user_tools_" + hashlib.sha256(module.encode()).hexdigest()[:12]
            loaded = sys.modules.get(name)
            if loaded is None:
                spec = importlib.util.spec_from_file_location(name, module)
                if spec is None or spec.loader is None:
                    raise ConfigurationError(f"cannot load {module}")
                loaded = importlib.util.module_from_spec(spec)
                sys.modules[name] = loaded
                try:
                    spec.loader.exec_module(loaded)
                except BaseException:
                    sys.modules.pop(name, None)
                    raise
        else:
            loaded = importlib.import_module(module)
    except ConfigurationError:
        raise
    except Exception as exc:  # noqa: BLE001 - a user's module: any import error is reported in one line
        raise ConfigurationError(f"tool module {module}: {type(exc).__name__}: {exc}") from None
    tools = getattr(loaded, "TOOLS", None)
    if not tools:
        raise ConfigurationError(f"tool module {module} defines no TOOLS list")
    for tool in tools:
        check_tool(tool)
    return list(tools)


def build_toolset(config: dict[str, Any], registry: ToolRegistry | None = None) -> Toolset:
    """The toolset of a recorded ``tools:`` configuration (see :mod:`troupe_es.tools.config`)."""
    from troupe_es.tools.config import CORE_KITS

    registry = (registry or core()).copy()
    for kit, spec in (config.get("custom") or {}).items():
        registry.register(kit, load_module_tools(spec["module"]))
    tools: dict[str, Tool] = {}
    kit_of: dict[str, str] = {}
    kits: dict[str, dict[str, Any]] = {}
    enabled = [(k, config[k]) for k in CORE_KITS if config.get(k) is not None]
    enabled += [(k, {**spec, **(spec.get("options") or {})}) for k, spec in (config.get("custom") or {}).items()]
    for kit, spec in enabled:
        kits[kit] = dict(spec)
        for cls in registry.kits[kit]:
            if cls.name in tools:
                raise ConfigurationError(f"tool {cls.name!r} is in two kits")
            tools[cls.name], kit_of[cls.name] = instance(cls), kit
    for i, spec in enumerate(config.get("chains") or ()):
        steps = []
        for j, s in enumerate(spec["steps"]):
            tool = tools.get(s["tool"])
            if tool is None:
                raise ToolChainError(f"chains[{i}] ({spec['name']}): step {j + 1}: tool {s['tool']!r} is not "
                                     f"switched on (available: {', '.join(tools) or 'none'})")
            steps.append(step(tool, arguments=s.get("arguments"), feed=s.get("feed")))
        made = chain(spec["name"], steps, spec.get("description") or "")
        if made.name in tools:
            raise ToolChainError(f"chains[{i}]: {made.name!r} is already a tool's name")
        key = f"chain:{made.name}"
        tools[made.name], kit_of[made.name] = made, key
        timeout = sum(float(kits[kit_of[s.tool.name]].get("timeout") or 10.0) for s in made.steps)
        kits[key] = {"personas": spec.get("personas"), "timeout": timeout}
    return Toolset(tools, kit_of, kits, int(config.get("max_calls_per_turn") or 3))


def core() -> ToolRegistry:
    global _CORE
    if _CORE is None:
        _CORE = core_registry()
    return _CORE


def toolset_for(config: dict[str, Any], registry: ToolRegistry | None = None, *, where: str | None = None) -> Toolset:
    """The (cached) toolset of a configuration; with ``where``, problems are ScenarioErrors."""
    from troupe_es.events.canonical import canonical_json

    same = _BY_ID.get(id(config))
    if same is not None and same[0] is config and same[1] is registry:
        return same[2]
    key = canonical_json(config) + f"|{id(registry)}"
    found = _CACHE.get(key)
    if found is not None:
        _remember(config, registry, found)
        return found
    try:
        made = build_toolset(config, registry)
    except (ConfigurationError, ToolChainError) as exc:
        if where is None:
            raise
        raise ScenarioError(f"{where}: tools: {exc}") from None
    if len(_CACHE) > 64:
        _CACHE.clear()
    _CACHE[key] = made
    _remember(config, registry, made)
    return made


def _remember(config: dict[str, Any], registry: ToolRegistry | None, toolset: Toolset) -> None:
    """Cache by identity too: a run's state holds one configuration object, looked up every turn."""
    if len(_BY_ID) > 64:
        _BY_ID.clear()
    _BY_ID[id(config)] = (config, registry, toolset)  # the config is kept alive: its id stays unique


__all__ = ["Chain", "Toolset", "build_toolset", "load_module_tools", "toolset_for"]
