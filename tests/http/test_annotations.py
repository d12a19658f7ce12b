"""Annotations: stored in PDF user space, idempotent by client id, private unless shared, and written
back as real PDF annotations on the right pages at the right places (rotated and mixed-size pages)."""
import io
import uuid

import pypdf
import pytest

from cabinet.extensions import db
from cabinet.models import Annotation

from ..documents_helpers import sample, upload


@pytest.fixture()
def doc(api, make):
    staff, alice, bob = make.user("secretariat"), make.user(full_name="Lê Thị An"), make.user()
    meeting = make.meeting(staff, status="published", participants_={alice: "member", bob: "member"})
    created = upload(api.as_(staff), meeting.id, sample("mixed-sizes-rotated.pdf"), access="participants")
    return {"id": created.get_json()["id"], "alice": api.as_(alice), "bob": api.as_(bob)}


def note(**extra):
    return {"client_id": str(uuid.uuid4()), "page": 2, "kind": "note", "rect": [200, 300, 220, 320],
            "text": "Đề nghị làm rõ kinh phí", **extra}


def test_create_is_idempotent_by_client_id(doc):
    body = note()
    first = doc["alice"].post(f"/documents/{doc['id']}/annotations", json=body)
    again = doc["alice"].post(f"/documents/{doc['id']}/annotations", json=body)
    assert first.status_code == 201 and again.status_code == 200
    assert first.get_json()["id"] == again.get_json()["id"]
    assert db.session.query(Annotation).count() == 1


def test_private_by_default_shared_on_request(doc):
    alice, bob = doc["alice"], doc["bob"]
    private = alice.post(f"/documents/{doc['id']}/annotations", json=note()).get_json()
    shared = alice.post(f"/documents/{doc['id']}/annotations", json=note(shared=True)).get_json()
    assert [a["id"] for a in bob.get(f"/documents/{doc['id']}/annotations").get_json()["items"]] == [shared["id"]]
    assert bob.patch(f"/annotations/{shared['id']}", json={"text": "sửa"}).status_code == 403
    assert bob.patch(f"/annotations/{private['id']}", json={"text": "sửa"}).status_code == 404
    assert alice.patch(f"/annotations/{private['id']}", json={"shared": True}).get_json()["shared"] is True
    assert len(bob.get(f"/documents/{doc['id']}/annotations").get_json()["items"]) == 2
    assert alice.delete(f"/annotations/{private['id']}").status_code == 204
    assert len(bob.get(f"/documents/{doc['id']}/annotations").get_json()["items"]) == 1


@pytest.mark.parametrize("bad, field", [
    ({"page": 0}, "page"), ({"page": 5}, "page"), ({"kind": "stamp"}, "kind"),
    ({"rect": [1, 2, 3]}, "rect"), ({"rect": [1, 2, 3, "x"]}, "rect"), ({"rect": [1, 2, 3, 1e300]}, "rect"),
    ({"color": "red"}, "color"), ({"text": "x" * 10001}, "text"),
    ({"kind": "ink", "paths": []}, "paths"), ({"kind": "ink", "paths": [[[1, 2, 3]]]}, "paths"),
])
def test_bad_annotations_are_422_and_store_nothing(doc, bad, field):
    response = doc["alice"].post(f"/documents/{doc['id']}/annotations", json=note(**bad))
    assert response.status_code == 422 and response.get_json()["error"]["field"] == field
    assert db.session.query(Annotation).count() == 0


def test_annotated_copy_has_real_annotations_in_place(doc):
    alice = doc["alice"]
    highlight = {"client_id": "h1", "page": 1, "kind": "highlight", "rect": [72, 700, 300, 730],
                 "quads": [[72, 715, 300, 730], [72, 700, 200, 714]], "color": "#ffd400"}
    rotated_note = note(client_id="n1")  # page 2 carries /Rotate 90
    ink = {"client_id": "i1", "page": 4, "kind": "ink", "rect": [100, 100, 400, 300],
           "paths": [[[100, 100], [250, 300], [400, 150]]], "color": "#d00000"}
    for body in (highlight, rotated_note, ink):
        assert alice.post(f"/documents/{doc['id']}/annotations", json=body).status_code == 201
    doc["bob"].post(f"/documents/{doc['id']}/annotations", json=note(client_id="other", page=3, shared=True))

    response = alice.get(f"/documents/{doc['id']}/annotated.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    assert reader.pages[1].get("/Rotate") == 90
    found = {}
    for number, page in enumerate(reader.pages, start=1):
        for ref in page.get("/Annots", []):
            annot = ref.get_object()
            found.setdefault(number, []).append(annot)
    assert sorted(found) == [1, 2, 4], "only Alice's annotations, each on its own page"
    [hl] = found[1]
    assert hl["/Subtype"] == "/Highlight"
    assert [float(v) for v in hl["/QuadPoints"]] == [72, 730, 300, 730, 72, 715, 300, 715,
                                                   72, 714, 200, 714, 72, 700, 200, 700]
    assert "/AP" in hl
    [text] = found[2]
    assert text["/Subtype"] == "/Text" and [float(v) for v in text["/Rect"]] == [200, 300, 220, 320]
    assert text["/Contents"] == "Đề nghị làm rõ kinh phí" and text["/T"] == "Lê Thị An"
    [stroke] = found[4]
    assert stroke["/Subtype"] == "/Ink" and [float(v) for v in stroke["/InkList"][0]] == [100, 100, 250, 300, 400, 150]
    mediabox = reader.pages[3].mediabox
    assert float(mediabox.width) > float(mediabox.height), "page 4 is the A3 landscape page"
    assert "Lê Thị An" in reader.pages[0].extract_text(), "the copy is stamped for its reader"


def test_an_annotation_made_offline_on_an_older_version_stays_on_that_version(doc, api, make):
    """A tablet drew on version 1 offline; meanwhile version 2 arrived. The note keeps its version."""
    staff = api.as_(make.user("secretariat"))
    newer = staff.post(f"/documents/{doc['id']}/versions", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(sample("to-trinh-do-thi-thong-minh.pdf")), "v2.pdf")})
    assert newer.status_code == 201 and newer.get_json()["version"]["number"] == 2
    made = doc["alice"].post(f"/documents/{doc['id']}/annotations", json=note(version_number=1, page=4))
    assert made.status_code == 201 and made.get_json()["version_number"] == 1
    assert doc["alice"].post(f"/documents/{doc['id']}/annotations", json=note(version_number=9)).status_code == 404
    listed = doc["alice"].get(f"/documents/{doc['id']}/annotations?version=1").get_json()["items"]
    assert [a["id"] for a in listed] == [made.get_json()["id"]]
