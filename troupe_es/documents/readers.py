"""Reading documents: a file or a folder to ``(source, title, text)`` (the I/O edge).

Markdown and plain text are read as UTF-8 (undecodable bytes replaced); HTML is stripped of its
tags with the standard library's :mod:`html.parser` (``<script>`` and ``<style>`` dropped);
PDF goes through ``pypdf`` (page texts joined by blank lines); DOCX through ``python-docx``,
which the ``docx`` extra installs (``pip install 'troupe-es[docx]'``). A folder contributes its
files of those kinds, recursively, in sorted order, as ``FOLDER/relative/path``.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from troupe_es.documents import SUFFIXES
from troupe_es.errors import DocumentError

MAX_DOCUMENT_BYTES = 200 * 1024 * 1024
"""Larger files are refused before a byte is read."""


@dataclass(frozen=True)
class ReadDocument:
    """A document's text as read from its file."""

    source: str  # as given (a folder's files: FOLDER/relative/path)
    title: str
    text: str


def expand(path: str, base_dir: str | Path | None, where: str = "") -> list[tuple[str, Path]]:
    """``(source, file)`` pairs a documents entry stands for: the file, or a folder's supported
    files (recursively, sorted). :class:`DocumentError` when it does not exist or is not a
    supported kind."""
    file = Path(base_dir or ".") / path
    if not file.exists():
        raise DocumentError(f"{where}document not found: {path}")
    if file.is_dir():
        found = sorted((f for f in file.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES),
                       key=lambda f: f.relative_to(file).as_posix())
        prefix = path.rstrip("/\\")
        return [(f"{prefix}/{f.relative_to(file).as_posix()}", f) for f in found]
    if file.suffix.lower() not in SUFFIXES:
        raise DocumentError(f"{where}{path}: unsupported document kind {file.suffix or '(no suffix)'!r} "
                            f"(use {', '.join(SUFFIXES)})")
    return [(path, file)]


def read_document(source: str, file: Path, where: str = "") -> ReadDocument:
    """The text and title of one document file."""
    try:
        info = os.stat(file)
    except OSError as exc:
        raise DocumentError(f"{where}{source}: cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise DocumentError(f"{where}{source}: not a regular file")
    if info.st_size > MAX_DOCUMENT_BYTES:
        raise DocumentError(f"{where}{source}: {info.st_size} bytes; documents over {MAX_DOCUMENT_BYTES} "
                            "bytes are refused")
    suffix = file.suffix.lower()
    try:
        if suffix == ".pdf":
            title, text = _pdf(file)
        elif suffix == ".docx":
            title, text = _docx(file, source, where)
        else:
            raw = file.read_bytes().decode("utf-8", errors="replace")
            if suffix in (".html", ".htm"):
                title, text = _html(raw)
            else:
                title, text = _markdown_title(raw), raw
    except DocumentError:
        raise
    except OSError as exc:
        raise DocumentError(f"{where}{source}: cannot read: {exc.strerror or exc}") from None
    except Exception as exc:  # noqa: BLE001 - a broken PDF/DOCX: one line naming the file
        raise DocumentError(f"{where}{source}: cannot read {suffix[1:].upper()}: "
                            f"{' '.join(str(exc).split()) or type(exc).__name__}") from None
    return ReadDocument(source, " ".join(title.split()) or file.stem, text)


def read_documents(path: str, base_dir: str | Path | None, where: str = "") -> list[ReadDocument]:
    """Every document a documents entry (file or folder) stands for."""
    return [read_document(source, file, where) for source, file in expand(path, base_dir, where)]


_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _markdown_title(text: str) -> str:
    match = _HEADING.search(text[:20_000])
    return match.group(1) if match else ""


class _TextExtractor(HTMLParser):
    _SKIP = {"script", "style", "template", "noscript"}
    _BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
              "header", "footer", "table", "ul", "ol", "blockquote", "pre", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self._skipping = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list) -> None:  # noqa: ANN001
        if tag in self._SKIP:
            self._skipping += 1
        elif tag == "title":
            self._in_title = True
        elif tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif not self._skipping:
            self.parts.append(data)


def _html(raw: str) -> tuple[str, str]:
    parser = _TextExtractor()
    parser.feed(raw)
    parser.close()
    return "".join(parser.title), "".join(parser.parts)


def _pdf(file: Path) -> tuple[str, str]:
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed-but-readable files warn a lot
    reader = PdfReader(str(file))
    pages = [page.extract_text() or "" for page in reader.pages]
    meta = reader.metadata
    title = str(meta.title) if meta is not None and meta.title else ""
    return title, "\n\n".join(pages)


def _docx(file: Path, source: str, where: str) -> tuple[str, str]:
    try:
        import docx
    except ImportError:
        raise DocumentError(f"{where}{source}: reading .docx needs the docx extra: "
                            "pip install 'troupe-es[docx]' (python-docx)") from None
    document = docx.Document(str(file))
    title = document.core_properties.title or ""
    return title, "\n\n".join(p.text for p in document.paragraphs)
