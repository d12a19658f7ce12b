"""Closing a meeting is quick whatever its documents: the words of its documents are extracted for the
archive after the close commits, in the background and outside any write lock (they took 156 s inside
the closing transaction for two 1 000-page PDFs, and every write elsewhere failed meanwhile)."""
import time

import pikepdf
from sqlalchemy import select

from cabinet.extensions import db
from cabinet.models import ArchiveEntry
from cabinet.services import archive

from ..documents_helpers import archive_settled, upload

WORD = "xylophonium"


def long_pdf(pages: int = 400) -> bytes:
    """A PDF whose text takes the worker a second or more to extract; WORD on its first page."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    body = pdf.make_stream(b"".join(b"BT /F1 9 Tf 20 %d Td (ngan sach %d) Tj ET\n" % (800 - 12 * i, i)
                                    for i in range(64)))
    for number in range(pages):
        contents = pdf.make_stream(b"BT /F1 12 Tf 20 820 Td (" + WORD.encode() + b") Tj ET") if number == 0 else body
        pdf.pages.append(pikepdf.Page(pikepdf.Dictionary(
            Type=pikepdf.Name.Page, MediaBox=[0, 0, 595, 842], Contents=contents,
            Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)))))
    out = __import__("io").BytesIO()
    pdf.save(out)
    return out.getvalue()


def _document_entry(document_id: int) -> ArchiveEntry | None:
    db.session.rollback()  # a fresh look at what the background wrote
    return db.session.scalar(select(ArchiveEntry).where(ArchiveEntry.kind == "document",
                                                        ArchiveEntry.ref_id == document_id))


def test_close_commits_first_and_the_words_follow(api, make):
    staff, archivist = make.user("secretariat"), make.user("archivist")
    meeting = make.meeting(staff, status="live")
    other = make.meeting(staff, status="published", title="Phiên họp khác")
    s = api.as_(staff)
    document = upload(s, meeting.id, long_pdf(), title="Báo cáo dài").get_json()

    assert s.post(f"/meetings/{meeting.id}/close").status_code == 200
    entry = _document_entry(document["id"])
    assert entry is not None and entry.title == "Báo cáo dài", "found by its title at once"
    assert WORD not in entry.folded and entry.text_pending, "the text was not extracted inside the close"
    # Meanwhile the database takes writes: nothing holds a lock while the worker reads the PDF.
    assert s.patch(f"/meetings/{other.id}", json={"location": "Phòng họp số 2"}).status_code == 200

    deadline = time.monotonic() + 60
    while _document_entry(document["id"]).text_pending and time.monotonic() < deadline:
        time.sleep(0.2)
    assert WORD in _document_entry(document["id"]).folded
    hits, total = archive.search(archivist, q=WORD)
    assert total == 1 and hits[0].meeting.id == meeting.id and [m.kind for m in hits[0].matches] == ["document"]


def test_words_a_stopped_server_left_pending_are_taken_up_by_reindex(app, api, make):
    staff, archivist = make.user("secretariat"), make.user("archivist")
    meeting = make.meeting(staff, status="live")
    document = upload(api.as_(staff), meeting.id, long_pdf(3), title="Phụ lục").get_json()
    assert api.as_(staff).post(f"/meetings/{meeting.id}/close").status_code == 200
    archive_settled()
    entry = _document_entry(document["id"])
    entry.folded, entry.text_pending = "phu luc", True  # as a server killed before the words were read
    db.session.commit()
    assert archive.search(archivist, q=WORD)[1] == 0

    result = app.test_cli_runner().invoke(args=["archive", "reindex"])
    assert result.exit_code == 0 and "the words of 1 document(s)" in result.output, result.output
    assert not _document_entry(document["id"]).text_pending
    assert archive.search(archivist, q=WORD)[1] == 1
