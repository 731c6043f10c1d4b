"""Run heads and the store head: the anchors that make a removed tail, run or table visible.

A hash chain alone proves that the events it links were not changed, reordered or removed from
the middle; it cannot show that its end is missing. So every append also writes, in the same
transaction and in tables of their own:

- the run's **head**: its last position, last chain hash and event count, the chain's mode
  (``plain`` sha256 links, or ``hmac`` links keyed with ``TROUPE_ES_SIGNING_KEY``) and whether it
  is **sealed** (its ``RunCompleted`` is recorded; nothing more may be appended);
- the **store head**: how many runs and events the heads cover, the last position of the log
  and a digest over every run head (the XOR of their MACs, updated in O(1) per append).

Each head carries a MAC over its fields: sha256 in plain mode, HMAC-SHA256 with the signing key
in ``hmac`` mode, so a keyed head cannot be re-forged by someone who can write to the database
but does not hold the key. A store is signed from its first event or not at all: a key signs
only a new (empty) store, every later append needs the same key, and every run in it is keyed.
So a signed store cannot be passed off as a plain one to a writer or verifier holding the key.
The functions here are pure; every backend calls them, so they all agree.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from troupe_es.errors import HeadMismatchError, RunSealedError, SigningKeyError

KEY_ENV = "TROUPE_ES_SIGNING_KEY"
"""Environment variable holding the signing key (any text; never logged or recorded)."""

SEALING_TYPE = "RunCompleted"
"""The event type whose append seals a run's head."""

ZERO_DIGEST = "0" * 64


def signing_key() -> bytes | None:
    """The signing key from ``TROUPE_ES_SIGNING_KEY`` (None when unset or empty)."""
    value = os.environ.get(KEY_ENV)
    return value.encode("utf-8") if value else None


def mac(text: str, mode: str, key: bytes | None) -> str | None:
    """sha256 of ``text`` in ``plain`` mode; HMAC-SHA256 with ``key`` in ``hmac`` mode (None
    when no key is at hand: the MAC cannot be computed)."""
    if mode == "hmac":
        if key is None:
            return None
        return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class RunHead:
    """Where a run's chain ends, as recorded with its last append."""

    run_id: str
    last_position: int
    last_chain: str
    events: int
    mode: str
    sealed: bool
    mac: str

    def text(self) -> str:
        """The text the head's MAC covers."""
        return "\x1f".join(("run", self.run_id, str(self.last_position), self.last_chain, str(self.events),
                            self.mode, "sealed" if self.sealed else "open"))

    def authentic(self, key: bytes | None) -> bool | None:
        """Whether the MAC matches the fields (None: an ``hmac`` head and no key to check it)."""
        expected = mac(self.text(), self.mode, key)
        return None if expected is None else hmac.compare_digest(expected, self.mac)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class StoreHead:
    """What the run heads add up to, as recorded with the last append to the store."""

    runs: int
    events: int
    last_position: int
    digest: str
    mode: str
    mac: str

    def text(self) -> str:
        """The text the head's MAC covers."""
        return "\x1f".join(("store", str(self.runs), str(self.events), str(self.last_position), self.digest,
                            self.mode))

    def authentic(self, key: bytes | None) -> bool | None:
        """Whether the MAC matches the fields (None: an ``hmac`` head and no key to check it)."""
        expected = mac(self.text(), self.mode, key)
        return None if expected is None else hmac.compare_digest(expected, self.mac)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def make_run_head(run_id: str, last_position: int, last_chain: str, events: int, mode: str, sealed: bool,
                  key: bytes | None) -> RunHead:
    """A run head with its MAC."""
    head = RunHead(run_id, last_position, last_chain, events, mode, sealed, "")
    return RunHead(run_id, last_position, last_chain, events, mode, sealed, mac(head.text(), mode, key) or "")


def make_store_head(runs: int, events: int, last_position: int, digest: str, mode: str,
                    key: bytes | None) -> StoreHead:
    """A store head with its MAC."""
    head = StoreHead(runs, events, last_position, digest, mode, "")
    return StoreHead(runs, events, last_position, digest, mode, mac(head.text(), mode, key) or "")


