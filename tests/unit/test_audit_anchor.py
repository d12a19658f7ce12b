"""The audit chain's head kept outside the database: a cut or rewritten tail is found (the chain alone
said "intact" after the last rows were deleted), checkpoints cannot be edited unnoticed, the dossier
carries them; archivists read only the entries of meetings they may open."""
import io
import json
import zipfile

import sqlalchemy as sa

from cabinet.cli_audit import audit_group
from cabinet.extensions import db
from cabinet.models import AuditEntry
from cabinet.services import audit, audit_anchor

from ..audit_helpers import append_only_lifted


def _tamper(statement: str, **params) -> None:
    """What the database's owner could do: lift the append-only triggers and edit."""
    db.session.rollback()
    with db.engine.begin() as conn, append_only_lifted(conn):
        conn.execute(sa.text(statement), params)


def _closed_meeting_then_more(make, api):
    staff = make.user("secretariat")
    meeting = make.meeting(staff, status="live")
    assert api.as_(staff).post(f"/meetings/{meeting.id}/close").status_code == 200
    [checkpoint] = audit_anchor.read_checkpoints()
    assert checkpoint["reason"] == f"meeting {meeting.id} closed"
    assert checkpoint["id"] == db.session.scalar(sa.select(sa.func.max(AuditEntry.id)))
    make.meeting(staff)  # the log goes on after the checkpoint
    return checkpoint


def test_a_cut_tail_is_found(app, make, api):
    checkpoint = _closed_meeting_then_more(make, api)
    runner = app.test_cli_runner()
    assert runner.invoke(audit_group, ["verify"]).exit_code == 0
    _tamper("DELETE FROM audit_log WHERE id >= :id", id=checkpoint["id"] - 2)
    assert audit.verify_chain(db.session)["ok"], "the chain alone cannot see it"
    result = audit_anchor.verify(db.session)
    assert not result["ok"] and result["first_broken"] == {"id": checkpoint["id"], "reason": "missing after checkpoint"}
    broken = runner.invoke(audit_group, ["verify"])
    assert broken.exit_code == 1 and "missing after checkpoint" in broken.output


def test_a_tail_rewritten_with_fresh_hashes_is_found(make, api):
    checkpoint = _closed_meeting_then_more(make, api)
    rows = [dict(r) for r in db.session.execute(
        sa.select(AuditEntry.__table__).where(AuditEntry.id >= checkpoint["id"] - 1).order_by(AuditEntry.id)).mappings()]
    prev = rows[0]["prev_hash"]
    for row in rows:  # rewrite every row from here on, re-chained: the chain itself stays "intact"
        row.update(actor_name="Người khác", prev_hash=prev)
        row["hash"] = audit.entry_hash(row)
        _tamper("UPDATE audit_log SET actor_name = :n, prev_hash = :p, hash = :h WHERE id = :id",
                n=row["actor_name"], p=row["prev_hash"], h=row["hash"], id=row["id"])
        prev = row["hash"]
    assert audit.verify_chain(db.session)["ok"]
    assert audit_anchor.verify(db.session)["first_broken"] == {"id": checkpoint["id"],
                                                               "reason": "differs from checkpoint"}


def test_an_edited_checkpoint_is_refused(make, api):
    _closed_meeting_then_more(make, api)
    path = audit_anchor.checkpoints_path()
    line = json.loads(path.read_text())
    path.write_text(json.dumps({**line, "id": line["id"] - 3}) + "\n")  # to hide what follows entry id-3
    result = audit_anchor.verify(db.session)
    assert not result["ok"] and result["first_broken"]["reason"] == "checkpoint signature invalid"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct((path.parent / "anchor.key").stat().st_mode & 0o777) == "0o600"


def test_the_page_says_which_checkpoint_no_longer_holds(app, client, make, api):
    from ..factories import login
    checkpoint = _closed_meeting_then_more(make, api)
    login(client, make.user("admin"))
    _tamper("DELETE FROM audit_log WHERE id >= :id", id=checkpoint["id"])
    html = " ".join(client.get("/admin/audit?verify=1").get_data(as_text=True).split())
    assert f"#{checkpoint['id']}" in html and "đã bị xóa" in html
    # New entries written after the cut take the same ids again: now they differ from the checkpoint.
    make.meeting(make.user("secretariat"))
    html = " ".join(client.get("/admin/audit?verify=1").get_data(as_text=True).split())
    assert f"#{checkpoint['id']}" in html and "đã bị viết lại" in html


def test_the_dossier_carries_the_checkpoints(make, api):
    staff, archivist = make.user("secretariat"), make.user("archivist")
    meeting = make.meeting(staff, status="live")
    assert api.as_(staff).post(f"/meetings/{meeting.id}/close").status_code == 200
    exported = api.as_(archivist).get(f"/meetings/{meeting.id}/dossier.zip")
    archive = zipfile.ZipFile(io.BytesIO(exported.data))
    lines = [json.loads(x) for x in archive.read("audit-checkpoints.jsonl").decode().splitlines()]
    assert [line["reason"] for line in lines] == [f"meeting {meeting.id} closed",
                                                   f"dossier of meeting {meeting.id} exported"]
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["audit_chain"]["ok"] and manifest["audit_chain"]["checkpoints"]["checked"] == 2
    assert all(line["key"] == manifest["audit_chain"]["checkpoints"]["public_key"] for line in lines)


def test_archivists_read_the_entries_of_meetings_they_may_open(make, api):
    staff, archivist, admin = make.user("secretariat"), make.user("archivist"), make.user("admin")
    closed = make.meeting(staff, status="closed", title="Kỳ họp đã bế mạc")
    upcoming = make.meeting(staff, status="published", title="Kỳ họp sắp tới")
    seen = api.as_(archivist).get("/audit?limit=500").get_json()["items"]
    assert seen and {e["meeting_id"] for e in seen} == {closed.id}
    assert api.as_(archivist).get(f"/audit?meeting_id={upcoming.id}").get_json()["items"] == []
    everything = api.as_(admin).get("/audit?limit=500").get_json()["items"]
    assert {closed.id, upcoming.id, None} <= {e["meeting_id"] for e in everything}
