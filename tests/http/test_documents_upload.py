"""Uploads: every sample gets the right answer, and a refused file leaves nothing behind."""
import io
from pathlib import Path

import pypdf
import pytest

from cabinet.extensions import db
from cabinet.models import Document, DocumentVersion
from cabinet.pdf.sanitize import REMOVAL_CODES
from cabinet.presentation.documents import REMOVAL_LABELS

from ..documents_helpers import sample, upload
from ..factories import login
from ..hostile_pdfs import EXHAUSTING, HOSTILE, TEXT, assert_inert


@pytest.fixture()
def staff(api, make):
    return api.as_(make.user("secretariat"))


@pytest.fixture()
def meeting(make, staff):
    return make.meeting(staff.user, status="published", participants_={make.user(): "member"})


def _stored_files(app) -> set[Path]:
    root = Path(app.config["FILES_DIR"])
    return {p for p in root.rglob("*") if p.is_file() and "tmp" not in p.relative_to(root).parts}


@pytest.mark.parametrize("name, status, code", [
    ("to-trinh-do-thi-thong-minh.pdf", 201, None),
    ("bao-cao-kinh-te-xa-hoi-2026.pdf", 201, None),
    ("mixed-sizes-rotated.pdf", 201, None),
    ("flate-bomb.pdf", 201, None),
    ("javascript-on-open.pdf", 201, None),
    ("truncated.pdf", 422, "pdf_damaged"),
    ("empty.pdf", 400, "empty_file"),
    ("not-a-pdf.pdf", 415, "not_a_pdf"),
    ("html-disguised.pdf", 415, "not_a_pdf"),
    ("encrypted-password.pdf", 422, "pdf_encrypted"),
])
def test_every_sample_gets_the_right_answer(app, staff, meeting, name, status, code):
    before = _stored_files(app)
    response = upload(staff, meeting.id, sample(name), name)
    assert response.status_code == status, response.get_data(as_text=True)
    if code:
        assert response.get_json()["error"]["code"] == code
        assert db.session.query(Document).count() == 0
        assert _stored_files(app) == before, "a refused upload stores nothing"
    else:
        body = response.get_json()
        assert body["version"]["page_count"] == len(pypdf.PdfReader(io.BytesIO(sample(name))).pages)


def test_encrypted_message_asks_for_the_unprotected_file(staff, meeting):
    message = upload(staff, meeting.id, sample("encrypted-password.pdf")).get_json()["error"]["message"]
    assert "mật khẩu" in message


def test_javascript_never_reaches_a_reader(app, staff, meeting):
    body = upload(staff, meeting.id, sample("javascript-on-open.pdf"), access="public").get_json()
    assert body["version"]["removed_active_content"] == ["javascript"]
    stored = staff.get(f"/documents/{body['id']}/file").data
    reader = pypdf.PdfReader(io.BytesIO(stored))
    assert "/OpenAction" not in reader.trailer["/Root"]
    assert b"/JavaScript" not in stored and b"/JS" not in stored
    assert len(reader.pages) == 6


def test_the_same_bytes_are_stored_once(app, staff, meeting):
    first = upload(staff, meeting.id, sample("to-trinh-do-thi-thong-minh.pdf"), access="public").get_json()
    second = upload(staff, meeting.id, sample("to-trinh-do-thi-thong-minh.pdf"), access="public").get_json()
    assert first["id"] != second["id"]
    assert first["version"]["sha256"] == second["version"]["sha256"]
    stored = [p for p in _stored_files(app) if p.name == first["version"]["sha256"]]
    assert len(stored) == 1


