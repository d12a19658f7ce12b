"""A confidential document's title reaches only its named readers: every record a reader receives (the
minutes over REST, the draft and signed PDF with its embedded record.json, the dossier an archivist
exports) counts confidential documents and names none of them."""
import io
import json
import zipfile

import pypdf
import pytest

from ..documents_helpers import sample, upload
from ..minutes_helpers import held_session

SECRET_TITLE = "Phương án nhân sự bí mật Sở Nội vụ"
OPEN_TITLE = "Tờ trình dự toán ngân sách"


@pytest.fixture()
def held(make, api):
    session = held_session(make, close=False)
    meeting, staff = session["meeting"], session["secretariat"]
    item = meeting.items[0].id
    s = api.as_(staff)
    assert upload(s, meeting.id, sample("to-trinh-do-thi-thong-minh.pdf"), title=OPEN_TITLE,
                  agenda_item_id=item).status_code == 201
    assert upload(s, meeting.id, sample("bao-cao-kinh-te-xa-hoi-2026.pdf"), title=SECRET_TITLE,
                  agenda_item_id=item, access="confidential",
                  readers=session["chair"].id).status_code == 201
    assert api.as_(session["secretary"]).post(f"/meetings/{meeting.id}/minutes").status_code == 201
    return session


def _pdf_texts(data: bytes) -> tuple[str, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return text, reader.attachments["record.json"][0].decode("utf-8")


def test_minutes_count_confidential_documents_and_name_none(held, api):
    member = held["members"][0]  # invited, not a named reader of the confidential document
    answer = api.as_(member).get(f"/meetings/{held['meeting'].id}/minutes")
    assert answer.status_code == 200
    body = json.dumps(answer.get_json(), ensure_ascii=False)
    assert OPEN_TITLE in body and SECRET_TITLE not in body
    recorded = answer.get_json()["content"]["record"]["items"][0]
    assert recorded["confidential_documents"] == 1 and [d["title"] for d in recorded["documents"]] == [OPEN_TITLE]

    pdf = api.as_(member).get(answer.get_json()["pdf_url"].removeprefix("/api/v1"))
    assert pdf.status_code == 200
    text, record = _pdf_texts(pdf.data)
    assert OPEN_TITLE in " ".join(text.split()) and SECRET_TITLE not in record
    assert "nhân sự bí mật" not in " ".join(text.split())  # not even split across lines
    assert "1 tài liệu mật" in " ".join(text.split())


def test_dossier_of_an_archivist_who_may_not_read_it_names_it_nowhere(held, api, make):
    meeting, staff = held["meeting"], held["secretariat"]
    assert api.as_(staff).post(f"/meetings/{meeting.id}/close").status_code == 200
    archivist = make.user("archivist")
    exported = api.as_(archivist).get(f"/meetings/{meeting.id}/dossier.zip")
    assert exported.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(exported.data))
    for name in archive.namelist():
        assert SECRET_TITLE.encode() not in archive.read(name), name
    record = json.loads(archive.read("record.json"))
    assert record["items"][0]["confidential_documents"] == 1
