"""The archive: closed meetings found by words in their minutes and documents (with or without accents),
by title, body and dates; confidential text never shows up for those who may not read it."""
import io
from zoneinfo import ZoneInfo

import pytest

from cabinet.extensions import db
from cabinet.services import archive, documents, meetings, minutes
from cabinet.services.errors import Invalid, NotAllowed

from ..documents_helpers import archive_settled, sample


def test_fold_removes_accents_and_case():
    assert archive.fold("Biên bản Kỳ họp ĐỒNG Ý  đường") == "bien ban ky hop dong y duong"


@pytest.fixture()
def archive_of(make):
    secretariat = make.user("secretariat")
    archivist = make.user("archivist")
    chair, secretary = make.user("member"), make.user("member")
    meeting = make.meeting(secretariat, status="published", items=1, title="Kỳ họp chuyên đề về đô thị thông minh",
                           participants_={chair: "chair", secretary: "secretary"})
    documents.upload_document(secretariat, meeting, io.BytesIO(sample("to-trinh-do-thi-thong-minh.pdf")),
                              filename="to-trinh.pdf", title="Tờ trình", agenda_item_id=meeting.items[0].id)
    documents.upload_document(secretariat, meeting, io.BytesIO(sample("bao-cao-kinh-te-xa-hoi-2026.pdf")),
                              filename="mat.pdf", title="Báo cáo mật", access="confidential", readers=[chair.id])
    db.session.commit()
    meetings.move_status(secretariat, meeting, "start")
    db.session.commit()
    record = minutes.generate_minutes(secretary, meeting)
    minutes.edit_minutes(secretary, record, {"conclusions": {str(meeting.items[0].id):
                                                             "<p>Giao Sở Xây dựng lập đề án chiếu sáng công cộng.</p>"}})
    db.session.commit()
    open_meeting = make.meeting(secretariat, status="live", title="Phiên họp đô thị chưa kết thúc")
    meetings.move_status(secretariat, meeting, "close")
    db.session.commit()
    archive_settled()  # the documents' words are read after the close commits
    return {"meeting": meeting, "archivist": archivist, "secretariat": secretariat, "chair": chair,
            "open": open_meeting}


def test_words_of_minutes_and_documents_are_found_without_accents(archive_of):
    archivist, meeting = archive_of["archivist"], archive_of["meeting"]
    hits, total = archive.search(archivist, q="chieu sang cong cong")
    assert total == 1 and hits[0].meeting.id == meeting.id
    assert [m.kind for m in hits[0].matches] == ["minutes"]
    hits, _ = archive.search(archivist, q="Đô thị thông minh")  # words of the proposal, as typed with accents
    kinds = {m.kind for m in hits[0].matches}
    assert {"meeting", "document"} <= kinds
    assert hits[0].minutes is not None


def test_confidential_text_gives_no_hint_to_other_readers(archive_of):
    secret_words = "kinh te xa hoi"  # the confidential report's words
    archivist_hits, _ = archive.search(archive_of["archivist"], q=secret_words)
    assert all(m.kind != "document" for hit in archivist_hits for m in hit.matches)


def test_filters_by_title_dates_and_only_closed_meetings(archive_of):
    archivist, meeting = archive_of["archivist"], archive_of["meeting"]
    day = meeting.starts_at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()  # dates are local
    assert archive.search(archivist, title="chuyen de")[1] == 1
    assert archive.search(archivist, title="khong co")[1] == 0
    assert archive.search(archivist, date_from=day, date_to=day)[1] == 1
    assert archive.search(archivist, date_from="2020-01-01", date_to="2020-12-31")[1] == 0
    assert all(hit.meeting.status == "closed" for hit in archive.search(archivist, q="do thi")[0])
    with pytest.raises(Invalid):
        archive.search(archivist, date_from="hôm qua")
    with pytest.raises(Invalid):
        archive.search(archivist, date_from="2026-12-31", date_to="2026-01-01")


def test_members_may_not_search(archive_of):
    with pytest.raises(NotAllowed):
        archive.search(archive_of["chair"], q="do thi")


def test_search_over_http(archive_of, api):
    response = api.as_(archive_of["archivist"]).get("/archive?q=chieu%20sang")
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 1 and body["items"][0]["retention"]["basis"].startswith("Thông tư")
    assert api.as_(archive_of["chair"]).get("/archive?q=x").status_code == 403
    assert api.as_(archive_of["archivist"]).get("/archive?from=bad").status_code == 422


def test_archive_page(archive_of, client):
    from ..factories import login
    login(client, archive_of["archivist"])
    page = client.get("/archive?q=chieu+sang")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Kỳ họp chuyên đề về đô thị thông minh" in html and "Thông tư 10/2022/TT-BNV" in html
    assert client.get("/archive?from=sai").status_code == 422
    client.post("/logout", data={})
    other = client.application.test_client()
    login(other, archive_of["chair"])
    assert other.get("/archive").status_code == 403
