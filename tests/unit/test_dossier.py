"""The meeting dossier: one PDF with bookmarks per agenda item and files attached, and a ZIP with a
manifest; both read back with pypdf / zipfile, not with our code."""
import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from cabinet.extensions import db
from cabinet.pdf.runner import WarmRenderer
from cabinet.services import documents, dossier, meetings, minutes
from cabinet.services.errors import NotAllowed, NotFound

from ..documents_helpers import sample

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
STATIC = Path(__file__).resolve().parents[2] / "static"


@pytest.fixture()
def held(make):
    secretariat = make.user("secretariat", full_name="Lê Thị Văn Phòng")
    archivist = make.user("archivist", full_name="Vũ Thị Lưu Trữ")
    chair = make.user("member", full_name="Nguyễn Văn Chủ Tọa")
    secretary = make.user("member", full_name="Trần Thị Thư Ký")
    member = make.user("member", full_name="Phạm Đức Đại Biểu")
    meeting = make.meeting(secretariat, status="published", items=2, title="Kỳ họp thứ 12 HĐND thành phố",
                           participants_={chair: "chair", secretary: "secretary", member: "member"})
    first, second = meeting.items
    report = documents.upload_document(secretariat, meeting, io.BytesIO(sample("bao-cao-kinh-te-xa-hoi-2026.pdf")),
                                       filename="bao-cao-kinh-te-xa-hoi-2026.pdf", title="Báo cáo kinh tế - xã hội",
                                       agenda_item_id=first.id)
    proposal = documents.upload_document(secretariat, meeting, io.BytesIO(sample("to-trinh-do-thi-thong-minh.pdf")),
                                         filename="to-trinh.pdf", title="Tờ trình đô thị thông minh",
                                         agenda_item_id=second.id)
    secret = documents.upload_document(secretariat, meeting, io.BytesIO(sample("mixed-sizes-rotated.pdf")),
                                       filename="mat.pdf", title="Phương án nhân sự (mật)", agenda_item_id=second.id,
                                       access="confidential", readers=[chair.id])
    db.session.commit()
    for move in ("start", "close"):
        meetings.move_status(secretariat, meeting, move)
    db.session.commit()
    record = minutes.generate_minutes(secretary, meeting)
    db.session.commit()
    return {"meeting": meeting, "archivist": archivist, "secretariat": secretariat, "member": member,
            "chair": chair, "documents": [report, proposal, secret], "minutes": record}


def test_dossier_pdf_has_documents_in_agenda_order_with_bookmarks(held, backend):
    meeting, archivist = held["meeting"], held["archivist"]
    report, proposal, secret = held["documents"]
    with dossier.dossier_pdf(archivist, meeting) as path:
        OUTPUT.mkdir(exist_ok=True)
        shutil.copy(path, OUTPUT / f"dossier-{backend}.pdf")
        reader = PdfReader(path)
        outline = reader.outline
        top = [item.title for item in outline if not isinstance(item, list)]
        assert top[0] == "Bìa và chương trình"
        assert top[1].startswith("1. ") and top[2].startswith("2. ")
        children = [item for item in outline if isinstance(item, list)]
        assert [c.title for c in children[0]] == ["Báo cáo kinh tế - xã hội"]
        assert [c.title for c in children[1]] == ["Tờ trình đô thị thông minh"], "confidential: not for the archivist"
        expected = 2 + report.current_version.page_count + proposal.current_version.page_count
        assert len(reader.pages) == expected  # cover + agenda + the two readable documents (no minutes signed yet)
        first_doc_page = reader.get_destination_page_number(children[0][0])
        assert first_doc_page == 2
        record = json.loads(reader.attachments["record.json"][0])  # sent to the worker in the job's second part
        assert [i["title"] for i in record["items"]] == [i.title for i in meeting.items]
        cover_text = reader.pages[0].extract_text()
        assert "HỒ SƠ CUỘC HỌP" in cover_text and "Tài liệu mật không có trong bản này" in cover_text
        assert "Phương án nhân sự" not in cover_text + reader.pages[1].extract_text()


def test_a_two_part_job_whose_second_part_fails_leaves_no_waiting_worker(tmp_path):
    """The warm renderer's second line is made while the child works; if making it fails, the child (which
    waits for that line) is stopped, the error reaches the caller, and the next job finds a fresh child."""
    renderer = WarmRenderer()
    job = {"command": "dossier", "title": "Hồ sơ", "cover_html": "<p>Bìa</p>", "static_dir": str(STATIC),
           "parts": [], "target": str(tmp_path / "d.pdf")}

    def broken():
        raise RuntimeError("the record could not be gathered")

    with pytest.raises(RuntimeError):
        renderer.run(job, timeout=120, then=broken)
    answer = renderer.run(job, timeout=120, then=lambda: {"attachments": []})
    assert answer["pages"] == 1 and PdfReader(tmp_path / "d.pdf").pages[0].extract_text().strip() == "Bìa"


def test_the_one_shot_worker_names_a_two_part_job_it_cannot_take(tmp_path):
    from cabinet.pdf.worker import handle
    answer = handle({"command": "dossier", "title": "Hồ sơ", "cover_html": "<p>Bìa</p>", "static_dir": str(STATIC),
                     "parts": [], "target": str(tmp_path / "d.pdf")})
    assert answer["refused"] == "two_part_job" and not (tmp_path / "d.pdf").exists()


def test_the_chair_does_not_export_dossiers(held):
    with pytest.raises(NotAllowed):
        with dossier.dossier_pdf(held["chair"], held["meeting"]):
            pass  # the chair may read the secret document, but exporting is the archive's and secretariat's


def test_members_and_strangers_cannot_export(held, make):
    with pytest.raises(NotAllowed):
        with dossier.dossier_zip(held["member"], held["meeting"]):
            pass
    stranger = make.user("member")
    with pytest.raises(NotFound):
        with dossier.dossier_pdf(stranger, held["meeting"]):
            pass


def test_dossier_zip_has_a_manifest_that_matches(held):
    with dossier.dossier_zip(held["secretariat"], held["meeting"]) as path:
        with zipfile.ZipFile(path) as archive:
            contents = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(contents.pop("manifest.json"))
    assert {"record.json", "audit-log.csv"} <= set(contents)
    assert sum(n.startswith("documents/") for n in contents) == 3  # the secretariat reads every document
    assert {f["name"]: f["sha256"] for f in manifest["files"]} == \
        {name: hashlib.sha256(data).hexdigest() for name, data in contents.items()}
    assert json.loads(contents["record.json"])["meeting"]["id"] == held["meeting"].id


def test_exports_are_on_the_audit_log(held):
    from cabinet.models import AuditEntry
    chair_reader = held["secretariat"]  # the secretariat reads the confidential document too
    with dossier.dossier_zip(chair_reader, held["meeting"]) as path:
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read("manifest.json"))
    db.session.commit()  # what the API does before sending the file
    assert manifest["audit_chain"]["ok"] is True
    actions = [(e.action, e.object_id) for e in db.session.query(AuditEntry).filter(
        AuditEntry.action.in_(["document.read_confidential", "meeting.dossier_export"]))]
    secret = held["documents"][2]
    assert ("document.read_confidential", str(secret.id)) in actions
    assert ("meeting.dossier_export", str(held["meeting"].id)) in actions
