"""A written consultation goes into the archive at its close, like a session: found by the folded words of
its subject, questions, outcome, quoted opinions and documents (after their words are extracted), shown as
"Lấy ý kiến bằng văn bản" with a link to its own page, never before the close; its dossier (PDF, ZIP) is
exported by the archivist and the secretariat once closed. Read back with pypdf and zipfile."""
import hashlib
import io
import json
import zipfile
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import delete

from cabinet.extensions import db
from cabinet.models import ArchiveEntry
from cabinet.models.types import utcnow
from cabinet.services import certificates

from .. import factories
from ..documents_helpers import archive_settled, sample, upload

SUBJECT = "Dự thảo Nghị quyết điều chỉnh quy hoạch phân khu Đông Sơn"
OPINION = "Bổ sung tiến độ giải phóng mặt bằng từng quý"


def _prepare(api, people, title=SUBJECT):
    staff = api.as_(people["staff"])
    body = {"title": title, "description": "Xin ý kiến các thành viên Ủy ban về điều chỉnh quy hoạch",
            "deadline": (utcnow() + timedelta(days=2)).isoformat(), "chair_id": people["chair"].id,
            "member_ids": [m.id for m in people["members"]],
            "questions": [{"text": "Đồng ý thông qua dự thảo Nghị quyết?", "kind": "choice"},
                          {"text": "Góp ý về phạm vi điều chỉnh", "kind": "text"}]}
    created = staff.post("/consultations", json=body)
    assert created.status_code == 201, created.get_json()
    return created.get_json()


@pytest.fixture()
def people(make):
    return {"staff": make.user("secretariat", full_name="Lê Thị Văn Phòng"),
            "archivist": make.user("archivist", full_name="Vũ Thị Lưu Trữ"),
            "chair": make.user(full_name="Lê Anh Xuân"),
            "members": [make.user(full_name=f"Thành viên {n}") for n in range(1, 4)],
            "outsider": make.user(full_name="Người ngoài")}


@pytest.fixture()
def closed(api, people):
    """A consultation with a public and a confidential document (the chair its only reader), answered with
    opinions by three of its four members, closed by the secretariat; the documents' words extracted."""
    data = _prepare(api, people)
    cid, staff = data["id"], api.as_(people["staff"])
    public = upload(staff, cid, sample("to-trinh-do-thi-thong-minh.pdf"), title="Tờ trình đô thị thông minh")
    assert public.status_code == 201, public.get_json()
    secret = upload(staff, cid, sample("bao-cao-kinh-te-xa-hoi-2026.pdf"), name="mat.pdf",
                    title="Phương án nhân sự", access="confidential", readers=people["chair"].id)
    assert secret.status_code == 201, secret.get_json()
    assert staff.post(f"/consultations/{cid}/send").status_code == 200
    first, second = data["questions"]
    for n, person in enumerate([people["chair"], *people["members"][:2]]):  # the third does not answer
        answer = {"answers": [{"question_id": first["id"], "choice": "agree"},
                              {"question_id": second["id"], "text": OPINION if n == 1 else "Thống nhất"}]}
        assert api.as_(person).put(f"/consultations/{cid}/answers", json=answer).status_code == 200
    assert staff.post(f"/consultations/{cid}/close").status_code == 200
    archive_settled()
    return {"id": cid, "public": public.get_json(), "secret": secret.get_json()}


def _search(api, person, **query):
    return api.as_(person).get("/archive", query_string=query)


