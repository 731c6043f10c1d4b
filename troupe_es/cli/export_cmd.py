"""``troupe-es export``: a run's events as JSON lines or parquet."""

from __future__ import annotations

from pathlib import Path

import click

from troupe_es.cli.context import CliContext, console, pass_cli
from troupe_es.cli.output import output_file


@click.command()
@click.argument("run")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "parquet"]), default="jsonl", show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write the events to.")
@click.option("--blobs/--no-blobs", default=True, show_default=True,
              help="Also write the images the run was shown to a blobs/ folder next to the file "
                   "(<sha256>.<ext>, the hash events name them by).")
@click.option("--documents", "documents_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write the documents the run's agents wrote, as Markdown (one file each).")
@pass_cli
def export(cli: CliContext, run: str, fmt: str, out_path: Path | None, blobs: bool,
           documents_dir: Path | None) -> None:
    """Export RUN's events: JSON lines (envelope + payload per line, as `log --json`) or a parquet
    file (envelope columns and the payload as JSON text) for polars, pandas or DuckDB. Images the
    run was shown go to blobs/<sha256>.<ext> next to the file (see docs/vision.md). With
    --documents DIR, the documents its agents wrote (word processor) go there as Markdown files."""
    import json

    store = cli.reader
    if out_path is None and documents_dir is None:
        raise click.UsageError("give --out FILE (the events), --documents DIR (the documents), or both")
    run_id = store.resolve_run(run)
    if documents_dir is not None:
        from troupe_es.projections.tools import export_documents, tools_state

        try:
            written = export_documents(tools_state(store, run_id), documents_dir)
        except OSError as exc:
            raise click.ClickException(f"--documents {documents_dir}: {exc.strerror or exc}") from None
        console(stderr=True).print(f"wrote {len(written)} document(s) of {run_id} to {documents_dir}")
        if out_path is None:
            return
    count = 0
    with output_file(out_path) as tmp:  # a missing or unwritable directory fails here, before any work
        if fmt == "jsonl":
            with tmp.open("w", encoding="utf-8") as fh:
                for rec in store.read(run_id=run_id):
                    fh.write(json.dumps(rec.to_json_dict(), ensure_ascii=False) + "\n")
                    count += 1
        else:
            from troupe_es.projections.analytics import events_frame

            frame = events_frame(store, run_id).collect()
            frame.write_parquet(tmp)
            count = frame.height
    images = 0
    if blobs:
        from troupe_es.cli.vision_export import export_blobs

        images = export_blobs(store, run_id, out_path.parent / "blobs")
    extra = f" and {images} image(s) to {out_path.parent / 'blobs'}" if images else ""
    console(stderr=True).print(f"wrote {count} events of {run_id} to {out_path}{extra}")
