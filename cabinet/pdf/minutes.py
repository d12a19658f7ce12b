"""Render the minutes' HTML to PDF/A-3b with WeasyPrint (runs in the PDF worker child, never in the server).

WeasyPrint reads nothing but files under our static folder (fonts, stylesheet): no network, no other
files, whatever the HTML says. The machine-readable record travels inside the PDF as an attachment.
"""
from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import unquote, urlparse

log = logging.getLogger(__name__)
CSS_PX_TO_PT = 0.75


def static_only_fetcher(static_dir: Path):
    """WeasyPrint's URL fetcher for our templates (minutes, the dossier's cover): static files only."""
    from weasyprint.urls import URLFetcher

    class StaticOnlyFetcher(URLFetcher):
        """Serve file:// URLs under `root`; refuse everything else (WeasyPrint then skips the resource)."""

        def __init__(self, root: Path):
            super().__init__(allowed_protocols={"file"}, allow_redirects=False)
            self.root = root.resolve()

        def fetch(self, url, headers=None):
            parsed = urlparse(url)
            path = Path(unquote(parsed.path)).resolve()
            if parsed.scheme != "file" or not path.is_relative_to(self.root) or not path.is_file():
                log.warning("minutes renderer refused %s", url[:200])
                raise ValueError(f"refused: {url[:200]}")
            return super().fetch(path.as_uri(), headers)

    return StaticOnlyFetcher(static_dir)


_font_config = None


def font_config():
    """One font configuration per worker process: our @font-face files are loaded once (WeasyPrint keeps
    a face by its descriptors) and Pango keeps what it learned of them, instead of again for every PDF."""
    global _font_config
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration
        _font_config = FontConfiguration()
    return _font_config


_stylesheets: dict = {}


def stylesheet(static_dir: Path):
    """static/css/minutes-pdf.css (the minutes and the dossier's cover), parsed once per worker process,
    its @font-face rules into font_config(); the worker is replaced now and then (runner.py), so an edited
    file is read again soon enough."""
    from weasyprint import CSS
    key = str(static_dir.resolve())
    if key not in _stylesheets:
        _stylesheets[key] = CSS(filename=str(static_dir.resolve() / "css" / "minutes-pdf.css"),
                                url_fetcher=static_only_fetcher(static_dir), font_config=font_config())
    return _stylesheets[key]


def render_minutes_pdf(html: str, static_dir: Path, target: Path, attachments: list[dict]) -> dict:
    """Write the PDF to `target`; return the page count and each signature box's place
    (`anchors`: element id → [page index, x1, y1, x2, y2] in PDF points, origin bottom left)."""
    from weasyprint import HTML, Attachment

    fetcher = static_only_fetcher(static_dir)
    document = HTML(string=html, base_url=static_dir.resolve().as_uri() + "/", url_fetcher=fetcher).render(
        stylesheets=[stylesheet(static_dir)], font_config=font_config())
    anchors = {}
    for index, page in enumerate(document.pages):
        height_pt = page.height * CSS_PX_TO_PT
        for name, (x1, y1, x2, y2) in page.anchors.items():
            if name.startswith("signature-"):
                anchors[name] = [index, round(x1 * CSS_PX_TO_PT, 2), round(height_pt - y2 * CSS_PX_TO_PT, 2),
                                 round(x2 * CSS_PX_TO_PT, 2), round(height_pt - y1 * CSS_PX_TO_PT, 2)]
    files = [Attachment(string=a["content"], name=a["name"], description=a.get("description", ""),
                        relationship="Data") for a in attachments]
    document.write_pdf(target, pdf_variant="pdf/a-3b", attachments=files)
    return {"pages": len(document.pages), "anchors": anchors}
