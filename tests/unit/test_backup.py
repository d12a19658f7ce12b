"""`cabinet backup` / `cabinet restore` on a live installation (SQLite and PostgreSQL): after the database
and the data folder are wiped and the archive restored, the audit chain and its checkpoints hold, both
signatures on the minutes verify, documents download byte for byte, a counted secret poll keeps its
count, and keys and folders are owner-only. A damaged archive, or a target that is not empty, is refused
and nothing changes."""
import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from cabinet.extensions import db
from cabinet.models import Poll
from cabinet.pdf.sign import verify_pdf
from cabinet.services import audit_anchor, certificates, live, meetings, minutes, minutes_signing, polls
from cabinet.services.minutes import minutes_of

from ..documents_helpers import archive_settled, sample
from ..minutes_helpers import held_session

PASS = {"secretary": "thu-ky-ky-so-2026", "chair": "chu-toa-ky-so-2026"}


def _upload(api, user, meeting_id: int, data: bytes, access: str) -> int:
    answer = api.as_(user).post(f"/meetings/{meeting_id}/documents", content_type="multipart/form-data",
                                data={"file": (io.BytesIO(data), "to-trinh.pdf"), "access": access})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["id"]


def _installation(make, api) -> dict:
    """A council's server in use: a closed meeting with its documents, a named and a counted secret poll
    and minutes signed by secretary and chair; a live meeting with a document and an open secret poll."""
    held = held_session(make, close=False)
    meeting, chair, staff = held["meeting"], held["chair"], held["secretariat"]
    documents = {_upload(api, staff, meeting.id, sample("to-trinh-do-thi-thong-minh.pdf"), "participants"): chair,
                 _upload(api, staff, meeting.id, sample("bao-cao-kinh-te-xa-hoi-2026.pdf"), "public"): staff}
    secret = polls.create_poll(chair, meeting, {"question": "Bầu Phó Chủ tịch?", "secret": True})
    db.session.commit()
    polls.open_poll(chair, secret)
    db.session.commit()
    for person, option in zip([chair, *held["members"][:4]], ["Tán thành"] * 3 + ["Không tán thành"] * 2):
        polls.cast_ballot(person, secret, option)
        db.session.commit()
    polls.close_poll(chair, secret)
    db.session.commit()
    meetings.move_status(staff, meeting, "close")
    db.session.commit()
    archive_settled()
    for role in ("secretary", "chair"):
        certificates.issue_demo_certificate(held[role], PASS[role])
    record = minutes.generate_minutes(held["secretary"], meeting)
    db.session.commit()
    for role in ("secretary", "chair"):
        minutes_signing.sign_minutes(held[role], record, PASS[role], confirm_empty=True)
        db.session.commit()

    later = make.meeting(staff, status="live", participants_={chair: "chair"})
    documents[_upload(api, staff, later.id, sample("mixed-sizes-rotated.pdf"), "participants")] = chair
    live.check_in(chair, later)
    still_open = polls.create_poll(chair, later, {"question": "Thông qua chương trình?", "secret": True})
    db.session.commit()
    polls.open_poll(chair, still_open)
    db.session.commit()
    audit_anchor.write_checkpoint("command")
    downloads = {}
    for document_id, reader in documents.items():
        answer = api.as_(reader).get(f"/documents/{document_id}/file")
        assert answer.status_code == 200
        downloads[(document_id, reader.id)] = answer.get_data()
    return {"meeting_id": meeting.id, "secret_poll_id": secret.id, "open_poll_id": still_open.id,
            "tallies": [t.count for t in secret.tallies], "signed_pdf": minutes_signing.signed_pdf(record),
            "downloads": downloads, "readers": {r.id: r for r in documents.values()}}


def _wipe(app, backend) -> None:
    """The disk is lost: no database, no data folder."""
    db.session.remove()
    db.engine.dispose()
    if backend == "sqlite":
        database = Path(sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)
        for path in [database, *database.parent.glob(database.name + "-*")]:
            path.unlink()
    else:
        with db.engine.connect() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
            connection.commit()
    data = Path(app.config["DATA_DIR"])
    shutil.rmtree(data)
    data.mkdir()


