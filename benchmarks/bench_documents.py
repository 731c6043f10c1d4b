"""Document ingestion figures (issue 11), printed as a table.

    .venv/bin/python benchmarks/bench_documents.py [--quick]

A page is about 3,000 characters. A synthetic corpus (varied sentences) is written as text files
and as one PDF (``examples/product-brief/make_pdf.py``); each is then

1. ingested the way a run's ``IngestDocuments`` reads it — read (pypdf for the PDF), chunked
   (1,000 characters, 150 overlap) and embedded with the default offline embedder (wordllama,
   loaded beforehand: loading it is start-up) — target >= 200 pages/s on 2 cores; and
2. ingested end to end through ``Simulation.add_documents`` into a SQLite store (the above plus
   recording every ``DocumentChunkIngested`` event and folding it into the run's state).
"""

from __future__ import annotations

import argparse
import os
import random
import runpy
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from report import machine_note, print_rows  # noqa: E402

PAGE_CHARS = 3000
WORDS = ("price budget launch bottle kettle meeting design warranty battery steel colour customer taste "
         "packaging health morning train lunch plan supplier factory shipping market survey panel").split()


def page(rng: random.Random, n: int) -> str:
    out: list[str] = []
    size = 0
    i = 0
    while size < PAGE_CHARS:
        s = (f"On page {n} the {rng.choice(WORDS)} team noted that the {rng.choice(WORDS)} depends on "
             f"{rng.choice(WORDS)} and {rng.choice(WORDS)} number {rng.randint(1, 10_000)}.")
        out.append(s)
        size += len(s) + 1
        i += 1
        if i % 6 == 0:
            out.append("\n")
    return " ".join(out)[:PAGE_CHARS]


def corpus(folder: Path, pages: int) -> tuple[Path, Path]:
    rng = random.Random(11)
    texts = [page(rng, n) for n in range(pages)]
    txt = folder / "txt"
    txt.mkdir()
    per_file = 10
    for f in range(0, pages, per_file):
        (txt / f"doc{f // per_file:04d}.txt").write_text("\n\n".join(texts[f:f + per_file]))
    write_pdf = runpy.run_path(str(ROOT / "examples" / "product-brief" / "make_pdf.py"))["write_pdf"]
    pdf = write_pdf(folder / "corpus.pdf", texts, title="Synthetic corpus", width=110)
    return txt, pdf


def cpu_seconds() -> float:
    """CPU time of this process (all its threads: the tokenizer may use several)."""
    return time.process_time()


def ingest(path: Path, embedder) -> tuple[float, float, int]:  # noqa: ANN001
    """Wall seconds, CPU seconds and chunks of reading, chunking and embedding ``path``."""
    from troupe_es.documents.source import FileDocuments

    c0, t0 = cpu_seconds(), time.perf_counter()
    documents = FileDocuments().ingest(path.name, base_dir=str(path.parent), agent=None, chunk_size=1000,
                                       chunk_overlap=150)
    chunks = [c.text for doc in documents for c in doc]
    embedder.embed(chunks)
    return time.perf_counter() - t0, cpu_seconds() - c0, len(chunks)


def through_facade(path: Path, store_url: str) -> tuple[float, int]:
    from troupe_es import Simulation

    sim = Simulation.open(store_url, llm="mock")
    cwd = os.getcwd()
    os.chdir(path.parent)
    try:
        t0 = time.perf_counter()
        n = sim.add_documents(path.name)
        return time.perf_counter() - t0, n
    finally:
        os.chdir(cwd)
        sim.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Fewer pages (figures less stable).")
    args = parser.parse_args()
    pages = 200 if args.quick else 1000
    from troupe_es.embeddings import CachedEmbedder, _make

    _make("wordllama").embed(["warm up"])  # loading the model is start-up
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        txt, pdf = corpus(folder, pages)
        for label, path in (("text", txt), ("PDF", pdf)):
            seconds, cpu, chunks = ingest(path, CachedEmbedder(_make("wordllama")))  # a cold cache each time
            rows.append((f"ingestion, {label}", f"{pages / seconds:,.0f} pages/s",
                         f"{pages} pages, {chunks} chunks, read+chunk+embed in {seconds:.2f} s wall; "
                         f"{1000 * cpu / pages:.1f} ms CPU a page; target >= 200 pages/s"))
        for label, path in (("text", txt), ("PDF", pdf)):
            seconds, chunks = through_facade(path, f"sqlite:///{folder / f'{label}.db'}")
            rows.append((f"add_documents end to end, {label}", f"{pages / seconds:,.0f} pages/s",
                         f"{chunks} DocumentChunkIngested recorded in SQLite in {seconds:.2f} s"))
    print_rows(rows)
    print(machine_note())


if __name__ == "__main__":
    main()