def test_too_large_is_413_and_stores_nothing(app, staff, meeting, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    big = sample("to-trinh-do-thi-thong-minh.pdf") + b"%" * (2 * 1024 * 1024)
    response = upload(staff, meeting.id, big)
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"
    assert db.session.query(DocumentVersion).count() == 0


def test_missing_file_and_bad_fields(staff, meeting, make):
    no_file = staff.post(f"/meetings/{meeting.id}/documents", data={"title": "x"},
                         content_type="multipart/form-data")
    assert no_file.status_code == 400 and no_file.get_json()["error"]["code"] == "no_file"
    pdf = sample("to-trinh-do-thi-thong-minh.pdf")
    assert upload(staff, meeting.id, pdf, access="secret").status_code == 422
    assert upload(staff, meeting.id, pdf, access="confidential").get_json()["error"]["code"] == "no_readers"
    outsider = make.user()
    refused = upload(staff, meeting.id, pdf, access="confidential", readers=outsider.id)
    assert refused.get_json()["error"]["code"] == "reader_not_participant"
    assert upload(staff, meeting.id, pdf, agenda_item_id=999999).status_code == 422
    assert db.session.query(Document).count() == 0


def test_members_cannot_upload(api, make, meeting):
    member = meeting.participants[0].user
    assert upload(api.as_(member), meeting.id, sample("to-trinh-do-thi-thong-minh.pdf")).status_code == 403


def test_closed_meeting_takes_no_documents(make, staff):
    closed = make.meeting(staff.user, status="closed")
    response = upload(staff, closed.id, sample("to-trinh-do-thi-thong-minh.pdf"))
    assert response.status_code == 409


def test_a_file_name_with_control_characters_is_cleaned_and_the_document_still_serves(staff, meeting):
    """Issue 11: a name with CR/LF (RFC 2231-encoded in the multipart header) was accepted, then the
    document answered 500 to every reader."""
    pdf = sample("to-trinh-do-thi-thong-minh.pdf")
    body = (b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''to-trinh%0D%0AX-Injected%3A%201%09.pdf"
            b"\r\nContent-Type: application/pdf\r\n\r\n" + pdf + b"\r\n--x--\r\n")
    created = staff.post(f"/meetings/{meeting.id}/documents", data=body, content_type="multipart/form-data; boundary=x")
    assert created.status_code == 201, created.get_json()
    stored = db.session.query(DocumentVersion).one()
    assert stored.filename == "to-trinhX-Injected: 1.pdf"
    served = staff.get(f"/documents/{created.get_json()['id']}/file")
    assert served.status_code == 200 and served.data.startswith(b"%PDF")
    assert "\r" not in served.headers["Content-Disposition"] and "\n" not in served.headers["Content-Disposition"]


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_content_never_reaches_a_member(app, api, staff, meeting, name):
    """Issue 11: JavaScript in a /Next array, a Launch deep in a /Next chain, an .exe in the EmbeddedFiles
    tree or behind a FileAttachment … were accepted with nothing reported and served back as sent."""
    build, codes = HOSTILE[name]
    created = upload(staff, meeting.id, build(), f"{name}.pdf")
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert set(body["version"]["removed_active_content"]) == codes
    stored = [p for p in _stored_files(app) if p.name == body["version"]["sha256"]]
    assert len(stored) == 1
    assert_inert(stored[0].read_bytes())  # the stored file itself, before any reader's stamp
    member = api.as_(meeting.participants[0].user)
    served = member.get(f"/documents/{body['id']}/file")
    assert served.status_code == 200
    assert_inert(served.data)
    assert TEXT in pypdf.PdfReader(io.BytesIO(served.data)).pages[0].extract_text()
    listed = member.get(f"/documents/{body['id']}/versions").get_json()["items"]
    assert set(listed[0]["removed_active_content"]) == codes


@pytest.mark.parametrize("name", sorted(EXHAUSTING))
def test_a_file_built_to_exhaust_the_check_gets_a_clear_answer(staff, meeting, name):
    response = upload(staff, meeting.id, EXHAUSTING[name]())
    assert response.status_code in (201, 422), response.get_data(as_text=True)
    if response.status_code == 422:
        assert response.get_json()["error"]["code"] in ("pdf_damaged", "pdf_too_complex")


def test_the_reads_page_names_what_was_removed_in_words(client, staff, meeting):
    body = upload(staff, meeting.id, HOSTILE["file_attachment"][0](), "bang-luong.pdf").get_json()
    login(client, staff.user)
    page = client.get(f"/documents/{body['id']}/reads").get_data(as_text=True)
    removed = page[page.index('data-test="removed-on-upload"'):]
    removed = removed[:removed.index("</div>")]
    assert "Đã gỡ tệp đính kèm nhúng" in removed and "Đã gỡ ghi chú đính kèm tệp" in removed
    assert "file-attachment" not in removed and "embedded-file" not in removed


def test_every_removal_code_is_labelled_and_documented(client):
    assert set(REMOVAL_LABELS) == set(REMOVAL_CODES)
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Version"]
    assert schema["properties"]["removed_active_content"]["items"]["enum"] == list(REMOVAL_CODES)
    documented = (Path(__file__).resolve().parents[2] / "docs" / "DOCUMENTS.md").read_text()
    assert all(f"`{code}`" in documented for code in REMOVAL_CODES)
