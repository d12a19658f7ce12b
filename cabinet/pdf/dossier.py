"""Assemble the meeting dossier (runs in the PDF worker): a WeasyPrint cover and agenda, then every
document in agenda order, then the signed minutes' pages, with bookmarks per agenda item and files
attached (the signed minutes as they were signed, the machine-readable record).

The pages are joined by pikepdf, qpdf's engine: a 1 000-page dossier takes about what qpdf itself takes
(pypdf needed ~6× that: docs/BENCHMARKS.md). The tests read the result back with pypdf.
"""
from __future__ import annotations

import io
import time
from pathlib import Path


def assemble_dossier(title: str, cover_html: str, static_dir: Path, parts: list[dict], attachments, target: Path,
                     cover_title: str = "Bìa và chương trình") -> dict:
    """`parts`: [{"title", "level": 0, 1, 2 …, "path": PDF file or None, "documents": n}] in order, each
    bookmark nested under the last one a level up (item 2 › sub-item 2.1 › its documents); a part
    without a file (an agenda item) is a bookmark to where its first document starts, or to the agenda.
    `attachments`: [{"name", "path"}], or a function giving them once the pages are joined (the server
    gathers the record meanwhile). `cover_title`: the first bookmark's (a consultation has no agenda)."""
    import pikepdf
    from pikepdf import AttachedFileSpec, OutlineItem, Pdf
    from weasyprint import HTML

    from .minutes import font_config, static_only_fetcher, stylesheet

    started = time.perf_counter()
    cover = HTML(string=cover_html, base_url=static_dir.resolve().as_uri() + "/",
                 url_fetcher=static_only_fetcher(static_dir)).write_pdf(stylesheets=[stylesheet(static_dir)],
                                                                     font_config=font_config())
    covered = time.perf_counter()
    dossier = Pdf.open(io.BytesIO(cover))
    agenda_page = 1 if len(dossier.pages) > 1 else 0
    sources = []  # kept open until the dossier is saved: its pages refer to them
    outline = [OutlineItem(cover_title, 0)]
    last_at_level = {}
    try:
        for part in parts:
            start = len(dossier.pages)
            if part.get("path"):
                source = Pdf.open(part["path"])
                sources.append(source)
                dossier.pages.extend(source.pages)
            page = start if part.get("path") or part.get("documents") else agenda_page
            item = OutlineItem(part["title"], page)
            parent = last_at_level.get(part["level"] - 1)
            (parent.children if parent is not None else outline).append(item)
            last_at_level = {level: it for level, it in last_at_level.items() if level < part["level"]}
            last_at_level[part["level"]] = item
        with dossier.open_outline() as tree:
            tree.root[:] = outline  # replaces the bookmarks WeasyPrint made from the cover's headings
        for attachment in attachments() if callable(attachments) else attachments:
            dossier.attachments[attachment["name"]] = AttachedFileSpec(
                dossier, Path(attachment["path"]).read_bytes(), filename=attachment["name"])
        dossier.docinfo[pikepdf.Name.Title] = title
        dossier.docinfo[pikepdf.Name.Producer] = "Cabinet"
        dossier.Root.PageMode = pikepdf.Name.UseOutlines
        dossier.save(target)
        return {"pages": len(dossier.pages), "seconds": {"cover": round(covered - started, 3),
                                                          "join": round(time.perf_counter() - covered, 3)}}
    finally:
        for source in sources:
            source.close()
        dossier.close()
