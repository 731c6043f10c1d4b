"""Every exception troupe-es raises on purpose, in one place.

The CLI turns any :class:`TroupeError` into one line on stderr and exit code 1
(exit code 3 for :class:`ReplayDivergenceError` and :class:`VerificationError`),
never a traceback. Catch :class:`TroupeError` in a notebook to catch them all::

    TroupeError
    ├── ConfigurationError            bad option, environment or URL
    ├── ScenarioError                 a scenario or persona file is wrong (names file and field)
    │   ├── PersonaMergeError         a fragment conflicts with a persona's scalar field
    │   ├── DocumentError             a document cannot be found or read (names the file)
    │   ├── MapError                  a grid world's map file is wrong (names file, line, column)
    │   └── ImageError                an image is missing, too large or not PNG/JPEG/GIF/WebP (names it)
    ├── StoreError                    anything the event store refuses or cannot do
    │   ├── StoreUnavailableError     the database cannot be reached or opened
    │   ├── ReadOnlyStoreError        a write to a store opened read-only, or that this user cannot write
    │   ├── NotAStoreError            the database holds no troupe-es store (and is not empty)
    │   ├── SchemaVersionError        the database was created by a newer troupe-es
    │   ├── ConcurrencyError          optimistic concurrency: a stream moved on under you
    │   ├── DuplicateEventError       part of a batch was already written under the same event ids
    │   ├── CorruptEventError         a stored row cannot be decoded (names position and type)
    │   ├── UnknownEventTypeError     a stored row has a type tag this version does not know
    │   ├── RunNotFoundError          no run matches the id or prefix
    │   ├── RunSealedError            the run is completed: nothing more can be appended to it
    │   ├── SigningKeyError           the run or store is signed and the signing key is missing or wrong
    │   ├── HeadMismatchError         the log no longer matches its heads (changed behind the store's back)
    │   └── CorruptBlobError          a stored blob is missing or no longer matches its hash
    ├── LLMError                      a model call could not be completed
    │   ├── ProviderError             the provider failed after every retry (HTTP, timeout)
    │   │   └── ProviderHTTPError     one failed attempt (status, kind, Retry-After, transient or not)
    │   ├── InvalidOutputError        structured output stayed invalid after feedback retries
    │   ├── BudgetExceededError       the run's token or cost budget would be exceeded
    │   └── ReplayDivergenceError     replay asked for a call that was never recorded (exit 3)
    ├── ToolError                     a tool refused or failed a call (the caller perceives it)
    │   └── ToolChainError            a tool chain's steps do not fit together (found when built)
    ├── SimulationError               the runtime refused a command (unknown agent, bad steps)
    │   ├── RunNotResumableError      the run completed, or its writer is still alive
    │   └── UnreachableError          no path between two cells of a grid world's map
    └── VerificationError             the hash chain or content hashes do not match (exit 3)

    KeyboardInterrupt (Python's)
    └── Interruption                  SIGTERM or SIGHUP, raised where Ctrl-C would be: the run
                                      records RunInterrupted and can be resumed
"""

from __future__ import annotations


class TroupeError(Exception):
    """Base class of every error troupe-es raises on purpose."""

    exit_code = 1


class ConfigurationError(TroupeError):
    """An option, environment variable or URL is wrong."""


class ScenarioError(TroupeError):
    """A scenario or persona file is invalid; the message names the file and the field."""


class ImageError(ScenarioError):
    """An image given to an agent cannot be used: missing, unreadable, too large, or not a PNG,
    JPEG, GIF or WebP; the message names the file."""


class PersonaMergeError(ScenarioError):
    """A fragment sets a scalar persona field to a different value than the persona has.

    ``field`` is the dotted path (``occupation.title``), ``current`` the persona's value and
    ``value`` the fragment's."""

    def __init__(self, message: str, *, field: str | None = None, current: object = None,
                 value: object = None):
        super().__init__(message)
        self.field = field
        self.current = current
        self.value = value


class DocumentError(ScenarioError):
    """A document (``documents:``, ``Simulation.add_documents``) is missing, of an unsupported
    kind, unreadable, or needs an extra that is not installed; the message names the file."""


class MapError(ScenarioError):
    """A grid world's map (text or JSON tile map) is invalid; the message names the file, and the
    line and column where it can."""


class StoreError(TroupeError):
    """The event store refused or could not perform an operation."""


class CorruptBlobError(StoreError):
    """A blob an event names is missing from the store, or its bytes no longer match its hash."""


class StoreUnavailableError(StoreError):
    """The database cannot be reached or opened."""


