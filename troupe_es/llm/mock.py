"""The deterministic mock LLM: a real provider that answers any JSON schema plausibly.

The same request always gets the same answer. Text depends on the persona in the system
message (name, occupation, interests) and on keywords of the prompt, so transcripts read like a
conversation. Latency and failures (HTTP 429/500, malformed JSON) can be injected for tests;
injected failures are deterministic per request and attempt.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from troupe_es.errors import ProviderHTTPError
from troupe_es.llm.prices import PriceTable
from troupe_es.llm.provider import ProviderResponse
from troupe_es.llm.mock_vision import image_description, prompt_text
from troupe_es.llm.request import ChatRequest
from troupe_es.llm.retry import TRANSIENT_STATUS

_STOP = set("""a about above after again all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had has have
having he her here hers him his how i if in into is it its just me more most my no nor not now of off on
once only or other our out over own same she should so some such than that the their them then there these
they this those through to too under until up very was we were what when where which while who whom why
will with would you your yours yourself new now step reach nobody none goals recent memory oldest first
since last turn heard saw said says thought everyone world""".split())

_EMOTIONS = ["curious", "interested", "a little skeptical", "engaged", "thoughtful", "amused",
             "cautiously optimistic", "impatient", "reassured", "enthusiastic"]
_OPINIONS = [
    "As {occupation}, what matters to me about {kw} is whether it fits real life.",
    "Honestly, {kw} would only win me over if the price is fair.",
    "I keep coming back to {kw}; {interest} has taught me to look closer at details like that.",
    "If I'm honest, {kw} sounds good, but I'd want to see proof before I change my habits.",
    "For me {kw} is the deciding factor — more than the packaging.",
    "I'd try it if {kw} is done right, and I'd tell my friends if it is.",
    "My first reaction to {kw}: interesting, though I wonder who it is really for.",
    "Speaking as someone into {interest}, {kw} is the part I'd pay attention to.",
]
_THOUGHTS = [
    "I should say what I really think about {kw}.",
    "Does {kw} actually matter to someone like me?",
    "{kw} reminds me of my own experience with {interest}.",
    "I need to weigh {kw} against what it costs.",
    "Others seem focused on {kw}; I see it a bit differently.",
]
_REASONS = [
    "It speaks to what I care about most: {kw}.",
    "It felt the most honest about {kw}, which matters to me as {occupation}.",
    "It connects with my interest in {interest} and it is clear about {kw}.",
    "The others were louder, but this one made me think about {kw}.",
]


def _digest(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "big")


@dataclass
class _Persona:
    name: str = "I"
    occupation: str = "someone who thinks things through"
    interests: list[str] = field(default_factory=lambda: ["everyday life"])


def _persona(messages: list[dict[str, Any]]) -> _Persona:
    system = "\n".join(str(m.get("content", "")) for m in messages if m.get("role") == "system")
    persona = _Persona()
    if match := re.search(r"You are ([^,.\n]+)", system):
        persona.name = match.group(1).strip()
    if match := re.search(r"Occupation: ([^—\n(]+?)(?: at |\s—|\(|\n|$)", system):
        persona.occupation = "a " + match.group(1).strip().lower()
    if match := re.search(r"Interests: ([^\n]+)", system):
        persona.interests = [x.strip() for x in match.group(1).split(";") if x.strip()] or persona.interests
    return persona


_TEMPLATE_WORDS = {w.lower() for t in _OPINIONS + _THOUGHTS + _REASONS + _EMOTIONS
                   for w in re.findall(r"[A-Za-z]+", t)}
_EXTRA_STOP = set("""think would make really like want need know feel good great maybe just still even much many
thing things something anything people person someone yeah okay sure well right also every year years today
welcome focus group episode involving numbers""".split())


def _memory_text(line: str) -> str:
    """The content of a prompt memory line (after "kind from X:")."""
    return line.split(": ", 1)[1] if ": " in line else line


def _keywords(messages: list[dict[str, Any]]) -> list[str]:
    """Topic words of the prompt: new memories first (what was just heard or seen), never the
    mock's own template vocabulary, so conversations do not echo themselves."""
    users = [str(m.get("content", "")) for m in messages if m.get("role") == "user"]
    if not users:
        return ["this"]
    lines = [ln for ln in users[-1].splitlines() if not ln.startswith("You feel ")]  # the emotion line is no topic
    fresh = [_memory_text(ln) for ln in lines if ln.startswith("*") or ln.startswith("Poll") or ln.startswith("Options")]
    older = [_memory_text(ln) for ln in lines if ln.startswith("- [")]
    names = {w.lower() for name in _reachable(messages) for w in name.split()}
    picked: list[str] = []
    for source in (fresh, older, lines):
        for word in re.findall(r"[A-Za-z][A-Za-z'-]{3,}", " ".join(source)):
            low = word.lower().strip("'-")
            if len(low) > 3 and low not in _STOP and low not in _TEMPLATE_WORDS and low not in _EXTRA_STOP \
                    and low not in names and low not in picked:
                picked.append(low)
        if len(picked) >= 2:
            break
    return picked[:8] or ["this"]


