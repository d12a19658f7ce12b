"""The secretariat corrects a meeting's documents: a title per upload (the PDF's own /Title when it is a
real one), rename, reorder, move to another agenda item, withdraw and restore — audited, versions kept,
a withdrawn document hidden from everyone but the secretariat."""
import io
import json

import pypdf
import pytest
from sqlalchemy import select

from cabinet.extensions import db
from cabinet.models import AuditEntry, Document, DocumentVersion
from cabinet.pdf.titles import document_title, sensible_title, title_from_filename
from cabinet.services import documents
from cabinet.services.errors import Conflict, Invalid, NotAllowed, NotFound
from cabinet.storage import store

VIETNAMESE_TITLE = "Tờ trình về việc phê duyệt Đề án đô thị thông minh tỉnh Thanh Hóa"


def pdf_with_title(title: str | None = None) -> bytes:
    """A one-page PDF whose document information carries `title` (pypdf writes it as UTF-16)."""
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if title is not None:
        writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture()
def scene(make):
    staff, member = make.user("secretariat"), make.user()
    meeting = make.meeting(staff, status="published", items=2, participants_={member: "member"})
    return {"staff": staff, "member": member, "meeting": meeting, "items": list(meeting.items)}


def _upload(scene, name="tai-lieu.pdf", title="", item=None, data=None):
    document = documents.upload_document(scene["staff"], scene["meeting"], io.BytesIO(data or pdf_with_title()),
                                         filename=name, title=title, agenda_item_id=item.id if item else None)
    db.session.commit()
    return document


def _audit(action: str, document: Document) -> list[dict]:
    rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == action,
                                                       AuditEntry.object_id == str(document.id)))
    return [json.loads(row.details) for row in rows]


# --- titles --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    (VIETNAMESE_TITLE, VIETNAMESE_TITLE),
    ("TỜ TRÌNH<br>Về việc phê duyệt Đề án", "TỜ TRÌNH Về việc phê duyệt Đề án"),  # an HTML title's line break
    ("Microsoft Word - Bao cao quy IV.docx", "Bao cao quy IV"),
    ("Tờ trình số 12/TTr-UBND", "Tờ trình số 12/TTr-UBND"),
    ("Untitled", None), ("Document1", None), ("scan_0001", None), ("C:\\Users\\a\\x.pdf", None),
    ("   ", None), ("12345", None), (None, None),
])
def test_a_pdf_title_counts_only_when_a_person_would_call_it_one(raw, expected):
    assert sensible_title(raw) == expected


def test_without_a_sensible_pdf_title_the_file_name_is_made_readable():
    assert title_from_filename("to-trinh_do-thi-thong-minh.pdf") == "To trinh do thi thong minh"
    assert document_title("Untitled", "bao-cao.pdf") == "Bao cao"


def test_an_upload_without_a_title_takes_the_vietnamese_title_the_pdf_carries(scene):
    document = _upload(scene, name="to-trinh-do-thi-thong-minh.pdf", data=pdf_with_title(VIETNAMESE_TITLE))
    assert document.title == VIETNAMESE_TITLE


def test_a_placeholder_pdf_title_gives_way_to_the_file_name_and_a_typed_title_wins(scene):
    assert _upload(scene, name="to-trinh-do-thi.pdf", data=pdf_with_title("Document1")).title == "To trinh do thi"
    typed = _upload(scene, name="x.pdf", title="  Báo cáo   tài chính ", data=pdf_with_title(VIETNAMESE_TITLE))
    assert typed.title == "Báo cáo tài chính"


def test_new_uploads_go_last_under_their_agenda_item(scene):
    item = scene["items"][0]
    first, second = _upload(scene, item=item), _upload(scene, item=item)
    loose = _upload(scene)
    assert (first.position, second.position, loose.position) == (0, 1, 0)


# --- rename, reorder, move --------------------------------------------------------------------------

def test_rename_keeps_the_versions_and_is_audited(scene):
    document = _upload(scene, name="to-trinh-do-thi-thong-minh.pdf")
    version = document.current_version.sha256
    documents.rename_document(scene["staff"], document, "Tờ trình về đô thị thông minh")
    db.session.commit()
    assert document.title == "Tờ trình về đô thị thông minh"
    assert [v.sha256 for v in document.versions] == [version]
    assert _audit("document.rename", document) == [{}]
    changed = _audit("document.update", document)
    assert changed and changed[-1]["changed"]["title"][1] == "Tờ trình về đô thị thông minh"


@pytest.mark.parametrize("title", ["", "   ", "x" * 501, 42, None, ["a"]])
def test_a_bad_title_is_refused_and_nothing_changes(scene, title):
    document = _upload(scene, title="Báo cáo")
    with pytest.raises(Invalid):
        documents.rename_document(scene["staff"], document, title)
    db.session.rollback()
    assert db.session.get(Document, document.id).title == "Báo cáo"


