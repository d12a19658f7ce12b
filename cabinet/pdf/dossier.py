"""Assemble the meeting dossier (runs in the PDF worker child): a WeasyPrint cover and agenda, then every
document in agenda order, then the signed minutes' pages, with bookmarks per agenda item (pypdf) and
files attached (the signed minutes as they were signed, the machine-readable record)."""
from __future__ import annotations

import io
from pathlib import Path


def assemble_dossier(cover_html: str, static_dir: Path, parts: list[dict], attachments: list[dict],
                     target: Path) -> dict:
    """`parts`: [{"title", "level": 0 | 1, "path": PDF file or None, "documents": n}] in order; a part
    without a file (an agenda item) is a bookmark to where its first document starts, or to the agenda."""
    from pypdf import PdfReader, PdfWriter
    from weasyprint import HTML

    from .minutes import _fetcher_class

    cover = HTML(string=cover_html, base_url=static_dir.resolve().as_uri() + "/",
                 url_fetcher=_fetcher_class()(static_dir)).write_pdf()
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(cover)), import_outline=False)
    writer.add_outline_item("Bìa và chương trình", 0)
    agenda_page = 1 if len(writer.pages) > 1 else 0
    parent = None
    for part in parts:
        start = len(writer.pages)
        if part.get("path"):
            writer.append(PdfReader(part["path"]), import_outline=False)
        page = start if part.get("path") or part.get("documents") else agenda_page
        node = writer.add_outline_item(part["title"], page, parent=parent if part["level"] else None)
        if part["level"] == 0:
            parent = node
    for attachment in attachments:
        writer.add_attachment(attachment["name"], Path(attachment["path"]).read_bytes())
    writer.add_metadata({"/Title": parts[0]["title"] if parts else "Hồ sơ cuộc họp", "/Producer": "Cabinet"})
    writer.page_mode = "/UseOutlines"
    with Path(target).open("wb") as out:
        writer.write(out)
    return {"pages": len(writer.pages)}
