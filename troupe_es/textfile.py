"""Reading a user's input file (a scenario or a persona) safely: one regular file, bounded in
size, UTF-8 text; every problem is one :class:`ScenarioError` line naming the file.

A directory, a device (``/dev/zero`` would never end), a FIFO (opening it would block) or a file
over :data:`troupe_es.limits.MAX_FILE_BYTES` is refused before a byte is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from troupe_es.errors import ScenarioError
from troupe_es.limits import MAX_FILE_BYTES


def read_text_file(path: str | Path, what: str) -> str:
    """The text of the ``what`` file (``scenario``, ``persona``) at ``path``."""
    where = str(path)
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise ScenarioError(f"{where}: is a directory, not a {what} file")
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError(f"{where}: not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise ScenarioError(f"{where}: {info.st_size} bytes; {what} files larger than "
                                f"{MAX_FILE_BYTES} bytes are refused")
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)  # bounded even if the file grew since stat
    except FileNotFoundError:
        raise ScenarioError(f"{where}: {what} file not found") from None
    except OSError as exc:
        raise ScenarioError(f"{where}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(f"{where}: {what} files larger than {MAX_FILE_BYTES} bytes are refused")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ScenarioError(f"{where}: not a UTF-8 text file (line {line})") from None
