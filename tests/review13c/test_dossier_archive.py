"""Review 13c: a closed consultation's dossier and archive entries, tried by an archivist who may not read a
confidential document, and with hostile document titles and file names."""
import io
import json
import zipfile

from pypdf import PdfReader

from ..documents_helpers import archive_settled, sample, upload
from ..http.test_consultation_archive import _prepare, _search, closed, people  # noqa: F401  (fixtures)

HOSTILE = 'Tờ "trình" ../../etc/passwd\r\nX-Injected: 1 ' + "Đ" * 280


def test_the_archivist_copy_names_nothing_of_the_confidential_document(api, people, closed):  # noqa: F811
    cid, archivist = closed["id"], api.as_(people["archivist"])
    exported = archivist.get(f"/consultations/{cid}/dossier.zip")
    assert exported.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(exported.data))
    everything = " ".join(archive.read(n).decode("utf-8-sig", "replace") for n in archive.namelist()
                          if not n.endswith(".pdf"))
    assert "Phương án nhân sự" not in everything and "mat.pdf" not in everything
    assert json.loads(archive.read("manifest.json"))["withheld_documents"] == 1
    # the archive's search by the confidential title finds nothing for the archivist
    assert _search(api, people["archivist"], q="phuong an nhan su").get_json()["total"] == 0
    assert _search(api, people["staff"], q="phuong an nhan su").get_json()["total"] == 1


def test_hostile_titles_and_filenames_in_the_dossier(api, people):  # noqa: F811
    data = _prepare(api, people, title='Xin ý kiến "khẩn" / \\ về <b>Đông Sơn</b>')
    cid, staff = data["id"], api.as_(people["staff"])
    up = upload(staff, cid, sample("to-trinh-do-thi-thong-minh.pdf"), name='..\\..\\a"b\r\nc.pdf', title=HOSTILE[:200])
    assert up.status_code in (201, 422), up.get_json()
    long_name = "To-trinh-" + "dieu-chinh-quy-hoach-" * 10 + ".pdf"  # 224 characters: a name a scanner makes
    assert upload(staff, cid, sample("to-trinh-do-thi-thong-minh.pdf"), name=long_name).status_code == 201
    assert staff.post(f"/consultations/{cid}/send").status_code == 200
    first, second = data["questions"]
    for person in [people["chair"], *people["members"]]:
        answer = {"answers": [{"question_id": first["id"], "choice": "agree"},
                              {"question_id": second["id"], "text": "Thống nhất"}]}
        assert api.as_(person).put(f"/consultations/{cid}/answers", json=answer).status_code == 200
    archive_settled()
    z = staff.get(f"/consultations/{cid}/dossier.zip")
    assert z.status_code == 200
    assert "\r" not in z.headers["Content-Disposition"] and "\n" not in z.headers["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(z.data)).namelist()
    assert all(".." not in n.split("/") and "\\" not in n and "\r" not in n and "\n" not in n and '"' not in n for n in names), names
    documents = [n for n in names if n.startswith("documents/")]
    assert len(documents) == 2
    # each original keeps its extension: cut at 120 characters, the long name lost ".pdf" (and the
    # hostile one, stored as its last path part, came out as "....a")
    assert all(n.lower().endswith(".pdf") for n in documents), documents
    p = staff.get(f"/consultations/{cid}/dossier.pdf")
    assert p.status_code == 200
    reader = PdfReader(io.BytesIO(p.data))
    assert len(reader.pages) >= 2


def test_the_title_filter_matches_only_titles(api, people, closed):  # noqa: F811
    """`title=` is "Tên cuộc họp": a word that is only in a question or the description should not match it."""
    assert _search(api, people["archivist"], title="dong son").get_json()["total"] == 1
    only_in_a_question = _search(api, people["archivist"], title="pham vi dieu chinh").get_json()
    assert only_in_a_question["total"] == 0, only_in_a_question["items"][0]["meeting"]["title"]
