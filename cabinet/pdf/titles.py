"""A document's title from what the file says of itself: its /Title metadata when that is a real title,
otherwise its file name. Pure functions (no Flask): the upload check's child and the services use them.

static/js/upload.js applies the same rule to prefill the title fields before a file is sent.
"""
from __future__ import annotations

import re
import unicodedata

MAX_TITLE = 500
# What office programs and scanners write when nobody typed a title.
PRODUCER_PREFIX = re.compile(r"^(microsoft\s+(word|excel|powerpoint)|word|powerpoint)\s+-\s+", re.IGNORECASE)
FILE_EXTENSION = re.compile(r"\.(pdf|docx?|odt|rtf|txt|xlsx?|ods|pptx?|odp)$", re.IGNORECASE)
PLACEHOLDER = re.compile(r"^(untitled|document|doc|presentation|powerpoint presentation|book|sheet|slide|title|"
                         r"new document|scan|image|img|dsc|tiêu đề|không có tiêu đề|văn bản)[\s_\-]*\d*$",
                         re.IGNORECASE)


MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z][^<>]{0,80}>")  # "TỜ TRÌNH<br>Về việc …" from an HTML title


def _tidy(text: str) -> str:
    text = unicodedata.normalize("NFC", MARKUP.sub(" ", text))
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())


def sensible_title(raw) -> str | None:
    """The PDF's /Title if a person would call it a title; None for blanks, placeholders ("Untitled",
    "Document1"), file names and machine names ("scan_0001")."""
    if not isinstance(raw, str):
        return None
    title = FILE_EXTENSION.sub("", PRODUCER_PREFIX.sub("", _tidy(raw))).strip()
    if len(title) < 3 or len(title) > MAX_TITLE or not any(ch.isalpha() for ch in title):
        return None
    if PLACEHOLDER.match(title) or "\\" in title or title.startswith("/"):
        return None  # (a slash inside is fine: "Tờ trình số 12/TTr-UBND")
    if " " not in title and re.search(r"[_\d/]", title):
        return None  # one "word" with digits, underscores or slashes: a file, path or machine name
    return title


def title_from_filename(filename: str) -> str:
    """"to-trinh_do-thi.pdf" → "To trinh do thi": what a file name says, readable."""
    stem = FILE_EXTENSION.sub("", (filename or "").strip())
    title = _tidy(stem.replace("_", " ").replace("-", " "))[:MAX_TITLE]
    return (title[:1].upper() + title[1:]) if title else "Tài liệu"


def document_title(metadata_title, filename: str) -> str:
    """The title a document gets when the uploader gave none."""
    return sensible_title(metadata_title) or title_from_filename(filename)
