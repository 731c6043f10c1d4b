"""The knowledge graph read model: a pure fold over ``FactsExtracted`` (zero LLM calls), as a
``networkx.MultiDiGraph`` and in JSON, GraphML, DOT and HTML.

Time travel is "fold up to position P": the graph as the run knew it then. ``when`` filters
edges by *simulated* validity (``valid_from <= when < valid_to``). networkx is imported lazily.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from typing import Any

from troupe_es.domain.knowledge import Edge, KnowledgeGraph, fold_graph, known, normalise
from troupe_es.projections.fold import Fold

TYPES = frozenset({"FactsExtracted"})

KNOWLEDGE: Fold[KnowledgeGraph] = Fold(
    "knowledge", KnowledgeGraph, lambda graph, rec: graph.apply(rec), TYPES,
    "The temporal knowledge graph: entities (aliases merged) and edges valid in simulated time.")


def knowledge_graph(store: Any, run_id: str, at: int | None = None) -> KnowledgeGraph:
    """The graph of ``run_id`` folded from its log up to position ``at`` (default: the end)."""
    return fold_graph(store.read(run_id=run_id, types=sorted(TYPES), until_position=at))


def to_networkx(graph: KnowledgeGraph, *, agent: Any = ..., when: Any = ...) -> Any:
    """A ``networkx.MultiDiGraph``: nodes keyed by normalised name (``name``, ``aliases``),
    edges keyed by fact id with ``predicate``, ``agent``, ``valid_from``, ``valid_to``,
    ``evidence``. ``agent``/``when`` filter as :func:`~troupe_es.domain.knowledge.known`."""
    import networkx as nx

    g = nx.MultiDiGraph()
    edges = [e for e in graph.edges.values() if known(e, agent, when)]
    keys = set(graph.nodes) if agent is ... and when is ... else {k for e in edges for k in (e.subject, e.object)}
    for key, node in graph.nodes.items():
        if key in keys:
            g.add_node(key, name=node.name, aliases=list(node.aliases))
    for e in edges:
        g.add_edge(e.subject, e.object, key=e.id, **{k: v for k, v in e.to_dict().items()
                                                      if k not in ("id", "subject", "object")})
    return g


def edge_view(graph: KnowledgeGraph, e: Edge) -> dict[str, Any]:
    """An edge with its ends' display names."""
    return {**e.to_dict(), "subject_name": graph.nodes[e.subject].name, "object_name": graph.nodes[e.object].name}


def neighbours(graph: KnowledgeGraph, entity: str, *, agent: Any = ..., when: Any = None) -> list[dict[str, Any]]:
    """The edges touching ``entity`` (open ones unless ``when`` says otherwise)."""
    return [edge_view(graph, e) for e in graph.neighbours(entity, agent=agent, when=when)]


def path(graph: KnowledgeGraph, source: str, target: str, *, agent: Any = ..., when: Any = None) -> list[str]:
    """The shortest chain of entities linking ``source`` and ``target`` (edges in either
    direction), as display names; empty when they are not connected."""
    import networkx as nx

    g = to_networkx(graph, agent=agent, when=when).to_undirected(as_view=True)
    a, b = normalise(source), normalise(target)
    try:
        keys = nx.shortest_path(g, a, b)
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return []
    return [graph.nodes[k].name for k in keys]


def beliefs(graph: KnowledgeGraph, agent: str, about: str, *, when: Any = None) -> list[dict[str, Any]]:
    """What ``agent`` believed about ``about`` (its own edges touching it, holding at ``when``;
    None: those still open at the graph's position)."""
    return [edge_view(graph, e) for e in graph.neighbours(about, when=when) if e.agent == agent]


def extraction_stats(records: Iterable[Any]) -> dict[str, int]:
    """Extraction calls (``purpose`` knowledge) and episodes (``FactsExtracted``) of a run."""
    calls = episodes = facts = 0
    for rec in records:
        e = rec.event
        if e.type == "LLMCallRequested" and e.purpose == "knowledge":
            calls += 1
        elif e.type == "FactsExtracted":
            episodes += 1
            facts += len(e.facts)
    return {"extraction_calls": calls, "episodes": episodes, "facts_extracted": facts}


