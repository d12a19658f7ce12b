"""Review 13c: writes the answer form, the report and the dossier of one consultation to /tmp/r13c_look for
a human to look at (pdftoppm); asserts only that they were made."""
import os

from cabinet.extensions import db
from cabinet.services import certificates

from ..documents_helpers import archive_settled, sample, upload
from ..http.test_consultation_archive import _prepare, people  # noqa: F401

PASS = "thanh-vien-ky-so"


def test_write_the_pdfs(api, people):  # noqa: F811
    out = "/tmp/r13c_look"
    os.makedirs(out, exist_ok=True)
    data = _prepare(api, people)
    cid, staff = data["id"], api.as_(people["staff"])
    assert upload(staff, cid, sample("to-trinh-do-thi-thong-minh.pdf"), title="Tờ trình đô thị thông minh").status_code == 201
    assert staff.post(f"/consultations/{cid}/send").status_code == 200
    first, second = data["questions"]
    everyone = [people["chair"], *people["members"]]
    for person in everyone:
        certificates.issue_demo_certificate(person, PASS)
    db.session.commit()
    for n, person in enumerate(everyone[:-1]):
        answer = {"answers": [{"question_id": first["id"], "choice": "other" if n == 1 else "agree",
                               "text": "Đề nghị bổ sung đánh giá tác động môi trường khu dân cư phía Bắc, "
                                       "làm rõ tiến độ giải phóng mặt bằng từng quý" if n == 1 else ""},
                              {"question_id": second["id"], "text": "Thống nhất với phạm vi điều chỉnh"}]}
        assert api.as_(person).put(f"/consultations/{cid}/answers", json=answer).status_code == 200
        assert api.as_(person).post(f"/consultations/{cid}/answer/sign", json={"passphrase": PASS}).status_code == 200
    open(f"{out}/answer.pdf", "wb").write(api.as_(everyone[1]).get(f"/consultations/{cid}/answer.pdf").data)
    assert staff.post(f"/consultations/{cid}/close").status_code == 200
    archive_settled()
    open(f"{out}/report.pdf", "wb").write(staff.get(f"/consultations/{cid}/result.pdf").data)
    open(f"{out}/dossier.pdf", "wb").write(api.as_(people["archivist"]).get(f"/consultations/{cid}/dossier.pdf").data)


def test_the_dossier_keeps_the_members_signed_answer_forms(api, people):  # noqa: F811
    """Decree 30: the consultation's record holds the answer forms. Members signed theirs; the dossier (the
    permanent record the archivist exports) should carry those signed files — it carries none."""
    import io
    import zipfile
    data = _prepare(api, people)
    cid, staff = data["id"], api.as_(people["staff"])
    assert staff.post(f"/consultations/{cid}/send").status_code == 200
    first, second = data["questions"]
    member = people["members"][0]
    certificates.issue_demo_certificate(member, PASS)
    db.session.commit()
    answer = {"answers": [{"question_id": first["id"], "choice": "agree"}, {"question_id": second["id"], "text": "Ý"}]}
    assert api.as_(member).put(f"/consultations/{cid}/answers", json=answer).status_code == 200
    assert api.as_(member).post(f"/consultations/{cid}/answer/sign", json={"passphrase": PASS}).status_code == 200
    signed = api.as_(member).get(f"/consultations/{cid}/answer.pdf").data
    assert staff.post(f"/consultations/{cid}/close").status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(api.as_(people["archivist"]).get(f"/consultations/{cid}/dossier.zip").data))
    assert any(archive.read(n) == signed for n in archive.namelist()), archive.namelist()