def digest_of(macs: Sequence[str], start: str = ZERO_DIGEST) -> str:
    """The store digest: ``start`` XOR every MAC (adding and removing a MAC are the same step)."""
    value = int(start, 16)
    for item in macs:
        value ^= int(item, 16)
    return f"{value:064x}"


def check_append(where: str, run_id: str, run_head: RunHead | None, store_head: StoreHead | None, *,
                 run_chain: str, top: int, key: bytes | None) -> str:
    """Refuse an append the heads forbid, and return the chain mode of the new links.

    ``run_chain`` is the chain hash of the run's last stored event ("" for none) and ``top`` the
    newest position of the log. A store is signed from its first event or never: a key signs
    only an empty store, and a signed store takes appends only with its key. Raises
    :class:`SigningKeyError` when that is not so, :class:`RunSealedError` for a completed run
    and :class:`HeadMismatchError` when the log no longer matches its heads. A run without a
    head but with events (written before heads existed) continues in plain mode.
    """
    mode = "hmac" if key is not None else "plain"
    if store_head is None:
        if key is not None and top > 0:
            raise SigningKeyError(f"{KEY_ENV} can only sign a new event store, and {where} already holds events "
                                  "written without it: unset the key to write here, or use a new store")
    else:
        if store_head.mode != mode:
            if key is None:
                raise SigningKeyError(f"event store {where} is signed: set {KEY_ENV} to the key it was "
                                      "written with to append to it")
            raise SigningKeyError(f"event store {where} was written without {KEY_ENV}, and a key can only "
                                  "sign a new store: unset the key to write here, or use a new store")
        _check_authentic(store_head.authentic(key), mode, f"event store {where}")
        if store_head.last_position != top:
            raise HeadMismatchError(
                f"event store {where} ends at position {top} but its store head records position "
                f"{store_head.last_position}: events were removed or added behind its back "
                "(run troupe-es verify)")
    if run_head is None:
        return mode
    if run_head.sealed:
        raise RunSealedError(f"run {run_id} is completed (sealed at position {run_head.last_position}): "
                             "nothing more can be appended to it")
    if run_head.mode != mode:
        raise HeadMismatchError(f"the head of run {run_id} says {run_head.mode} in a {mode} store: it was "
                                "changed behind the store's back (run troupe-es verify)")
    _check_authentic(run_head.authentic(key), mode, f"run {run_id}")
    if run_head.last_chain != run_chain:
        raise HeadMismatchError(f"run {run_id} no longer matches its head (position {run_head.last_position}): "
                                "events were removed or changed behind the store's back (run troupe-es verify)")
    return mode


def _check_authentic(authentic: bool | None, mode: str, what: str) -> None:
    if not authentic:
        if mode == "hmac":
            raise SigningKeyError(f"{KEY_ENV} is not the key {what} was signed with (or its head was "
                                  "changed behind the store's back)")
        raise HeadMismatchError(f"the head of {what} was changed behind the store's back (run troupe-es verify)")


def advance(run_id: str, run_head: RunHead | None, store_head: StoreHead | None, rows: Sequence[Any], *,
            mode: str, events_before: int, key: bytes | None) -> tuple[RunHead, StoreHead]:
    """The heads after appending ``rows`` (stored rows of one run, in order) to the run.

    ``events_before`` is the run's event count before the batch (its head's, or the count of a
    run written before heads existed); ``mode`` is what :func:`check_append` returned.
    """
    last = rows[-1]
    sealed = (run_head is not None and run_head.sealed) or any(row[6] == SEALING_TYPE for row in rows)
    new = make_run_head(run_id, last[0], last[11], events_before + len(rows), mode, sealed, key)
    if store_head is None:
        runs, events, digest = 0, 0, ZERO_DIGEST
    else:
        runs, events, digest = store_head.runs, store_head.events, store_head.digest
    if run_head is None:
        runs += 1
        digest = digest_of([new.mac], digest)
    else:
        events -= run_head.events
        digest = digest_of([run_head.mac, new.mac], digest)
    return new, make_store_head(runs, events + new.events, last[0], digest, mode, key)
