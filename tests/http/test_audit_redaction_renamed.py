"""Second review of issue 11 (audit redaction): a confidential document's names are hidden from the audit
log's readers who may not read it, but only its *current* title is looked for. A document renamed while it
was still open to the participants (the secretariat fixing a title), then made confidential, keeps its
earlier title in the entries written before: the upload's and the rename's."""
import io
import json
import zipfile

from ..documents_helpers import sample, upload
from ..minutes_helpers import held_session

FIRST_TITLE = "Dự thảo phương án sáp nhập Sở Nội vụ và Sở Lao động"
LATER_TITLE = "Phương án tổ chức bộ máy (mật)"


def _renamed_then_confidential(make, api):
    session = held_session(make)
    meeting, staff = session["meeting"], session["secretariat"]
    s = api.as_(staff)
    answer = upload(s, meeting.id, sample("bao-cao-kinh-te-xa-hoi-2026.pdf"), name="tai-lieu-1.pdf",
                    title=FIRST_TITLE, agenda_item_id=meeting.items[0].id)
    assert answer.status_code == 201
    document_id = answer.get_json()["id"]
    assert s.patch(f"/documents/{document_id}", json={"title": LATER_TITLE}).status_code == 200
    fixed = s.patch(f"/documents/{document_id}", json={"access": "confidential", "readers": [session["chair"].id]})
    assert fixed.status_code == 200, fixed.get_json()
    assert s.post(f"/meetings/{meeting.id}/close").status_code == 200
    return session, document_id


def test_audit_api_hides_the_earlier_title_of_a_renamed_confidential_document(make, api):
    session, document_id = _renamed_then_confidential(make, api)
    archivist = make.user("archivist")
    assert api.as_(archivist).get(f"/documents/{document_id}").status_code in (403, 404)
    answer = api.as_(archivist).get(f"/audit?meeting_id={session['meeting'].id}&limit=500")
    assert answer.status_code == 200
    body = json.dumps(answer.get_json(), ensure_ascii=False)
    assert LATER_TITLE not in body  # held
    assert FIRST_TITLE not in body, "the confidential document's earlier title is shown to an archivist"


def test_dossier_zip_hides_the_earlier_title_of_a_renamed_confidential_document(make, api):
    session, _ = _renamed_then_confidential(make, api)
    archivist = make.user("archivist")
    exported = api.as_(archivist).get(f"/meetings/{session['meeting'].id}/dossier.zip")
    assert exported.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(exported.data))
    leaks = [name for name in archive.namelist() if FIRST_TITLE.encode() in archive.read(name)]
    assert leaks == [], f"the confidential document's earlier title is in {leaks}"