def test_a_closed_consultation_is_found_by_folded_words_and_labelled(api, people, closed, make, app):
    archivist = people["archivist"]
    for words in ("phan khu dong son",          # subject, no diacritics
                  "pham vi dieu chinh",          # a question
                  "giai phong mat bang tung quy",  # a quoted opinion
                  "duoc thong qua",              # the outcome
                  "dich vu cong truc tuyen"):    # the public document's words
        found = _search(api, archivist, q=words).get_json()
        assert found["total"] == 1, (words, found)
        (hit,) = found["items"]
        assert hit["kind"] == "consultation" and hit["url"] == f"/consultations/{closed['id']}"
        assert hit["dossier_pdf"] == f"/api/v1/consultations/{closed['id']}/dossier.pdf"
        assert hit["meeting"]["title"] == SUBJECT and hit["minutes"] is None
    kinds = {m["kind"] for m in _search(api, archivist, q="dich vu cong truc tuyen").get_json()["items"][0]["matches"]}
    assert kinds == {"document"}
    assert "result" in {m["kind"] for m in _search(api, archivist, q="giai phong").get_json()["items"][0]["matches"]}

    # a closed session with the same words is a meeting; the kind filter tells them apart
    session = make.meeting(people["staff"], status="live", title="Kỳ họp về phân khu Đông Sơn")
    assert api.as_(people["staff"]).post(f"/meetings/{session.id}/close").status_code == 200
    both = _search(api, archivist, q="phan khu dong son").get_json()
    assert sorted(i["kind"] for i in both["items"]) == ["consultation", "meeting"]
    assert [i["meeting"]["id"] for i in _search(api, archivist, q="dong son", kind="consultation")
            .get_json()["items"]] == [closed["id"]]
    assert [i["meeting"]["id"] for i in _search(api, archivist, q="dong son", kind="meeting")
            .get_json()["items"]] == [session.id]
    bad = _search(api, archivist, kind="bogus")
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "kind"

    page = app.test_client()
    factories.login(page, archivist)
    html = page.get("/archive", query_string={"q": "phan khu dong son"}).get_data(as_text=True)
    assert "Lấy ý kiến bằng văn bản" in html and f'href="/consultations/{closed["id"]}"' in html
    assert f'href="/meetings/{closed["id"]}"' not in html
    assert f"/api/v1/consultations/{closed['id']}/dossier.zip" in html
    only = page.get("/archive", query_string={"q": "dong son", "kind": "meeting"}).get_data(as_text=True)
    assert f'href="/consultations/{closed["id"]}"' not in only and f'href="/meetings/{session.id}"' in only


def test_only_readers_find_it_and_confidential_words_only_their_readers(api, people, closed):
    assert _search(api, people["outsider"], q="dong son").status_code == 403, "members do not search the archive"
    assert _search(api, people["members"][0], q="dong son").status_code == 403
    secret_words = "phuong huong nhiem vu nam 2027"  # only in the confidential document
    assert _search(api, people["archivist"], q=secret_words).get_json()["total"] == 0
    assert _search(api, people["staff"], q=secret_words).get_json()["total"] == 1


def test_not_in_the_archive_before_the_close(api, people):
    data = _prepare(api, people, title="Dự thảo quy chế phối hợp liên ngành")
    staff = people["staff"]
    for state in ("draft", "published"):
        assert _search(api, staff, q="quy che phoi hop").get_json()["total"] == 0, state
        listed = _search(api, staff).get_json()["items"]
        assert data["id"] not in [i["meeting"]["id"] for i in listed], state
        if state == "draft":
            assert api.as_(staff).post(f"/consultations/{data['id']}/send").status_code == 200


def test_reindex_picks_up_a_closed_consultation(app, api, people, closed):
    db.session.execute(delete(ArchiveEntry).where(ArchiveEntry.meeting_id == closed["id"]))
    db.session.commit()  # as an archive made before consultations were indexed
    assert _search(api, people["archivist"], q="giai phong mat bang").get_json()["total"] == 0
    result = app.test_cli_runner().invoke(args=["archive", "reindex"])
    assert result.exit_code == 0, result.output
    for words in ("giai phong mat bang", "dich vu cong truc tuyen"):
        assert _search(api, people["archivist"], q=words).get_json()["total"] == 1, words


def _outline(reader):
    return [(item.title, reader.get_destination_page_number(item)) for item in reader.outline
            if not isinstance(item, list)]


