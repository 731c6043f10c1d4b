"""Reading and chunking documents: every supported kind, deterministic chunks within their size,
and one-line errors naming the file."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

from troupe_es.documents.chunking import chunk_text
from troupe_es.documents.readers import read_documents
from troupe_es.documents.source import chunk_events
from troupe_es.errors import DocumentError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "product-brief"
WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau "
         "upsilon phi chi psi omega ").split()


def _text(n: int) -> str:
    return " ".join(WORDS[(i * 7) % len(WORDS)] + str(i) for i in range(n))


@pytest.mark.parametrize(("size", "overlap"), [(50, 0), (120, 30), (1000, 150), (300, 299)])
def test_chunks_fit_their_size_overlap_and_cover_the_text(size: int, overlap: int) -> None:
    text = _text(800)
    chunks = chunk_text(text, size, overlap)
    assert chunks == chunk_text(text, size, overlap)  # deterministic
    assert all(0 < len(c) <= size for c in chunks)
    words = text.split()
    assert chunks[0].split()[0] == words[0] and chunks[-1].split()[-1] == words[-1]
    seen = [w for c in chunks for w in c.split()]
    assert set(seen) == set(words)  # nothing lost
    for a, b in zip(chunks, chunks[1:]):
        first_b = b.split()[0]
        if overlap:  # the next chunk starts inside the previous one, within the overlap
            assert first_b in a.split() and len(a) - a.rfind(first_b) <= overlap + len(first_b) + 1
        else:
            assert first_b not in a.split()


def test_short_text_is_one_chunk_long_words_are_cut_and_empty_text_none() -> None:
    assert chunk_text("  Hello\t world  \n\n\n second   paragraph ", 100, 10) == ["Hello world\n\nsecond paragraph"]
    assert chunk_text("x" * 130, 50, 10) == ["x" * 50, "x" * 50, "x" * 30]
    assert chunk_text(" \n ", 100, 0) == []
    with pytest.raises(ValueError, match="chunk_overlap"):
        chunk_text("abc", 10, 10)


def test_chunk_events_are_deterministic_with_ids_and_hashes() -> None:
    a = chunk_events("Ana", "notes.md", "Notes", _text(300), 200, 40)
    b = chunk_events("Ana", "notes.md", "Notes", _text(300), 200, 40)
    assert a == b and len(a) > 3
    assert [e.index for e in a] == list(range(len(a))) and {e.chunks for e in a} == {len(a)}
    assert a[1].chunk_id == f"doc:{a[0].document_hash[:12]}:1" and len({e.chunk_hash for e in a}) == len(a)


def test_every_kind_is_read_with_its_title(tmp_path: Path) -> None:
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "a.md").write_text("Intro line\n\n## The Title\n\nBody about widgets.")
    (tmp_path / "kb" / "b.txt").write_text("Plain widget facts.")
    (tmp_path / "kb" / "sub").mkdir()
    (tmp_path / "kb" / "sub" / "c.html").write_text(
        "<html><head><title>Widget page</title><style>p{color:red}</style><script>var x=1</script></head>"
        "<body><h1>Widgets</h1><p>Price: 5 &euro;</p><p>Colour &amp; size</p></body></html>")
    runpy.run_path(str(EXAMPLE / "make_pdf.py"))["write_pdf"](tmp_path / "kb" / "d.pdf",
                                                             ["Page one text.", "Page two text."], title="Specs")
    (tmp_path / "kb" / "ignored.png").write_bytes(b"\x89PNG")
    docs = read_documents("kb", tmp_path)
    assert [d.source for d in docs] == ["kb/a.md", "kb/b.txt", "kb/d.pdf", "kb/sub/c.html"]
    by = {d.source: d for d in docs}
    assert by["kb/a.md"].title == "The Title" and by["kb/b.txt"].title == "b"
    html = by["kb/sub/c.html"]
    assert html.title == "Widget page" and "Price: 5 €" in html.text and "Colour & size" in html.text
    assert "color:red" not in html.text and "var x" not in html.text and "<p>" not in html.text
    pdf = by["kb/d.pdf"]
    assert pdf.title == "Specs" and "Page one text." in pdf.text and "Page two text." in pdf.text


def test_docx_is_read_through_python_docx(tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.core_properties.title = "Memo"
    document.add_paragraph("The memo says the kettle costs 79 euros.")
    document.save(str(tmp_path / "memo.docx"))
    (doc,) = read_documents("memo.docx", tmp_path)
    assert doc.title == "Memo" and "79 euros" in doc.text


def test_docx_without_the_extra_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "memo.docx").write_bytes(b"PK\x03\x04")
    monkeypatch.setitem(sys.modules, "docx", None)  # as if python-docx were not installed
    with pytest.raises(DocumentError, match=r"memo.docx: reading .docx needs the docx extra: pip install 'troupe-es\[docx\]'"):
        read_documents("memo.docx", tmp_path)


def test_bad_files_are_one_line_errors_naming_them(tmp_path: Path) -> None:
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 nonsense")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG")
    with pytest.raises(DocumentError, match=r"^broken.pdf: cannot read PDF: ") as exc:
        read_documents("broken.pdf", tmp_path)
    assert "\n" not in str(exc.value)
    with pytest.raises(DocumentError, match=r"^photo.png: unsupported document kind '.png'"):
        read_documents("photo.png", tmp_path)
    with pytest.raises(DocumentError, match=r"^document not found: missing.md$"):
        read_documents("missing.md", tmp_path)
