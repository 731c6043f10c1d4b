"""Writing a command's ``--out`` file: all or nothing, with one-line errors.

``with output_file(path) as tmp:`` creates a temporary file beside ``path`` at once, so a missing
or unwritable directory is reported before any work is done; the block writes ``tmp``, which
becomes ``path`` only when the block succeeds. On any failure the temporary file is removed and an
existing ``path`` is left as it was.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from troupe_es.errors import ConfigurationError


def _where_problem(folder: Path, exc: OSError) -> str:
    if not folder.exists():
        return f"no directory {folder}"
    if not folder.is_dir():
        return f"{folder} is not a directory"
    return f"cannot create a file in {folder}: {exc.strerror or exc}"


@contextmanager
def output_file(path: Path, option: str = "--out") -> Iterator[Path]:
    """A temporary path to write, renamed to ``path`` when the block ends without an error."""
    path = Path(path)
    folder = path.parent
    tmp = folder / f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.part"
    try:
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    except OSError as exc:
        raise ConfigurationError(f"{option} {path}: {_where_problem(folder, exc)}") from None
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise ConfigurationError(f"{option} {path}: cannot write: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