@pytest.fixture()
def schema_kept(app):
    """Should a check fail between wipe and restore, the next tests still find the schema."""
    yield
    from flask_migrate import upgrade
    db.session.remove()
    upgrade()
    Path(app.config["FILES_DIR"]).mkdir(parents=True, exist_ok=True)


def test_backup_wipe_restore_keeps_the_record_whole(app, backend, make, api, tmp_path, schema_kept):
    before = _installation(make, api)
    data = Path(app.config["DATA_DIR"])
    checkpoints = audit_anchor.checkpoints_path().read_bytes()
    runner = app.test_cli_runner()
    out = tmp_path / "cabinet-backup.tar"
    made = runner.invoke(args=["backup", str(out)])
    assert made.exit_code == 0, made.output
    assert out.stat().st_mode & 0o777 == 0o600  # it holds keys
    with tarfile.open(out) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert names[0] == "data/audit/checkpoints.jsonl" and names[1].startswith("database/")  # the order
    assert names[-1] == "manifest.json" and manifest["database"]["backend"] == backend
    assert manifest["database"]["alembic_revision"] and manifest["poll_keys_included"] is False
    assert not any("poll-keys" in name for name in names)  # an open poll's key: not with its ballots
    assert "data/audit/anchor.key" in names and any(n.startswith("data/signing/users/") for n in names)

    refused = runner.invoke(args=["restore", str(out)])
    assert refused.exit_code != 0 and "not empty" in refused.output

    _wipe(app, backend)
    restored = runner.invoke(args=["restore", str(out)])
    assert restored.exit_code == 0, restored.output

    verified = audit_anchor.verify(db.session)
    assert verified["first_broken"] is None and verified["checkpoints"]["checked"] >= 2
    assert audit_anchor.checkpoints_path().read_bytes() == checkpoints
    record = minutes_of(db.session.get(Poll, before["secret_poll_id"]).meeting)
    signed = minutes_signing.signed_pdf(record)
    assert signed == before["signed_pdf"]
    report = verify_pdf(signed, certificates.trust_roots())
    assert len(report["signatures"]) == 2
    assert all(s["intact"] and s["valid"] and s["trusted"] and not s["modified_after"] for s in report["signatures"])
    assert [t.count for t in db.session.get(Poll, before["secret_poll_id"]).tallies] == before["tallies"]
    for (document_id, reader_id), content in before["downloads"].items():  # the tokens were restored too
        answer = api.as_(before["readers"][reader_id]).get(f"/documents/{document_id}/file")
        assert answer.status_code == 200 and answer.get_data() == content
    assert data.stat().st_mode & 0o777 == 0o700
    for key in [data / "audit" / "anchor.key", *(data / "signing" / "users").glob("*.p12")]:
        assert key.stat().st_mode & 0o777 == 0o600, key
    assert all(path.stat().st_mode & 0o077 == 0 for path in data.rglob("*"))
    if backend == "sqlite":
        database = Path(sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)
        assert database.stat().st_mode & 0o777 == 0o600


def test_a_damaged_archive_is_refused_and_changes_nothing(app, make, api, tmp_path):
    staff = make.user("secretariat")
    meeting = make.meeting(staff)
    _upload(api, staff, meeting.id, sample("to-trinh-do-thi-thong-minh.pdf"), "participants")
    out = tmp_path / "cabinet.tar"
    assert app.test_cli_runner().invoke(args=["backup", str(out)]).exit_code == 0
    raw = bytearray(out.read_bytes())
    spot = raw.index(b"%PDF") + 200  # inside the stored document
    raw[spot] ^= 0x01
    tampered = tmp_path / "tampered.tar"
    tampered.write_bytes(bytes(raw))
    refused = app.test_cli_runner().invoke(args=["restore", "--force", str(tampered)])
    assert refused.exit_code != 0
    assert "damaged or was altered" in refused.output and "files/" in refused.output
    assert db.session.get(type(meeting), meeting.id) is not None  # nothing was replaced
    not_a_backup = tmp_path / "other.tar"
    with tarfile.open(not_a_backup, "w") as tar:
        tar.add(out, arcname="something.tar")
    other = app.test_cli_runner().invoke(args=["restore", "--force", str(not_a_backup)])
    assert other.exit_code != 0 and "not a Cabinet backup" in other.output