def _reachable(messages: list[dict[str, Any]]) -> list[str]:
    users = [str(m.get("content", "")) for m in messages if m.get("role") == "user"]
    match = re.search(r"You can reach: ([^\n]+?)\.?$", users[-1], re.M) if users else None
    if not match or match.group(1).strip() == "nobody":
        return []
    return [name.strip() for name in match.group(1).split(",") if name.strip()]


_IMPORTANT = re.compile(r"\b(remember|important|urgent|secret|password|code|deadline|never|always|promise|"
                        r"danger|emergency|love|hate|fired|hired|price|cost|pay|\w+@\w+)\b", re.I)


_CHOICES = re.compile(r"^Choices for ([A-Z][A-Z_]*): (.+)$", re.M)


def action_choices(messages: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Capability actions the prompt offers, with their possible contents.

    The convention every capability that adds an action type follows so the mock can use it:
    a prompt line ``Choices for KIND: content one | content two`` (e.g. ``Choices for MOVE_TO:
    kitchen | Lisa``). The mock then sometimes takes one such action, with one of the listed
    contents (target null)."""
    users = [str(m.get("content", "")) for m in messages if m.get("role") == "user"]
    found: dict[str, list[str]] = {}
    for kind, options in _CHOICES.findall(users[-1] if users else ""):
        listed = [o.strip() for o in options.split(" | ") if o.strip()]
        if listed:
            found[kind] = listed
    return found


_TOOL_EXAMPLE = re.compile(r"^Tool example ([a-z][a-z0-9_]*): (\{.*\})$", re.M)


def tool_examples(messages: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Tool calls the prompt shows (``Tool example NAME: {json arguments}``, the tools
    capability's convention); the mock fills a tool call with one of them."""
    users = [str(m.get("content", "")) for m in messages if m.get("role") == "user"]
    found: dict[str, list[Any]] = {}
    for name, body in _TOOL_EXAMPLE.findall(users[-1] if users else ""):
        try:
            found.setdefault(name, []).append(json.loads(body))
        except ValueError:
            continue
    return found


def _fresh_lines(messages: list[dict[str, Any]]) -> list[str]:
    users = [str(m.get("content", "")) for m in messages if m.get("role") == "user"]
    return [_memory_text(ln) for ln in (users[-1].splitlines() if users else []) if ln.startswith("*")]


def rate_importance(texts: list[str]) -> int:
    """How important the mock finds ``texts`` (1..10): numbers, names and charged words count,
    small talk does not. Deterministic, like every answer of the mock."""
    if not texts:
        return 1
    joined = " ".join(texts)
    score = 2 + min(3, len(re.findall(r"\d", joined)) // 2 + bool(re.search(r"\d", joined)))
    score += min(3, len(_IMPORTANT.findall(joined)))
    score += min(2, len(set(re.findall(r"(?<![.!?] )(?<!^)\b[A-Z][a-z]{2,}", joined))) // 3)
    return max(1, min(10, score))


def _numbered(messages: list[dict[str, Any]]) -> list[int]:
    users = [str(m.get("content", "")) for m in messages if m.get("role") == "user"]
    return [int(n) for n in re.findall(r"^- \[(\d+)\]", users[-1], re.M)] if users else []


def summarize(texts: list[str]) -> str:
    """The mock's consolidation: the episode's names and numbers, and its topics, in one line."""
    joined = " ".join(texts)
    tokens = joined.split()
    names = list(dict.fromkeys(
        t.strip(",;.!?:'\"") for prev, t in zip([""] + tokens, tokens)
        if re.match(r"[A-Z][a-z]{2,}", t) and prev and prev[-1] not in ".!?:" and t.lower() not in _STOP))[:8]
    numbers = list(dict.fromkeys(re.findall(r"\d+(?:[.,]\d+)?%?", joined)))[:8]
    words = [w.lower() for w in re.findall(r"[A-Za-z]{5,}", joined) if w.lower() not in _STOP | _TEMPLATE_WORDS]
    words = [w for w in words if w not in {n.lower() for n in names}]
    topics = [w for w, _ in sorted(((w, -words.count(w)) for w in dict.fromkeys(words)), key=lambda p: p[1])][:4]
    parts = []
    if names:
        parts.append("involving " + ", ".join(names))
    if numbers:
        parts.append("with the numbers " + ", ".join(numbers))
    if topics:
        parts.append("about " + ", ".join(topics))
    return "An episode " + ("; ".join(parts) if parts else "of small talk") + "."


_FACT_LINE = re.compile(r"^- \[(\d+)\] (\w+)(?: from ([^:]+))?: (.*)$", re.M)
_FACT_STOP = _STOP | _TEMPLATE_WORDS | _EXTRA_STOP | {"everyday", "thinks", "honest", "honestly"}
_PREDICATES = ["talks about", "cares about", "prefers", "is curious about"]


def mock_facts(messages: list[dict[str, Any]], me: str, seed: int, limit: int = 4) -> list[dict[str, Any]]:
    """The mock's fact extraction (a ``facts`` array field): for numbered memory lines, who
    (the line's source, else the persona) relates to a topic word or a person of the line;
    ``prefers`` is exclusive, so later preferences close earlier ones."""
    users = [str(m.get("content", "")) for m in messages if m.get("role") == "user"]
    facts = []
    for number, kind, source, text in _FACT_LINE.findall(users[-1] if users else "")[-limit:]:
        target = re.match(r"(?:TALK|REACH_OUT) to ([^:]+): ", text)
        subject = (source or me).strip()
        names = {subject.lower(), me.lower(), (target.group(1).strip().lower() if target else "")}
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z'-]{4,}", text)
                 if w.lower() not in _FACT_STOP and w.lower() not in names and w not in ("TALK", "THINK")]
        if target:
            facts.append({"subject": subject, "predicate": "spoke with", "object": target.group(1).strip(),
                          "exclusive": False, "evidence": [int(number)]})
        if words:
            predicate = _PREDICATES[_digest(str(seed), number) % len(_PREDICATES)]
            topic = words[_digest(str(seed), number, "w") % len(words)].lower()
            facts.append({"subject": subject, "predicate": predicate, "object": topic,
                          "exclusive": predicate == "prefers", "evidence": [int(number)]})
    return facts


class _Generator:
    """Builds a schema instance from a seed, the persona and the prompt's keywords."""

    def __init__(self, seed: int, persona: _Persona, keywords: list[str], reachable: list[str] = (),
                 fresh: list[str] = (), numbered: list[int] = (),
                 choices: dict[str, list[str]] | None = None) -> None:
        self.fresh = list(fresh)
        self.numbered = list(numbered)
        self.seed = seed
        self.persona = persona
        self.keywords = keywords
        self.reachable = list(reachable)
        self.choices = dict(choices or {})
        self.counter = 0
        self.messages: list[dict[str, Any]] | None = None  # set for the ``facts`` hook

    def pick(self, options: list[Any], salt: str) -> Any:
        self.counter += 1
        return options[_digest(str(self.seed), salt, str(self.counter)) % len(options)]

    def sentence(self, templates: list[str], salt: str) -> str:
        kw = self.pick(self.keywords, salt + "kw")
        if len(self.keywords) > 2 and self.pick([True, False], salt + "two"):
            other = self.pick([k for k in self.keywords if k != kw], salt + "kw2")
            kw = f"{kw} and {other}"
        template = self.pick(templates, salt)
        return template.format(kw=kw, interest=self.pick(self.persona.interests, salt + "i"),
                               occupation=self.persona.occupation, name=self.persona.name)

    def text_for(self, name: str, context: str) -> str:
        key = name.lower()
        if key in ("emotions", "emotion", "mood", "feeling"):
            return self.pick(_EMOTIONS, key)
        if key == "attention":
            return f"the conversation about {self.pick(self.keywords, key)}"
        if key == "summary":
            return summarize(self.fresh)
        if key == "insight":
            return f"I keep coming back to {self.pick(self.keywords, key)}; it matters to me more than I said."
        if key in ("reason", "rationale", "why"):
            return self.sentence(_REASONS, key)
        if context == "THINK":
            return self.sentence(_THOUGHTS, key)
        if context == "DONE":
            return ""
        return self.sentence(_OPINIONS, key)

    def actions(self, item_schema: dict[str, Any]) -> list[Any]:
        kinds = item_schema.get("properties", {}).get("type", {}).get("enum", [])
        plan = ["TALK"] if self.pick([0, 1, 2], "plan") == 0 else ["THINK", "TALK"]
        extra = [k for k in self.choices if k in kinds]
        if extra and self.pick([True, True, False], "extra"):
            kind = self.pick(extra, "extra-kind")
            plan.insert(0 if self.pick([True, False], "extra-first") else len(plan), kind)
        plan.append("DONE")
        out = []
        for kind in plan:
            if kind not in kinds:
                continue
            action = self.value(item_schema, "action", context=kind)
            if kind in self.choices and isinstance(action, dict):
                action["content"] = self.pick(self.choices[kind], kind + "-choice")
                if "target" in action:
                    action["target"] = None
            out.append(action)
        return out

    def value(self, schema: dict[str, Any], name: str, context: str = "") -> Any:
        if "anyOf" in schema:
            options = schema["anyOf"]
            non_null = [o for o in options if o.get("type") != "null"]
            if any(o.get("type") == "null" for o in options) and name in ("target", "to", "recipient"):
                if context == "TALK" and self.reachable and self.pick([True, False, False], "addressee"):
                    return self.pick(self.reachable, "who")
                return None
            return self.value(non_null[0] if non_null else options[0], name, context)
        if "enum" in schema:
            if name == "type" and context in schema["enum"]:
                return context
            return self.pick(list(schema["enum"]), name)
        if "const" in schema:
            return schema["const"]
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "string")
        if kind == "object":
            props = schema.get("properties", {})
            return {key: self.value(sub, key, context) for key, sub in props.items()}
        if kind == "array" and name == "tool_calls":
            return self.tool_calls(schema.get("items", {}))
        if kind == "array" and name == "facts" and self.numbered and self.messages is not None:
            return mock_facts(self.messages, self.persona.name, self.seed)
        if kind == "array" and name == "evidence" and self.numbered:
            return sorted({self.pick(self.numbered, "evidence") for _ in range(3)})
        if kind == "array":
            items = schema.get("items", {})
            enum = items.get("properties", {}).get("type", {}).get("enum", []) if isinstance(items, dict) else []
            if "TALK" in enum and "DONE" in enum:
                return self.actions(items)
            count = max(schema.get("minItems", 1), min(schema.get("maxItems", 2), 2))
            if name in ("goals", "context"):
                return [self._list_text(name, i) for i in range(count)]
            return [self.value(items, name.rstrip("s"), context) for _ in range(count)]
        if kind == "integer" and name == "importance":
            return max(schema.get("minimum", 1), min(schema.get("maximum", 10), rate_importance(self.fresh)))
        if kind == "integer":
            low, high = schema.get("minimum", 1), schema.get("maximum", 10)
            return low + _digest(str(self.seed), name) % (high - low + 1)
        if kind == "number":
            low, high = schema.get("minimum", 0.0), schema.get("maximum", 1.0)
            return round(low + (high - low) * (_digest(str(self.seed), name) % 1000) / 1000, 3)
        if kind == "boolean":
            return bool(_digest(str(self.seed), name) % 2)
        return self.text_for(name, context)

    def tool_calls(self, items: dict[str, Any]) -> list[Any]:
        """Sometimes one tool call, with arguments from the prompt's ``Tool example`` lines."""
        examples: dict[str, list[Any]] = getattr(self, "tool_examples", {})
        options = [o for o in items.get("anyOf", [items]) if isinstance(o, dict)]
        named = {str(o.get("properties", {}).get("tool", {}).get("const", "")): o for o in options}
        usable = [n for n in named if n in examples] or list(named)
        if not usable or not self.pick([True, False], "tool-call"):
            return []
        name = self.pick(usable, "tool-name")
        arguments = (self.pick(examples[name], "tool-args") if name in examples
                     else self.value(named[name].get("properties", {}).get("arguments", {}), "arguments"))
        return [{"tool": name, "arguments": arguments}]

    def _list_text(self, name: str, index: int) -> str:
        kw = self.keywords[(index + self.seed) % len(self.keywords)]
        if name == "goals":
            return f"share my honest view on {kw}"
        return f"discussing {kw}"


def mock_completion(request: ChatRequest) -> str:
    """The mock's answer text for a request (JSON when the request has a response schema)."""
    if (seen := image_description(request.messages)) is not None:  # a vision request: describe the image
        return seen
    seed = _digest(json.dumps(request.model_dump(mode="json"), sort_keys=True))
    generator = _Generator(seed, _persona(request.messages), _keywords(request.messages),
                           _reachable(request.messages), _fresh_lines(request.messages), _numbered(request.messages),
                           action_choices(request.messages))
    generator.tool_examples = tool_examples(request.messages)  # type: ignore[attr-defined]
    generator.messages = request.messages
    if request.response_schema:
        return json.dumps(generator.value(request.response_schema, "root"), ensure_ascii=False)
    return generator.sentence(_OPINIONS, "plain")


def mock_embedding(text: str, dims: int = 256) -> list[float]:
    """A deterministic bag-of-words embedding (hashed words, L2-normalised)."""
    vector = [0.0] * dims
    for word in re.findall(r"\w+", text.lower()):
        h = _digest(word)
        vector[h % dims] += 1.0 if (h >> 20) % 2 else -1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


def count_tokens(text: str) -> int:
    """A rough token count (4 characters a token), as the mock reports usage."""
    return max(1, len(text) // 4)


ERROR_KINDS = ("429", "500")


class FaultPlan:
    """Deterministic fault injection: whether the n-th attempt of a request fails, and how.
    Injected HTTP errors are drawn from ``error_kinds`` (HTTP status codes as strings)."""

    def __init__(self, error_rate: float = 0.0, malformed_rate: float = 0.0, seed: int = 0,
                 error_kinds: tuple[str, ...] | list[str] = ERROR_KINDS) -> None:
        kinds = tuple(str(k) for k in error_kinds)
        if not kinds or not all(k.isdigit() and 400 <= int(k) <= 599 for k in kinds):
            raise ValueError(f"error kinds must be HTTP error statuses such as 429 or 500, not {kinds!r}")
        self.error_rate = error_rate
        self.malformed_rate = malformed_rate
        self.seed = seed
        self.error_kinds = kinds
        self._attempts: dict[str, int] = {}
        self._lock = threading.Lock()

    def next_attempt(self, body_key: str) -> int:
        with self._lock:
            self._attempts[body_key] = self._attempts.get(body_key, 0) + 1
            return self._attempts[body_key]

    def roll(self, body_key: str, attempt: int, salt: str = "") -> float:
        """A number in [0, 1) fixed by the seed, the request, the attempt and ``salt``."""
        return (_digest(str(self.seed), body_key, str(attempt), *((salt,) if salt else ())) % 10_000) / 10_000

    def fault(self, body_key: str, attempt: int) -> str | None:
        """None, an HTTP status from ``error_kinds`` (e.g. "429") or "malformed" for this attempt."""
        roll = self.roll(body_key, attempt)
        if roll < self.error_rate:
            return self.error_kinds[_digest(body_key, str(attempt), "kind") % len(self.error_kinds)]
        if roll < self.error_rate + self.malformed_rate:
            return "malformed"
        return None


class MockProvider:
    """In-process deterministic provider (no network). It charges nothing: its calls cost $0."""

    name = "mock"
    prices = PriceTable.free()

    def __init__(self, *, latency_ms: float = 0.0, error_rate: float = 0.0, malformed_rate: float = 0.0,
                 seed: int = 0, error_kinds: tuple[str, ...] | list[str] = ERROR_KINDS, retry_after: float = 0.0,
                 model: str | None = None) -> None:
        self.latency_ms = latency_ms
        self.retry_after = retry_after
        self.faults = FaultPlan(error_rate, malformed_rate, seed, error_kinds)
        self.calls = 0
        self._lock = threading.Lock()

    def complete(self, request: ChatRequest, timeout: float) -> ProviderResponse:
        with self._lock:
            self.calls += 1
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        fault = self._fault(json.dumps(request.model_dump(mode="json"), sort_keys=True))
        text = mock_completion(request)
        if fault == "malformed":
            text = text[: max(1, len(text) // 2)]
        prompt = prompt_text(request.messages)  # an image counts as a fixed number of tokens
        return ProviderResponse(text, request.model, "stop", count_tokens(prompt), count_tokens(text))

    def _fault(self, body_key: str) -> str | None:
        """Raise this attempt's injected HTTP error, or return its other fault (None, "malformed")."""
        fault = self.faults.fault(body_key, self.faults.next_attempt(body_key))
        if fault is not None and fault.isdigit():
            status = int(fault)
            raise ProviderHTTPError(f"mock injected HTTP {fault}", status_code=status,
                                    retry_after=self.retry_after if status == 429 else None,
                                    transient=status in TRANSIENT_STATUS)
        return fault

    def embed(self, texts: list[str], model: str, timeout: float) -> tuple[list[list[float]], int]:
        with self._lock:
            self.calls += 1
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        self._fault(json.dumps({"model": model, "input": texts}, sort_keys=True))
        return [mock_embedding(t) for t in texts], sum(count_tokens(t) for t in texts)

    def close(self) -> None:
        """Nothing to release."""
