"""The scenario's ``tools:`` section (docs/tools.md).

::

    tools:
      email: {}                                   # everyone holds the email tools
      database:
        personas: [Lisa]                          # only Lisa
        datasets: {sales: data/sales.csv}         # name -> CSV or parquet file
        row_limit: 50
      web_search: {search_corpus: corpus/, top_k: 3}
      calendar: {}
      word_processor: {timeout: 5s}
      custom:
        dice: {module: dice_tool.py}              # a Python file (or module) defining TOOLS
      chains:
        - name: search_and_write
          steps:
            - {tool: web_search}
            - {tool: document_write, feed: {content: text}, arguments: {document_title: Findings}}

Relative paths are relative to the scenario file. Loading resolves them (datasets and modules
become absolute paths) and reads the search corpus into the scenario, so ``RunStarted`` records
it and replay never reads the folder again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from troupe_es.errors import ScenarioError

CORE_KITS = ("email", "web_search", "database", "calendar", "word_processor")
CORPUS_SUFFIXES = (".md", ".txt", ".markdown", ".rst")
MAX_CORPUS_CHARS = 2_000_000


def _seconds(value: Any) -> float:
    from troupe_es.scenario.model import parse_duration

    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 0 < value <= 600:
            raise ValueError(f"timeout must be from 0 to 600 seconds, got {value!r}")
        return float(value)
    seconds = parse_duration(value).total_seconds()
    if seconds > 600:
        raise ValueError(f"timeout must be at most 10m, got {value!r}")
    return seconds


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KitSpec(_Spec):
    """What every tool kit accepts: who holds it (default: everyone) and a per-call timeout."""

    personas: list[str] | None = Field(default=None, description="Who holds the tools (default: everyone).")
    timeout: float = Field(default=10.0, description="Seconds (or a duration such as 5s) a call may take.")

    @field_validator("timeout", mode="before")
    @classmethod
    def _timeout(cls, value: Any) -> float:
        return _seconds(value)

    def holds(self, agent: str) -> bool:
        return self.personas is None or agent in self.personas


class CorpusDocument(_Spec):
    document_id: str
    title: str
    text: str


class WebSearchSpec(KitSpec):
    search_corpus: str | None = Field(default=None, description="A folder of .md/.txt files to search.")
    top_k: int = Field(default=3, ge=1, le=20)
    chunk_chars: int = Field(default=600, ge=100, le=10_000)
    embedder: Literal["wordllama", "hash"] = "wordllama"
    documents: list[CorpusDocument] = Field(default_factory=list, description="The corpus as read at load.")


class DatabaseSpec(KitSpec):
    datasets: dict[str, str] = Field(min_length=1, description="Table name -> CSV or parquet file.")
    row_limit: int = Field(default=100, ge=1, le=10_000)
    columns: dict[str, list[str]] = Field(default_factory=dict, description="Each dataset's columns, read at load.")

    @field_validator("datasets")
    @classmethod
    def _names(cls, value: dict[str, str]) -> dict[str, str]:
        import re

        for name, path in value.items():
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", name):
                raise ValueError(f"dataset name {name!r} must be an identifier (letters, digits, _)")
            if not str(path).lower().endswith((".csv", ".parquet")):
                raise ValueError(f"dataset {name!r}: {path!r} is neither a .csv nor a .parquet file")
        return value


class CustomSpec(KitSpec):
    module: str = Field(min_length=1, description="A .py file (relative to the scenario) or a module "
                                                  "path defining TOOLS, a list of Tool classes.")
    options: dict[str, Any] = Field(default_factory=dict, description="Passed to the tools as ctx.config.")


class ChainStepSpec(_Spec):
    tool: str = Field(min_length=1)
    arguments: dict[str, Any] = Field(default_factory=dict, description="Constant arguments.")
    feed: dict[str, str] = Field(default_factory=dict,
                                 description="Argument name -> field of the previous step's result.")


class ChainSpec(_Spec):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,47}$")
    description: str = ""
    personas: list[str] | None = None
    steps: list[ChainStepSpec] = Field(min_length=2, max_length=8)

    def holds(self, agent: str) -> bool:
        return self.personas is None or agent in self.personas


class ToolsSpec(_Spec):
    """The ``tools:`` section: which tool kits agents hold, with each kit's configuration."""

    email: KitSpec | None = None
    web_search: WebSearchSpec | None = None
    database: DatabaseSpec | None = None
    calendar: KitSpec | None = None
    word_processor: KitSpec | None = None
    custom: dict[str, CustomSpec] = Field(default_factory=dict)
    chains: list[ChainSpec] = Field(default_factory=list, max_length=32)
    max_calls_per_turn: int = Field(default=3, ge=1, le=10)

    @model_validator(mode="before")
    @classmethod
    def _true_means_on(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: ({} if v is True else v) for k, v in data.items() if v is not False}
        return data

    def kits(self) -> dict[str, KitSpec]:
        """Every configured kit by name (core kits first, then custom ones)."""
        out: dict[str, KitSpec] = {k: getattr(self, k) for k in CORE_KITS if getattr(self, k) is not None}
        out.update(self.custom)
        return out

    def agent_refs(self) -> list[tuple[str, str]]:
        """``(path, agent name)`` of every persona the section names (checked against the scenario)."""
        refs = [(f"tools.{k}.personas[{i}]", n) for k, spec in self.kits().items()
                for i, n in enumerate(spec.personas or ())]
        refs += [(f"tools.chains[{j}].personas[{i}]", n) for j, c in enumerate(self.chains)
                 for i, n in enumerate(c.personas or ())]
        return refs

    def resolved(self, base_dir: Path, where: str) -> "ToolsSpec":
        """Paths made absolute (and checked), the search corpus read in, chains type-checked."""
        updates: dict[str, Any] = {}
        if self.database is not None:
            datasets = {}
            for name, path in self.database.datasets.items():
                file = (base_dir / path).resolve()
                if not file.is_file():
                    raise ScenarioError(f"{where}: tools.database.datasets.{name}: no such file {str(file)!r}")
                datasets[name] = str(file)
            columns = {name: dataset_columns(path, f"{where}: tools.database.datasets.{name}")
                       for name, path in datasets.items()}
            updates["database"] = self.database.model_copy(update={"datasets": datasets, "columns": columns})
        if self.web_search is not None and self.web_search.search_corpus is not None:
            folder = (base_dir / self.web_search.search_corpus).resolve()
            docs = read_corpus(folder, where)
            updates["web_search"] = self.web_search.model_copy(update={"documents": docs})
        custom = {}
        for name, spec in self.custom.items():
            module = spec.module
            if module.endswith(".py"):
                file = (base_dir / module).resolve()
                if not file.is_file():
                    raise ScenarioError(f"{where}: tools.custom.{name}.module: no such file {str(file)!r}")
                module = str(file)
            custom[name] = spec.model_copy(update={"module": module})
        if custom:
            updates["custom"] = custom
        resolved = self.model_copy(update=updates)
        from troupe_es.tools.toolset import toolset_for

        toolset_for(resolved.model_dump(mode="json"), where=where)  # custom modules load, chains type-check
        return resolved


