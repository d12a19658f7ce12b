"""Review 13c: the dossier of a consultation keeps the members' signed answer forms."""
import io
import zipfile

from cabinet.extensions import db
from cabinet.services import certificates

from ..http.test_consultation_archive import _prepare, people  # noqa: F401  (the fixture)

PASS = "thanh-vien-ky-so"


def test_the_dossier_keeps_the_members_signed_answer_forms(api, people):  # noqa: F811
    """Decree 30: the consultation's record holds the answer forms. Members signed theirs; the dossier (the
    permanent record the archivist exports) should carry those signed files — it carries none."""
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