def test_reorder_within_an_agenda_item(scene):
    item = scene["items"][0]
    a, b, c = (_upload(scene, title=t, item=item) for t in ("A", "B", "C"))
    documents.move_document(scene["staff"], c, item.id, 0)
    db.session.commit()
    assert [d.title for d in documents.list_for_meeting(scene["member"], scene["meeting"])] == ["C", "A", "B"]
    assert _audit("document.move", c) == [{"from_item": item.id, "to_item": item.id, "position": 0}]


def test_move_to_another_item_closes_the_gap_and_goes_where_asked(scene):
    first, second = scene["items"]
    a, b = _upload(scene, title="A", item=first), _upload(scene, title="B", item=first)
    x = _upload(scene, title="X", item=second)
    documents.move_document(scene["staff"], a, second.id, 0)
    db.session.commit()
    assert (a.agenda_item_id, a.position, x.position, b.position) == (second.id, 0, 1, 0)
    documents.move_document(scene["staff"], a, None)  # the whole meeting, last
    db.session.commit()
    assert a.agenda_item_id is None


@pytest.mark.parametrize("position", [-1, 3, "x", 1.5, True])
def test_a_bad_position_is_refused(scene, position):
    item = scene["items"][0]
    a, b, c = (_upload(scene, title=t, item=item) for t in ("A", "B", "C"))
    with pytest.raises(Invalid):
        documents.move_document(scene["staff"], a, item.id, position)
    db.session.rollback()
    assert [d.position for d in (a, b, c)] == [0, 1, 2]


def test_an_item_of_another_meeting_is_refused(make, scene):
    other = make.meeting(scene["staff"], items=1)
    document = _upload(scene, item=scene["items"][0])
    with pytest.raises(Invalid) as refused:
        documents.move_document(scene["staff"], document, other.items[0].id)
    assert refused.value.code == "unknown_item"


def test_only_the_secretariat_corrects_and_not_once_the_meeting_is_closed(make, scene):
    document = _upload(scene, title="Báo cáo")
    with pytest.raises(NotAllowed):
        documents.rename_document(scene["member"], document, "Khác")
    with pytest.raises(NotAllowed):
        documents.withdraw_document(scene["member"], document)
    with pytest.raises(NotFound):  # the document (and meeting) are invisible to a stranger
        documents.move_document(make.user(), document, None, 0)
    closed = make.meeting(scene["staff"], status="closed")
    late = Document(meeting_id=closed.id, title="Cũ", access="participants", position=0)
    late.versions = [DocumentVersion(number=1, sha256=document.current_version.sha256, size=1, page_count=1)]
    db.session.add(late)
    db.session.flush()
    for change in (lambda: documents.rename_document(scene["staff"], late, "Mới"),
                   lambda: documents.move_document(scene["staff"], late, None, 0),
                   lambda: documents.withdraw_document(scene["staff"], late)):
        with pytest.raises(Conflict):
            change()


# --- withdraw and restore -----------------------------------------------------------------------------

def test_a_withdrawn_document_is_hidden_from_members_kept_for_the_secretariat_and_restorable(scene):
    document = _upload(scene, title="Tờ trình bị rút")
    digest = document.current_version.sha256
    documents.withdraw_document(scene["staff"], document)
    db.session.commit()
    assert documents.list_for_meeting(scene["member"], scene["meeting"]) == []
    with pytest.raises(NotFound):
        documents.get_document(scene["member"], document.id)
    assert [d.withdrawn for d in documents.list_for_meeting(scene["staff"], scene["meeting"])] == [True]
    assert store().exists(digest) and db.session.get(Document, document.id).versions  # not deleted
    with pytest.raises(Conflict):  # no new version for a withdrawn document
        documents.add_version(scene["staff"], document, io.BytesIO(pdf_with_title()), filename="v2.pdf")
    documents.restore_document(scene["staff"], document)
    db.session.commit()
    assert documents.get_document(scene["member"], document.id) is document
    assert _audit("document.withdraw", document) == [{"version": 1}]
    assert _audit("document.restore", document) == [{}]


def test_a_withdrawn_document_is_not_in_the_meeting_record(scene):
    """The minutes' record names the documents that were before the meeting: not one withdrawn, and the
    others in the order the secretariat set."""
    from cabinet.services.minutes_record import record_of
    item = scene["items"][0]
    first = _upload(scene, title="Tờ trình thứ nhất", item=item)
    second = _upload(scene, title="Tờ trình thứ hai", item=item)
    gone = _upload(scene, title="Dự thảo đã rút", item=item)
    documents.update_document(scene["staff"], second, {"position": 0})
    documents.withdraw_document(scene["staff"], gone)
    db.session.commit()
    recorded = next(i for i in record_of(scene["meeting"])["items"] if i["item_id"] == item.id)
    assert [d["title"] for d in recorded["documents"]] == ["Tờ trình thứ hai", "Tờ trình thứ nhất"]
    assert first.id in {d["id"] for d in recorded["documents"]}
