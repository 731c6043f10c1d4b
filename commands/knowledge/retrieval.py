"""Graph-aware retrieval: the open facts around the entities a turn's query mentions (pure)."""

from __future__ import annotations

from troupe_es.domain.knowledge import KnowledgeState, OpenFact, mentioned, normalise

HEADER = "Facts you know about what is being discussed (subject, predicate, object; since):"


def fact_line(fact: OpenFact) -> str:
    since = f" (since {fact.valid_from[:16].replace('T', ' ')})" if fact.valid_from else ""
    return f"- {fact.text()}{since}"


def relevant_facts(knowledge: KnowledgeState, agent: str, query: str, limit: int, tokens: int) -> list[OpenFact]:
    """The open facts ``agent`` knows (its own and shared ones) whose subject or object the query
    mentions, newest first, at most ``limit`` and about ``tokens`` tokens (4 characters each)."""
    if limit <= 0:
        return []
    facts = [f for f in knowledge.open if f.agent in (agent, None)]
    keys = list(dict.fromkeys(k for f in facts for k in (normalise(f.subject), normalise(f.object))))
    hit = set(mentioned(query, keys))
    picked, used = [], len(HEADER) // 4
    for f in reversed(facts):
        if normalise(f.subject) in hit or normalise(f.object) in hit:
            cost = len(fact_line(f)) // 4 + 1
            if used + cost > tokens:
                break
            picked.append(f)
            used += cost
            if len(picked) >= limit:
                break
    return picked


def fact_lines(facts: list[OpenFact]) -> list[str]:
    return [HEADER, *map(fact_line, facts)] if facts else []
