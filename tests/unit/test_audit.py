"""The audit log: what is recorded (and what never is), the hash chain, tampering found, append-only."""
import csv
import io
import json
import threading
from datetime import datetime

import pytest
import sqlalchemy as sa

from cabinet.extensions import db
from cabinet.models import AuditEntry
from cabinet.services import audit, live, meetings, polls

from ..audit_helpers import append_only_lifted


def _entries(**where) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEntry).filter_by(**where).order_by(AuditEntry.id)))


def _raw_rows() -> list[dict]:
    """The table as the database holds it (not through the model)."""
    with db.engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text("SELECT * FROM audit_log ORDER BY id")).mappings()]


def test_a_service_change_is_recorded_with_actor_and_changed_fields(make):
    staff = make.user("secretariat")
    meeting = make.meeting(staff, title="Phiên họp cũ")
    audit.set_actor(staff)
    meetings.update_meeting(staff, meeting, {"title": "Phiên họp mới", "location": "Phòng 2"})
    db.session.commit()
    [entry] = _entries(action="meeting.update")
    assert entry.actor_id == staff.id and staff.username in entry.actor_name
    assert entry.object_type == "meeting" and entry.object_id == str(meeting.id) and entry.meeting_id == meeting.id
    changed = json.loads(entry.details)["changed"]
    assert changed["title"] == ["Phiên họp cũ", "Phiên họp mới"] and changed["location"][1] == "Phòng 2"
    assert "seq" not in changed and "updated_at" not in changed  # bookkeeping is no change
    created = _entries(action="agenda_item.create")
    assert created and all(e.meeting_id == meeting.id for e in created)
    assert entry.at.tzinfo is not None  # UTC


def test_without_a_person_the_actor_is_the_system(make):
    make.user()  # factories call the services outside any request, like the CLI
    entry = _entries(action="user.create")[-1]
    assert entry.actor_id is None and entry.actor_name == "system" and entry.remote_addr is None


def test_secrets_never_reach_the_log(make, api):
    person = make.user()
    api.as_(person)  # issues an API token
    text = " ".join(r["details"] for r in _raw_rows())
    assert "argon2" not in text and person.password_hash not in text
    user_entry = json.loads(_entries(action="user.create")[-1].details)["values"]
    assert user_entry["password_hash"] == "***"
    token_entry = json.loads(_entries(action="api_token.create")[-1].details)["values"]
    assert token_entry["token_hash"] == "***" and token_entry["user_id"] == person.id


def test_nothing_is_written_when_the_transaction_rolls_back(make):
    staff = make.user("secretariat")
    meeting = make.meeting(staff)
    before = len(_entries())
    meeting.title = "Không lưu"
    audit.record(db.session, "test.note", actor=staff)
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert len(_entries()) == before
    with db.session.begin_nested():
        audit.record(db.session, "test.kept")
    try:
        with db.session.begin_nested():
            audit.record(db.session, "test.dropped")
            raise RuntimeError
    except RuntimeError:
        pass
    db.session.commit()
    assert [e.action for e in _entries()][before:] == ["test.kept"]


@pytest.fixture()
def vote(make):
    staff, chair = make.user("secretariat"), make.user()
    members = [make.user() for _ in range(4)]
    meeting = make.meeting(staff, status="live", participants_={chair: "chair", **{m: "member" for m in members}})
    for person in [chair, *members]:
        live.check_in(person, meeting)
    db.session.commit()
    return {"chair": chair, "members": members, "meeting": meeting}


def test_a_secret_ballot_is_logged_as_participation_only(vote):
    chair, members = vote["chair"], vote["members"]
    poll = polls.create_poll(chair, vote["meeting"], {"question": "Bầu trưởng ban", "secret": True})
    polls.open_poll(chair, poll)
    db.session.commit()
    first_ballot_row = len(_raw_rows()) + 1
    choices = ["Tán thành", "Không tán thành", "Không biểu quyết", "Tán thành"]
    for voter, choice in zip(members, choices):
        polls.cast_ballot(voter, poll, choice)
        db.session.commit()
    rows = _raw_rows()[first_ballot_row - 1:]
    assert [r["action"] for r in rows] == ["poll.vote"] * 4, "one entry per ballot, nothing about the counts"
    assert [r["actor_id"] for r in rows] == [m.id for m in members]
    for row in rows:
        assert json.loads(row["details"]) == {"secret": True}
        assert not any(label in json.dumps(row, default=str, ensure_ascii=False) for label in set(choices))
    assert not [r for r in _raw_rows() if r["object_type"] in ("poll_tally", "ballot_participation", "named_ballot")]
    polls.close_poll(chair, poll)
    db.session.commit()
    closed = _entries(action="poll.update")[-1]
    assert json.loads(closed.details)["changed"]["status"] == ["open", "closed"]


def test_a_named_ballot_may_carry_its_option(vote):
    chair, member = vote["chair"], vote["members"][0]
    poll = polls.create_poll(chair, vote["meeting"], {"question": "Thông qua chương trình", "secret": False})
    polls.open_poll(chair, poll)
    polls.cast_ballot(member, poll, "Không tán thành")
    db.session.commit()
    [entry] = _entries(action="poll.vote")
    assert json.loads(entry.details) == {"secret": False, "option": "Không tán thành"}
    assert entry.actor_id == member.id and entry.meeting_id == vote["meeting"].id


