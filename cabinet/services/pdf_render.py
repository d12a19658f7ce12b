"""Our own templates (minutes, consultation reports, comment tables) laid out as PDF/A in the warm PDF
child, never on the event loop the tablets wait on."""
from __future__ import annotations

import tempfile
from pathlib import Path

from flask import current_app

from ..pdf.runner import WorkerFailed, warm_renderer
from .errors import Unavailable


def render_html(html: str, attachments: list[dict], failure) -> tuple[bytes, dict]:
    """(PDF bytes, {element id: [page, x, y, w, h]} of the signature boxes) for `html`, with `attachments`
    ({name, content, description}) embedded. Unavailable(`failure`, render_failed) when the child cannot."""
    with tempfile.TemporaryDirectory(prefix="render-") as scratch:
        target = Path(scratch) / "out.pdf"
        try:
            answer = warm_renderer.run({"command": "render_minutes", "html": html, "target": str(target),
                                        "static_dir": current_app.static_folder, "attachments": attachments})
        except WorkerFailed:
            answer = {"refused": "worker_failed"}
        if "refused" in answer:
            raise Unavailable(failure, code="render_failed")
        return target.read_bytes(), answer["anchors"]
