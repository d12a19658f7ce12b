"""Plain text of a stored PDF for the archive's search index (runs in the PDF worker child)."""
from __future__ import annotations

import unicodedata
from pathlib import Path


def extract_text(source: Path, limit: int) -> dict:
    """The text of every page, NFC-normalised, up to `limit` characters."""
    from pypdf import PdfReader

    parts, size = [], 0
    for page in PdfReader(source).pages:
        chunk = unicodedata.normalize("NFC", page.extract_text() or "")
        parts.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return {"text": "\n".join(parts)[:limit]}