def dataset_columns(path: str, where: str) -> list[str]:
    """The column names of a CSV or parquet dataset (its schema only is read)."""
    import polars as pl

    try:
        lf = pl.scan_parquet(path) if path.lower().endswith(".parquet") else pl.scan_csv(path)
        return list(lf.collect_schema().names())
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the scenario's problem
        raise ScenarioError(f"{where}: cannot read {path!r}: {' '.join(str(exc).split())[:200]}") from None


def read_corpus(folder: Path, where: str) -> list[CorpusDocument]:
    """The ``.md``/``.txt`` files under ``folder``, in path order, as corpus documents."""
    if not folder.is_dir():
        raise ScenarioError(f"{where}: tools.web_search.search_corpus: no such folder {str(folder)!r}")
    docs: list[CorpusDocument] = []
    total = 0
    for file in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in CORPUS_SUFFIXES):
        text = file.read_text(encoding="utf-8", errors="replace")
        total += len(text)
        if total > MAX_CORPUS_CHARS:
            raise ScenarioError(f"{where}: tools.web_search.search_corpus: more than {MAX_CORPUS_CHARS} "
                                "characters of text; use a smaller folder")
        rel = file.relative_to(folder).as_posix()
        first = next((ln.strip("# ").strip() for ln in text.splitlines() if ln.strip()), rel)
        docs.append(CorpusDocument(document_id=rel, title=first[:120], text=text))
    if not docs:
        raise ScenarioError(f"{where}: tools.web_search.search_corpus: no .md or .txt file in {str(folder)!r}")
    return docs