def missing_evidence(graph: KnowledgeGraph, refs: set[str]) -> list[tuple[str, str]]:
    """``(edge id, ref)`` for every evidence reference not among ``refs`` (stream@version)."""
    return [(e.id, ref) for e in graph.edges.values() for ref in e.evidence if ref not in refs]


def as_json(graph: KnowledgeGraph, *, agent: Any = ..., when: Any = ...) -> dict[str, Any]:
    edges = [edge_view(graph, e) for e in graph.edges.values() if known(e, agent, when)]
    keys = {k for e in edges for k in (e["subject"], e["object"])}
    nodes = [{"key": n.key, "name": n.name, "aliases": list(n.aliases)} for n in graph.nodes.values() if n.key in keys]
    return {"stats": graph.stats(), "nodes": nodes, "edges": edges}


def as_graphml(graph: KnowledgeGraph, *, agent: Any = ..., when: Any = ...) -> str:
    import io

    import networkx as nx

    g = to_networkx(graph, agent=agent, when=when)
    plain = nx.MultiDiGraph()
    for key, data in g.nodes(data=True):
        plain.add_node(key, name=data["name"], aliases="; ".join(data["aliases"]))
    for a, b, k, data in g.edges(keys=True, data=True):
        plain.add_edge(a, b, key=k, **{name: (" ".join(v) if isinstance(v, list) else "" if v is None else v)
                                       for name, v in data.items()})
    out = io.BytesIO()
    nx.write_graphml(plain, out)
    return out.getvalue().decode()


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def as_dot(graph: KnowledgeGraph, *, agent: Any = ..., when: Any = ...) -> str:
    """Graphviz DOT; closed edges dashed, labelled with their validity."""
    data = as_json(graph, agent=agent, when=when)
    lines = ["digraph knowledge {", "  rankdir=LR;"]
    lines += [f"  {_dot_id(n['key'])} [label={_dot_id(n['name'])}];" for n in data["nodes"]]
    for e in data["edges"]:
        label = e["predicate"] + (f" (until {e['valid_to'][:16]})" if e["valid_to"] else "")
        style = ", style=dashed" if e["valid_to"] else ""
        lines.append(f"  {_dot_id(e['subject'])} -> {_dot_id(e['object'])} [label={_dot_id(label)}{style}];")
    return "\n".join(lines + ["}"]) + "\n"


def as_html(graph: KnowledgeGraph, *, agent: Any = ..., when: Any = ..., title: str = "knowledge graph") -> str:
    """A self-contained HTML page: the edges as a table (closed ones struck through) and the
    graph's JSON embedded for scripts."""
    data = as_json(graph, agent=agent, when=when)
    rows = "\n".join(
        f"<tr{' class=closed' if e['valid_to'] else ''}><td>{html.escape(e['id'])}</td>"
        f"<td>{html.escape(e['agent'] or '(shared)')}</td><td>{html.escape(e['subject_name'])}</td>"
        f"<td>{html.escape(e['predicate'])}</td><td>{html.escape(e['object_name'])}</td>"
        f"<td>{html.escape(e['valid_from'] or '')}</td><td>{html.escape(e['valid_to'] or '')}</td>"
        f"<td>{html.escape(' '.join(e['evidence']))}</td></tr>" for e in data["edges"])
    embedded = json.dumps(data).replace("</", "<\\/")
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif}}td,th{{padding:2px 8px;text-align:left}}.closed{{text-decoration:line-through;color:#888}}</style>
</head><body><h1>{html.escape(title)}</h1><p>{len(data['nodes'])} entities, {len(data['edges'])} edges</p>
<table><tr><th>fact</th><th>agent</th><th>subject</th><th>predicate</th><th>object</th><th>valid from</th>
<th>valid to</th><th>evidence</th></tr>
{rows}
</table><script type="application/json" id="graph">{embedded}</script></body></html>
"""


FORMATS = {"json": lambda g, **kw: json.dumps(as_json(g, **kw), indent=2) + "\n", "graphml": as_graphml,
           "dot": as_dot, "html": as_html}
"""Export format → renderer(graph, agent=..., when=...) -> text."""
