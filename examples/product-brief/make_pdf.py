"""Write small text-only PDFs with no dependency (used to make ``brief.pdf`` here, and by the
documents tests and benchmark). Run ``python make_pdf.py`` to regenerate ``brief.pdf``."""

from __future__ import annotations

import textwrap
from pathlib import Path


def _escape(text: str) -> str:
    text = text.encode("latin-1", errors="replace").decode("latin-1")
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def write_pdf(path: str | Path, pages: list[str], *, title: str = "", width: int = 95) -> Path:
    """A PDF with one page per text of ``pages`` (wrapped at ``width`` characters, Helvetica 9pt)."""
    objects: list[bytes] = []

    def add(body: str | bytes) -> int:
        objects.append(body.encode("latin-1") if isinstance(body, str) else body)
        return len(objects)

    catalog = add("")  # filled in once the page tree's number is known
    tree = add("")
    font = add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    info = add(f"<< /Title ({_escape(title)}) /Producer (troupe-es make_pdf) >>")
    kids = []
    for text in pages:
        lines = [line for para in text.split("\n") for line in (textwrap.wrap(para, width) or [""])]
        ops = "BT /F1 9 Tf 11 TL 40 760 Td " + " ".join(f"({_escape(line)}) Tj T*" for line in lines) + " ET"
        stream = ops.encode("latin-1", errors="replace")
        content = add(b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream")
        kids.append(add(f"<< /Type /Page /Parent {tree} 0 R /MediaBox [0 0 612 792] "
                        f"/Resources << /Font << /F1 {font} 0 R >> >> /Contents {content} 0 R >>"))
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {tree} 0 R >>".encode()
    objects[tree - 1] = f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode()
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R /Info {info} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    Path(path).write_bytes(bytes(out))
    return Path(path)


BRIEF_PDF = (
    "Nimbus Bottle - technical sheet\n\n"
    "Capacity: 750 millilitres. Weight: 310 grams. Body: double-walled 18/8 stainless steel. "
    "The smart cap measures how much you drink with an optical sensor and syncs to the Nimbus app over "
    "Bluetooth Low Energy. The cap battery lasts 45 days on one charge and charges over USB-C in 2 hours.\n\n"
    "The cap glows blue to remind you to drink every 90 minutes (adjustable in the app). The bottle keeps "
    "drinks cold for 24 hours and hot for 12 hours. Dishwasher safe: body only, never the cap.\n\n"
    "Warranty: two years on the cap electronics, lifetime on the steel body. Made in Portugal by our partner "
    "factory in Braga; shipped in recycled cardboard with no plastic.")


if __name__ == "__main__":
    print(write_pdf(Path(__file__).with_name("brief.pdf"), [BRIEF_PDF], title="Nimbus Bottle technical sheet"))