class ReadOnlyStoreError(StoreError):
    """A write was asked of a store opened read-only, or of a database this user cannot write
    (a read-only file or directory, a PostgreSQL role without INSERT)."""


class NotAStoreError(StoreError):
    """The database holds no troupe-es event store: a read found no ``troupe_events`` table, or a
    write would have created the troupe-es tables in an SQLite database that holds other tables."""


class SchemaVersionError(StoreError):
    """The database schema was written by a newer version of troupe-es."""


class ConcurrencyError(StoreError):
    """A stream's version is not the one the writer expected (someone else appended first)."""


class DuplicateEventError(StoreError):
    """Some events of a batch already exist under the same event ids, others do not."""


class CorruptEventError(StoreError):
    """A stored event row cannot be decoded into its event type; ``position``, ``type`` and
    (when the row was read) ``run_id`` say which."""

    def __init__(self, message: str, *, position: int | None = None, type: str | None = None,
                 run_id: str | None = None):
        super().__init__(message)
        self.position = position
        self.type = type
        self.run_id = run_id

    def to_dict(self) -> dict:
        """Where the row is and what is wrong with it, for ``--json`` reports."""
        return {"position": self.position, "run_id": self.run_id, "type": self.type, "error": str(self)}


class UnknownEventTypeError(CorruptEventError):
    """A stored row carries a type tag that this version of troupe-es does not know."""


class RunNotFoundError(StoreError):
    """No run matches the given id or prefix (or a prefix is ambiguous)."""


class RunSealedError(StoreError):
    """An append to a run whose ``RunCompleted`` is already recorded (its head is sealed)."""


class SigningKeyError(StoreError):
    """The run or store was written with ``TROUPE_ES_SIGNING_KEY`` and the key is not set now,
    or is not the key it was signed with."""


class HeadMismatchError(StoreError):
    """An append found the log no longer matching its run or store head: events were removed or
    changed behind the store's back (``troupe-es verify`` names them)."""


class LLMError(TroupeError):
    """A model call could not be completed."""


class ProviderError(LLMError):
    """The provider failed after every retry (HTTP error, timeout, connection error)."""


class ProviderHTTPError(ProviderError):
    """One failed provider attempt: HTTP status (None for timeouts and connection errors),
    the server's Retry-After, and whether retrying may help.

    ``kind`` says what went wrong: ``"status"`` (an HTTP error status), ``"timeout"`` (no answer
    in time), ``"connect"`` (nothing accepted the connection), ``"transport"`` (the connection
    broke mid-answer), ``"body"`` (an answer that is not a usable completion: HTML, not JSON,
    ``{}``, no choices, an error object; the message carries a snippet of it) or ``"deadline"``
    (the call's deadline left no time for another attempt)."""

    def __init__(self, message: str, *, status_code: int | None = None, retry_after: float | None = None,
                 transient: bool = True, kind: str = "status"):
        super().__init__(message)
        self.status_code = status_code
        self.retry_after = retry_after
        self.transient = transient
        self.kind = kind


class InvalidOutputError(LLMError):
    """The model's structured output stayed invalid after the feedback retries."""


class BudgetExceededError(LLMError):
    """The run's token or cost budget would be exceeded by another call."""


class ReplayDivergenceError(LLMError):
    """Replay needed an LLM answer that the replayed run never recorded."""

    exit_code = 3


class SimulationError(TroupeError):
    """The runtime refused a command (unknown agent, negative steps, closed run...)."""


class RunNotResumableError(SimulationError):
    """The run cannot be resumed: it completed, or a live process is still writing it."""


class UnreachableError(SimulationError):
    """No path leads from a cell to a destination on a grid world's map (walls in between)."""


class Interruption(KeyboardInterrupt):
    """A termination signal (SIGTERM, SIGHUP) delivered to a running simulation, raised in the
    main thread like Ctrl-C's KeyboardInterrupt so the run ends cleanly in the log."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name


class VerificationError(TroupeError):
    """Recomputed content or chain hashes differ from the stored ones."""

    exit_code = 3

    def __init__(self, message: str, *, position: int | None = None):
        super().__init__(message)
        self.position = position


class ToolError(TroupeError):
    """A tool refused or failed a call. Raised inside a tool, it becomes the ``ToolReturned``
    error its caller perceives (never a crashed run)."""


class ToolChainError(ToolError):
    """A tool chain whose steps do not fit together (a result field's type does not match the
    next tool's argument, or a required argument is fed by nothing): found when it is built."""
