"""Review of issue 11: "confidential documents are counted, never titled, in every record a non-reader
receives (… the dossier ZIP)". A document made confidential after it was uploaded (the secretariat picked
the wrong access level, then corrected it) is titled in the audit entries written while it was not, and
those entries travel in the dossier ZIP (audit-log.csv) and over GET /api/v1/audit to an archivist who may
not read it."""
import io
import json
import zipfile

from ..documents_helpers import sample, upload
from ..minutes_helpers import held_session

SECRET_TITLE = "Phương án nhân sự bí mật Sở Nội vụ"
SECRET_FILE = "phuong-an-nhan-su-bi-mat.pdf"
# Second review: renamed while open to the participants, then made confidential: the earlier title too.
FIRST_TITLE = "Dự thảo phương án sáp nhập Sở Nội vụ và Sở Lao động"
LATER_TITLE = "Phương án tổ chức bộ máy (mật)"


def _made_confidential_later(make, api, *, title=SECRET_TITLE, name=SECRET_FILE, renamed_to=None):
    """Uploaded open to the participants (renamed meanwhile, if `renamed_to`), then made confidential with
    the chair its only reader, and the meeting closed."""
    session = held_session(make, close=False)
    meeting, staff = session["meeting"], session["secretariat"]
    s = api.as_(staff)
    answer = upload(s, meeting.id, sample("bao-cao-kinh-te-xa-hoi-2026.pdf"), name=name,
                    title=title, agenda_item_id=meeting.items[0].id)
    assert answer.status_code == 201
    document_id = answer.get_json()["id"]
    if renamed_to:
        assert s.patch(f"/documents/{document_id}", json={"title": renamed_to}).status_code == 200
    fixed = s.patch(f"/documents/{document_id}", json={"access": "confidential", "readers": [session["chair"].id]})
    assert fixed.status_code == 200, fixed.get_json()
    assert s.post(f"/meetings/{meeting.id}/close").status_code == 200
    return session, document_id


def test_dossier_zip_names_no_document_made_confidential_later(make, api):
    session, document_id = _made_confidential_later(make, api)
    archivist = make.user("archivist")
    assert api.as_(archivist).get(f"/documents/{document_id}").status_code in (403, 404)  # not a reader
    exported = api.as_(archivist).get(f"/meetings/{session['meeting'].id}/dossier.zip")
    assert exported.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(exported.data))
    leaks = [name for name in archive.namelist()
             if SECRET_TITLE.encode() in archive.read(name) or SECRET_FILE.encode() in archive.read(name)]
    assert leaks == [], f"the confidential document is named in {leaks}"


def test_audit_api_names_no_document_made_confidential_later_to_an_archivist(make, api):
    session, document_id = _made_confidential_later(make, api)
    archivist = make.user("archivist")
    answer = api.as_(archivist).get(f"/audit?meeting_id={session['meeting'].id}&limit=500")
    assert answer.status_code == 200
    body = json.dumps(answer.get_json(), ensure_ascii=False)
    assert SECRET_TITLE not in body and SECRET_FILE not in body


def test_audit_api_hides_the_earlier_title_of_a_renamed_confidential_document(make, api):
    session, document_id = _made_confidential_later(make, api, title=FIRST_TITLE, name="tai-lieu-1.pdf",
                                                   renamed_to=LATER_TITLE)
    archivist = make.user("archivist")
    assert api.as_(archivist).get(f"/documents/{document_id}").status_code in (403, 404)
    answer = api.as_(archivist).get(f"/audit?meeting_id={session['meeting'].id}&limit=500")
    assert answer.status_code == 200
    body = json.dumps(answer.get_json(), ensure_ascii=False)
    assert LATER_TITLE not in body  # held
    assert FIRST_TITLE not in body, "the confidential document's earlier title is shown to an archivist"


def test_dossier_zip_hides_the_earlier_title_of_a_renamed_confidential_document(make, api):
    session, _ = _made_confidential_later(make, api, title=FIRST_TITLE, name="tai-lieu-1.pdf",
                                                   renamed_to=LATER_TITLE)
    archivist = make.user("archivist")
    exported = api.as_(archivist).get(f"/meetings/{session['meeting'].id}/dossier.zip")
    assert exported.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(exported.data))
    leaks = [name for name in archive.namelist() if FIRST_TITLE.encode() in archive.read(name)]
    assert leaks == [], f"the confidential document's earlier title is in {leaks}"
