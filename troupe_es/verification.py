"""Verify a log: every event's content hash, each run's hash chain, and both against the heads.

Tampering (a payload or envelope field edited behind the store's back, a row removed from the
middle of a run or two rows swapped) and corruption (a payload that no longer decodes) are
reported with the first bad position of the run. The run heads (see
:mod:`troupe_es.store.heads`) make a removed tail or a removed run visible, and the store head a
removed head or an emptied events table. A run written with ``TROUPE_ES_SIGNING_KEY`` has HMAC
links and heads: without the key only its content hashes can be checked, which is reported (and
is not "ok"). Runs written before heads existed are reported as unanchored: their chains are
checked, but a missing tail cannot be seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from troupe_es.errors import CorruptEventError
from troupe_es.store.base import EventStore
from troupe_es.store.heads import KEY_ENV, SEALING_TYPE, RunHead, StoreHead, digest_of, signing_key
from troupe_es.store.integrity import CHAIN_PROBLEM, content_problem, expected_chain
from troupe_es.store.rows import StoredRow


@dataclass(frozen=True)
class Problem:
    """One thing verification found wrong: at a position, in a run, or in the store head."""

    message: str
    run_id: str | None = None
    position: int | None = None
    type: str | None = None


@dataclass(frozen=True)
class RunCheck:
    """What verification found for one run. ``mode`` is the chain's (``plain`` or ``hmac``);
    ``anchored`` says whether the run has a head; ``status`` is ``ok``, ``failed`` or
    ``unchecked`` (a signed run verified without its key)."""

    run_id: str
    mode: str
    anchored: bool
    events: int
    last_position: int | None
    last_chain: str | None
    sealed: bool
    status: str
    problem: str | None = None
    mark: tuple[str, int] | None = None


@dataclass(frozen=True)
class VerifyReport:
    """Outcome of :func:`verify`. ``ok`` is False when anything is wrong or could not be checked;
    ``first_bad_position``, ``run_id``, ``type`` and ``problem`` describe the first problem."""

    ok: bool
    runs: int
    events: int
    first_bad_position: int | None = None
    run_id: str | None = None
    type: str | None = None
    problem: str | None = None
    unchecked: str | None = None
    store_head: str | None = None
    problems: list[Problem] = field(default_factory=list)
    details: list[RunCheck] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def with_problems(self, extra: list[Problem]) -> VerifyReport:
        """This report with more problems found by another check (e.g. against exported heads)."""
        if not extra:
            return self
        problems = self.problems + extra
        first = problems[0]
        failed = {p.run_id for p in extra}
        details = [replace(d, status="failed", problem=d.problem or next(p.message for p in extra
                                                                         if p.run_id == d.run_id))
                   if d.run_id in failed else d for d in self.details]
        return replace(self, ok=False, first_bad_position=first.position, run_id=first.run_id, type=first.type,
                       problem=first.message, problems=problems, details=details)


@dataclass
class _Run:
    """A run's state during the walk."""

    run_id: str
    head: RunHead | None
    mode: str
    chain: str = ""
    events: int = 0
    last_position: int | None = None
    completed: bool = False
    late: bool = False
    failed: bool = False
    unchecked: bool = False
    at_head: tuple[str, int, bool] | None = None
    mark: tuple[str, int] | None = None


def verify(store: EventStore, run_id: str | None = None, *,
           marks: Mapping[str, int] | None = None) -> VerifyReport:
    """Verify every event of ``run_id`` (or of the whole store) in position order, then each run
    against its head and (for the whole store) the store head.

    ``marks`` maps run ids to a position each: the chain hash and event count of the run at that
    position (when it verified) are returned as the run's ``mark``, which
    :mod:`troupe_es.exported_heads` compares with heads kept elsewhere.
    """
    key = signing_key()
    all_heads, store_head = store.heads()  # read first: appends made during the walk are not a problem
    heads = {h.run_id: h for h in all_heads if run_id is None or h.run_id == run_id}
    read_up_to = store_head.last_position if store_head is not None else None
    signed = store_head is not None and store_head.mode == "hmac"
    runs: dict[str, _Run] = {}
    problems: list[Problem] = []
    if key is not None and not signed:
        problems.append(Problem(f"{KEY_ENV} is set but the store is not signed (its store head is "
                                f"{store_head.mode if store_head else 'missing'}): it was written without the key, "
                                "or rewritten without it; verify it without the key to check it as a plain store"))
    top = 0
    unreadable: list[CorruptEventError] = []  # e.g. a damaged compressed payload, met in order
    try:
        for row in store.iter_rows(run_id=run_id, batch_size=5000, on_corrupt=unreadable.append):
            if unreadable:
                break
            top = row.position
            run = runs.get(row.run_id)
            if run is None:
                head = heads.get(row.run_id)
                mode = "hmac" if signed else head.mode if head else "plain"  # a signed store is signed throughout
                run = runs[row.run_id] = _Run(row.run_id, head, mode)
                if head is None and read_up_to is not None and row.position > read_up_to:
                    run.late = True  # started after the heads were read: its head is newer
            _check_row(run, row, key, problems, (marks or {}).get(row.run_id))
    except CorruptEventError as exc:  # an unreadable row (e.g. a damaged compressed payload)
        unreadable.append(exc)
    if unreadable:
        exc = unreadable[0]
        problems.append(Problem(str(exc), exc.run_id, exc.position, exc.type))
        return _report(runs, problems, None, False)
    for head in heads.values():
        if head.run_id not in runs:
            runs[head.run_id] = _Run(head.run_id, head, head.mode)
            problems.append(Problem(f"run {head.run_id} has no events but its head records {head.events} "
                                    f"up to position {head.last_position} (the run was deleted)", head.run_id))
            runs[head.run_id].failed = True
    for run in runs.values():
        if not run.failed:
            _check_head(run, key, problems)
    _check_store_head(store_head, all_heads, top if run_id is None else None, key, problems)
    return _report(runs, problems, store_head.mode if store_head else None,
                   store_head is not None and store_head.authentic(key) is None)


