"""The consolidated table of comments on a draft ("Bảng tổng hợp ý kiến góp ý"): rows, CSV and PDF.

The table is a record in Vietnamese. The PDF is laid out by WeasyPrint in the warm PDF child (as the
minutes are), never in the server process.
"""
from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..config import DEFAULT_TIMEZONE
from ..models import Document, DraftComment, DraftConsultation
from ..models.types import utcnow
from ..presentation.comments import STATUS_WORDS
from .pdf_render import render_html

TITLE = "Bảng tổng hợp ý kiến góp ý"
COLUMNS = ("STT", "Người góp ý", "Trang", "Đoạn trích", "Nội dung góp ý", "Tiếp thu/giải trình",
           "Ý kiến tiếp thu, giải trình", "Thời điểm góp ý")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _local(moment) -> str:
    return moment.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).strftime("%d/%m/%Y %H:%M") if moment else ""


def table_rows(comments: list[DraftComment]) -> list[dict]:
    """One row per comment, numbered in the order they came."""
    return [{"number": n, "author": c.user.full_name, "page": c.page, "version": c.version.number,
             "quote": c.quote, "text": c.text, "status": STATUS_WORDS[c.status], "response": c.response,
             "created_at": _local(c.created_at)} for n, c in enumerate(comments, start=1)]


def _cell(value) -> str:
    """A spreadsheet must not run a comment as a formula (=HYPERLINK(…) typed by a member)."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def comments_csv(comments: list[DraftComment]) -> bytes:
    """UTF-8 with a byte order mark, so Excel shows the Vietnamese letters; CRLF rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in table_rows(comments):
        writer.writerow([_cell(row[k]) for k in ("number", "author", "page", "quote", "text", "status", "response",
                                                  "created_at")])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def comments_pdf(document: Document, consultation: DraftConsultation, comments: list[DraftComment]) -> bytes:
    """The table as a landscape A4 PDF; the CSV rides inside it as an attachment (the same rows, for reuse)."""
    template = current_app.jinja_env.get_template("documents/comments_pdf.html")
    html = template.render(title=TITLE, document=document, consultation=consultation, rows=table_rows(comments),
                           deadline=_local(consultation.deadline), made_at=_local(utcnow()),
                           organisation=current_app.config["ORGANISATION"])
    attachments = [{"name": "gop-y.csv", "content": comments_csv(comments).decode("utf-8"),
                    "description": TITLE}]
    return render_html(html, attachments, _l("The table could not be rendered; try again."))[0]