def test_dossier_pdf_cover_documents_report(api, people, closed):
    cid, archivist = closed["id"], api.as_(people["archivist"])
    exported = archivist.get(f"/consultations/{cid}/dossier.pdf")
    assert exported.status_code == 200 and exported.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(exported.data))
    outline = _outline(reader)
    titles = [title for title, _page in outline]
    assert titles[0] == "Bìa và kết quả" and "Báo cáo kết quả lấy ý kiến (chưa ký)" in titles
    public_pages = len(PdfReader(io.BytesIO(sample("to-trinh-do-thi-thong-minh.pdf"))).pages)
    report_start = dict(outline)["Báo cáo kết quả lấy ý kiến (chưa ký)"]
    first_document = reader.get_destination_page_number(reader.outline[2][0])
    report_pages = len(reader.pages) - report_start
    assert report_start == first_document + public_pages, "the confidential document is not in the archivist's copy"
    unsigned = PdfReader(io.BytesIO(api.as_(people["staff"]).get(f"/consultations/{cid}/result.pdf").data))
    assert len(reader.pages) == first_document + public_pages + len(unsigned.pages) and report_pages >= 1
    cover = " ".join(" ".join(reader.pages[n].extract_text() for n in range(first_document)).split())
    assert "HỒ SƠ LẤY Ý KIẾN BẰNG VĂN BẢN" in cover and SUBJECT in cover
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cover
    assert "Đồng ý thông qua dự thảo Nghị quyết?" in cover and "Được thông qua (3/4" in cover
    assert "Tờ trình đô thị thông minh" in cover and "Phương án nhân sự" not in cover
    assert "Tài liệu mật không có trong bản này" in cover and "chưa ký" in cover
    assert json.loads(reader.attachments["result.json"][0])["questions"][0]["counts"]["agree"] == 3

    # signed by the chair: the signed report goes in, and is attached as it was signed
    certificates.issue_demo_certificate(people["chair"], "chu-tich-ky-so")
    db.session.commit()
    assert api.as_(people["chair"]).post(f"/consultations/{cid}/result/sign",
                                         json={"passphrase": "chu-tich-ky-so"}).status_code == 200
    reader = PdfReader(io.BytesIO(archivist.get(f"/consultations/{cid}/dossier.pdf").data))
    assert "Báo cáo kết quả lấy ý kiến (đã ký số)" in [title for title, _ in _outline(reader)]
    signed = api.as_(people["staff"]).get(f"/consultations/{cid}/result.pdf").data
    assert reader.attachments[f"bao-cao-ket-qua-{cid}-da-ky.pdf"][0] == signed
    assert "đã ký số — Lê Anh Xuân" in " ".join(reader.pages[0].extract_text().split())


def test_dossier_zip_manifest_matches_its_files(api, people, closed):
    exported = api.as_(people["staff"]).get(f"/consultations/{closed['id']}/dossier.zip")
    assert exported.status_code == 200 and exported.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(exported.data))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["kind"] == "consultation" and manifest["meeting"]["title"] == SUBJECT
    names = [f["name"] for f in manifest["files"]]
    assert len([n for n in names if n.startswith("documents/")]) == 2, "the secretariat reads the confidential one"
    assert f"report/bao-cao-ket-qua-{closed['id']}-chua-ky.pdf" in names
    assert {"result.json", "audit-log.csv"} <= set(names)
    for entry in manifest["files"]:
        assert hashlib.sha256(archive.read(entry["name"])).hexdigest() == entry["sha256"], entry["name"]
    assert json.loads(archive.read("result.json"))["title"] == SUBJECT
    assert "consultation" in archive.read("audit-log.csv").decode("utf-8-sig")


def test_dossier_refused_before_the_close_and_as_for_meetings(api, people, closed):
    open_ = _prepare(api, people, title="Dự thảo quy chế chi tiêu nội bộ")
    staff = api.as_(people["staff"])
    for fmt in ("pdf", "zip"):
        early = staff.get(f"/consultations/{open_['id']}/dossier.{fmt}")
        assert early.status_code == 409 and early.get_json()["error"]["code"] == "consultation_not_closed"
        assert api.as_(people["archivist"]).get(f"/consultations/{open_['id']}/dossier.{fmt}").status_code == 404
        assert api.as_(people["members"][0]).get(f"/consultations/{closed['id']}/dossier.{fmt}").status_code == 403
        assert api.as_(people["outsider"]).get(f"/consultations/{closed['id']}/dossier.{fmt}").status_code == 404
    # the meeting's own door gives the same dossier (one rule for both); a session is no consultation
    assert staff.get(f"/meetings/{closed['id']}/dossier.zip").status_code == 200
    assert staff.get(f"/meetings/{open_['id']}/dossier.zip").status_code == 409


def test_export_buttons_on_the_consultation_page_after_the_close(app, api, people, closed):
    def page(person, cid):
        client = app.test_client()
        factories.login(client, person)
        return client.get(f"/consultations/{cid}").get_data(as_text=True)

    for person in (people["archivist"], people["staff"]):
        html = page(person, closed["id"])
        assert f'href="/api/v1/consultations/{closed["id"]}/dossier.pdf"' in html, person.full_name
        assert f'href="/api/v1/consultations/{closed["id"]}/dossier.zip"' in html
    assert "dossier.pdf" not in page(people["members"][0], closed["id"])
    open_ = _prepare(api, people, title="Dự thảo quy chế văn thư")
    assert "dossier.pdf" not in page(people["staff"], open_["id"])