def _check_row(run: _Run, row: StoredRow, key: bytes | None, problems: list[Problem], mark: int | None) -> None:
    run.events += 1
    run.last_position = row.position
    run.completed = run.completed or row.type == SEALING_TYPE
    if run.failed:
        return
    problem = content_problem(row)
    if problem is None:
        if run.mode == "hmac" and key is None:
            run.unchecked = True
        elif expected_chain(row, run.chain, key if run.mode == "hmac" else None) != row.chain_hash:
            problem = CHAIN_PROBLEM
            if run.events == 1 and run.head is None and key is None:
                problem += f" (or the run was signed and {KEY_ENV} is not set)"
    if problem is not None:
        run.failed = True
        problems.append(Problem(problem, row.run_id, row.position, row.type))
        return
    run.chain = row.chain_hash
    if run.head is not None and row.position == run.head.last_position:
        run.at_head = (row.chain_hash, run.events, run.completed)
    if mark == row.position:
        run.mark = (row.chain_hash, run.events)


def _check_head(run: _Run, key: bytes | None, problems: list[Problem]) -> None:
    """Compare a walked run with its head (a run written before heads existed has none)."""
    head = run.head

    def fail(message: str) -> None:
        run.failed = True
        problems.append(Problem(f"run {run.run_id}: {message}", run.run_id, head.last_position if head else None))

    if head is None:
        if run.mode == "hmac" and not run.late:
            fail("its events are signed but it has no head (the head was removed behind the store's back)")
        return
    if head.mode != run.mode:
        fail(f"its head says {head.mode} in a signed store (it was changed behind the store's back)")
        return
    authentic = head.authentic(key)
    if authentic is None:
        run.unchecked = True
    elif not authentic:
        fail("its head was changed behind the store's back (its MAC does not match"
             + (f", or {KEY_ENV} is not the key it was signed with)" if head.mode == "hmac" else ")"))
        return
    # Compared where the head says the run ended: events appended after the heads were read
    # (by a writer running while this verification does) are checked by the walk, not here.
    if run.at_head is None or run.at_head[:2] != (head.last_chain, head.events):
        where = f"its head records {head.events} up to position {head.last_position}"
        if run.at_head is None and (run.last_position or 0) < head.last_position:
            fail(f"the log has {run.events} events up to position {run.last_position} but {where} "
                 "(events were removed from its end)")
        else:
            fail(f"the log has {run.events} events up to position {run.last_position} but {where} "
                 "with another chain")
    elif head.sealed != run.at_head[2]:
        fail("its head is sealed but the log has no RunCompleted" if head.sealed
             else "the log has a RunCompleted but its head is not sealed")
    elif head.sealed and run.events > head.events:
        fail(f"events follow its RunCompleted at position {head.last_position}")


def _check_store_head(store_head: StoreHead | None, heads: list[RunHead], top: int | None, key: bytes | None,
                      problems: list[Problem]) -> None:
    """Compare the store head with every run head and (``top``: when the whole log was walked)
    with the end of the log."""
    if store_head is None:
        if heads:
            problems.append(Problem(f"the store head is missing but {len(heads)} run(s) have heads "
                                    "(it was removed behind the store's back)"))
        return
    if store_head.authentic(key) is False:
        problems.append(Problem("the store head was changed behind the store's back (its MAC does not match"
                                + (f", or {KEY_ENV} is not the key it was signed with)"
                                   if store_head.mode == "hmac" else ")")))
        return
    counted = (len(heads), sum(h.events for h in heads), digest_of([h.mac for h in heads]))
    if counted != (store_head.runs, store_head.events, store_head.digest):
        problems.append(Problem(f"the store head records {store_head.runs} run(s) with {store_head.events} events "
                                f"but {counted[0]} run head(s) with {counted[1]} events were found "
                                "(a run or its head was removed or replaced)"))
    if top is not None and top < store_head.last_position:  # later positions: appended since
        where = "the log is empty" if top == 0 else f"the log ends at position {top}"
        problems.append(Problem(f"{where} but the store head records {store_head.events} events in "
                                f"{store_head.runs} run(s) up to position {store_head.last_position} "
                                "(events were removed or added behind the store's back)"))


def _report(runs: dict[str, _Run], problems: list[Problem], store_mode: str | None,
            store_unchecked: bool) -> VerifyReport:
    details = []
    for run in runs.values():
        status = "failed" if run.failed else "unchecked" if run.unchecked else "ok"
        problem = next((p.message for p in problems if p.run_id == run.run_id), None)
        details.append(RunCheck(run.run_id, run.mode, run.head is not None or run.late, run.events, run.last_position,
                                run.chain or None, run.completed, status, problem, run.mark))
    unchecked = sum(d.status == "unchecked" for d in details)
    note = None
    if unchecked or store_unchecked:
        what = f"{unchecked} run(s) and the store head were" if unchecked and store_unchecked else \
            f"{unchecked} run(s) were" if unchecked else "the store head was"
        note = (f"{what} signed with {KEY_ENV} (hmac): content hashes match, but signed chains and heads "
                "cannot be checked without the key")
    first = problems[0] if problems else Problem("")
    return VerifyReport(ok=not problems and note is None, runs=len(runs), events=sum(r.events for r in runs.values()),
                        first_bad_position=first.position, run_id=first.run_id, type=first.type,
                        problem=first.message or None, unchecked=note, store_head=store_mode,
                        problems=problems, details=details)