def test_the_chain_verifies_and_the_export_carries_it(make):
    staff = make.user("secretariat")
    first, second = make.meeting(staff), make.meeting(staff)
    result = audit.verify_chain(db.session)
    assert result["ok"] and result["first_broken"] is None and result["checked"] == len(_raw_rows())
    assert result["head"] == _raw_rows()[-1]["hash"]
    rows = _raw_rows()
    assert rows[0]["prev_hash"] == "0" * 64
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(rows, rows[1:]))
    exported = list(csv.DictReader(io.StringIO(audit.audit_csv(db.session, meeting_id=first.id))))
    assert [int(r["id"]) for r in exported] == [r["id"] for r in rows if r["meeting_id"] == first.id]
    assert exported and {r["meeting_id"] for r in exported} == {str(first.id)} and second.id != first.id
    for row in exported:  # each exported row can be checked on its own
        values = {**row, "id": int(row["id"]), "actor_id": int(row["actor_id"]) if row["actor_id"] else None,
                  "meeting_id": int(row["meeting_id"]), "at": datetime.fromisoformat(row["at"]),
                  **{k: row[k] or None for k in ("remote_addr", "object_type", "object_id")}}
        assert audit.entry_hash(values) == row["hash"]


def test_the_database_refuses_to_change_or_delete_entries(make):
    make.user()
    for statement in ("UPDATE audit_log SET details = '{}'", "DELETE FROM audit_log"):
        with pytest.raises(sa.exc.DBAPIError) as refused:
            with db.engine.begin() as conn:
                conn.execute(sa.text(statement))
        assert "append-only" in str(refused.value)
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(sa.exc.DBAPIError):
            with db.engine.begin() as conn:
                conn.execute(sa.text("TRUNCATE audit_log"))
    assert audit.verify_chain(db.session)["ok"]


def _tamper(statement: str, **params) -> None:
    """What someone with the database's owner rights could do: lift the triggers and edit."""
    db.session.rollback()
    with db.engine.begin() as conn, append_only_lifted(conn):
        conn.execute(sa.text(statement), params)


def _some_entries(make, count: int = 6) -> list[dict]:
    staff = make.user("secretariat")
    while len(_raw_rows()) < count:
        make.meeting(staff)
    return _raw_rows()


def test_a_changed_entry_is_found(make):
    rows = _some_entries(make)
    victim = rows[3]
    _tamper("UPDATE audit_log SET details = :d WHERE id = :id", d=victim["details"].replace("1", "2") + " ",
            id=victim["id"])
    result = audit.verify_chain(db.session)
    assert not result["ok"] and result["first_broken"] == {"id": victim["id"], "reason": "hash mismatch"}
    assert result["checked"] == 3 and result["head"] == rows[2]["hash"]


def test_a_rehashed_entry_breaks_the_next_link(make):
    _some_entries(make)
    rows = [dict(r) for r in db.session.execute(sa.select(AuditEntry.__table__).order_by(AuditEntry.id)).mappings()]
    victim = dict(rows[2], actor_name="Người khác")
    victim["hash"] = audit.entry_hash(victim)
    _tamper("UPDATE audit_log SET actor_name = :n, hash = :h WHERE id = :id", n=victim["actor_name"],
            h=victim["hash"], id=victim["id"])
    assert audit.verify_chain(db.session)["first_broken"] == {"id": rows[3]["id"], "reason": "prev_hash mismatch"}


def test_a_deleted_entry_is_found(make):
    rows = _some_entries(make)
    _tamper("DELETE FROM audit_log WHERE id = :id", id=rows[2]["id"])
    assert audit.verify_chain(db.session)["first_broken"] == {"id": rows[3]["id"], "reason": "gap in ids"}


def test_entries_appended_after_tampering_do_not_hide_it(make):
    rows = _some_entries(make)
    _tamper("UPDATE audit_log SET remote_addr = '10.0.0.9' WHERE id = :id", id=rows[1]["id"])
    make.user()
    result = audit.verify_chain(db.session)
    assert result["first_broken"] == {"id": rows[1]["id"], "reason": "hash mismatch"}


def test_concurrent_commits_do_not_fork_the_chain(app, make):
    """Writers in several threads (own connections) commit at once; the chain stays one line."""
    staff = make.user("secretariat")
    meeting = make.meeting(staff)
    meeting_id, before = meeting.id, len(_raw_rows())
    threads, rounds, errors = 4, 10, []
    start = threading.Barrier(threads)

    def writer(n):
        try:
            with app.app_context():
                start.wait()
                for i in range(rounds):
                    audit.record(db.session, "test.concurrent", meeting_id=meeting_id, details={"writer": n, "i": i})
                    db.session.commit()
                db.session.remove()
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors
    rows = _raw_rows()
    assert len(rows) == before + threads * rounds
    assert len({r["prev_hash"] for r in rows}) == len(rows)
    assert [r["id"] for r in rows] == list(range(1, len(rows) + 1))
    assert audit.verify_chain(db.session)["ok"]


def test_the_cli_verifies_and_exports(app, make, tmp_path):
    from cabinet.cli_audit import audit_group
    rows = _some_entries(make)
    runner = app.test_cli_runner()
    intact = runner.invoke(audit_group, ["verify"])
    assert intact.exit_code == 0 and f"{len(rows)} entries" in intact.output
    target = tmp_path / "audit.csv"
    exported = runner.invoke(audit_group, ["export", "--csv", str(target)])
    assert exported.exit_code == 0 and len(target.read_text(encoding="utf-8").splitlines()) == len(rows) + 1
    _tamper("UPDATE audit_log SET action = 'meeting.nothing' WHERE id = :id", id=rows[4]["id"])
    broken = runner.invoke(audit_group, ["verify"])
    assert broken.exit_code == 1 and f"entry {rows[4]['id']}" in broken.output and "hash mismatch" in broken.output
