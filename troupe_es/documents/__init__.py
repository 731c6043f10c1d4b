"""Documents given to a run (RAG): reading files, chunking text, and the port ingestion reads
through.

- :mod:`troupe_es.documents.readers`: files and folders to text (.md, .txt, .html through the
  standard library, .pdf through pypdf, .docx through python-docx, the ``docx`` extra);
- :mod:`troupe_es.documents.chunking`: text to overlapping chunks (pure, deterministic);
- :mod:`troupe_es.documents.source`: the :class:`~troupe_es.documents.source.DocumentSource`
  port: files on a live run, the recorded ``DocumentChunkIngested`` events on a replay.
"""

SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx")
"""File kinds a document may be (a folder contributes its files of these kinds)."""
