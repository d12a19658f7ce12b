"""A secret ballot holds against whoever has the database: the linking attacks, run for real.

On SQLite the attacker replays the write-ahead log commit by commit (every state the database went
through); on PostgreSQL they read `xmin`, the transaction that wrote each row version. Each voter casts in
a transaction of their own (the worst case: no batch to hide in). The attack that worked on 292e81a —
"the counter that moved in the voter's transaction is their choice" — must learn nothing, and the poll's
private key must be nowhere in the database files."""
import base64
import shutil
import sqlite3
import struct
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import text

from cabinet.extensions import db
from cabinet.models import Poll
from cabinet.services import live, poll_keys, polls, sealing

CHOICES = ["Tán thành", "Không tán thành", "Tán thành", "Không biểu quyết", "Không tán thành", "Tán thành"]


@pytest.fixture()
def secret_poll(make):
    staff, chair = make.user("secretariat"), make.user()
    members = [make.user() for _ in range(len(CHOICES) - 1)]
    meeting = make.meeting(staff, status="live", participants_={chair: "chair", **{m: "member" for m in members}})
    voters = [chair, *members]
    for person in voters:
        live.check_in(person, meeting)
    poll = polls.create_poll(chair, meeting, {"question": "Bầu Phó Chủ tịch?", "secret": True})
    db.session.commit()
    return {"poll": poll, "chair": chair, "voters": voters}


def _vote_one_by_one(secret_poll):
    poll = secret_poll["poll"]
    polls.open_poll(secret_poll["chair"], poll)
    db.session.commit()
    for voter, choice in zip(secret_poll["voters"], CHOICES):
        polls.cast_ballot(voter, db.session.get(Poll, poll.id), choice)
        db.session.commit()


def _private_key_forms(poll_id: int) -> list[bytes]:
    private = (Path(current_app.config["DATA_DIR"]) / "poll-keys" / f"poll-{poll_id}.key").read_bytes()
    return [private, private.hex().encode(), base64.b64encode(private), base64.urlsafe_b64encode(private)]


def _replay_wal(db_file: Path, wal: bytes, scratch: Path):
    """Every committed state in the WAL, in order, as a path to a database file: the attacker's view."""
    magic, _version, page_size, _seq, salt1, salt2 = struct.unpack(">IIIIII", wal[:24])
    assert magic in (0x377F0682, 0x377F0683), "a WAL file"
    image = bytearray(db_file.read_bytes())
    offset, states = 32, []
    while offset + 24 + page_size <= len(wal):
        page, size_after_commit, s1, s2 = struct.unpack(">IIII", wal[offset:offset + 16])
        if (s1, s2) != (salt1, salt2):
            break  # frames of an earlier generation of the log
        data = wal[offset + 24:offset + 24 + page_size]
        end = page * page_size
        if len(image) < end:
            image.extend(bytes(end - len(image)))
        image[end - page_size:end] = data
        offset += 24 + page_size
        if size_after_commit:
            del image[size_after_commit * page_size:]
            state = scratch / f"state-{len(states):04d}.sqlite3"
            state.write_bytes(bytes(image))
            states.append(state)
    return states


def _read(state: Path, poll_id: int):
    conn = sqlite3.connect(f"file:{state}?immutable=1", uri=True)
    try:
        voters = {row[0] for row in conn.execute(
            "SELECT user_id FROM ballot_participations WHERE poll_id = ?", (poll_id,))}
        counts = [row[0] for row in conn.execute(
            "SELECT count FROM poll_tallies WHERE poll_id = ? ORDER BY position", (poll_id,))]
        return voters, counts
    finally:
        conn.close()


def test_replaying_the_sqlite_wal_commit_by_commit_tells_no_choice(app, backend, secret_poll, tmp_path):
    if backend != "sqlite":
        pytest.skip("the WAL replay is SQLite's; PostgreSQL's xmin is tested below")
    poll = secret_poll["poll"]
    db_file = Path(db.engine.url.database)
    db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))  # the log starts empty: it holds only what follows
    db.session.commit()
    _vote_one_by_one(secret_poll)
    wal = Path(f"{db_file}-wal").read_bytes()
    shutil.copy(db_file, tmp_path / "main.sqlite3")
    states = _replay_wal(tmp_path / "main.sqlite3", wal, tmp_path)
    history = [_read(state, poll.id) for state in states]

    learned, seen_voters = {}, set()
    for (before_voters, before), (after_voters, after) in zip(history, history[1:]):
        new = after_voters - before_voters
        moved = [i for i, (a, b) in enumerate(zip(before, after)) if a != b] if before and after else []
        if len(new) == 1 and moved:
            learned[new.pop()] = moved
        seen_voters |= after_voters
    assert len(seen_voters) == len(CHOICES), "the replay saw every ballot's commit (it is not vacuous)"
    assert learned == {}, f"the attack linked voters to choices: {learned}"
    assert all(counts == [0, 0, 0] for _voters, counts in history if counts), "no count moved while open"
    for form in _private_key_forms(poll.id):
        assert form not in wal and form not in db_file.read_bytes(), "the poll's key is not in the database"

    polls.close_poll(secret_poll["chair"], db.session.get(Poll, poll.id))
    db.session.commit()
    closed = db.session.get(Poll, poll.id)
    assert [t.count for t in closed.tallies] == [3, 2, 1], "the decrypted sum is exact"
    assert not (Path(current_app.config["DATA_DIR"]) / "poll-keys" / f"poll-{poll.id}.key").exists(), \
        "the key is gone once the poll is counted"


def test_postgresql_xmin_and_transaction_order_tell_no_choice(app, backend, secret_poll):
    if backend != "postgresql":
        pytest.skip("xmin is PostgreSQL's; SQLite's WAL replay is tested above")
    poll = secret_poll["poll"]
    _vote_one_by_one(secret_poll)
    rows = db.session.execute(text(
        "SELECT xmin::text, user_id FROM ballot_participations WHERE poll_id = :p ORDER BY xmin::text::bigint"),
        {"p": poll.id}).all()
    tallies = db.session.execute(text("SELECT xmin::text, position, count FROM poll_tallies WHERE poll_id = :p"),
                                 {"p": poll.id}).all()
    assert len(rows) == len(CHOICES) and len({xmin for xmin, _ in rows}) == len(CHOICES), "one transaction each"
    voter_transactions = {xmin for xmin, _ in rows}
    assert not voter_transactions & {xmin for xmin, _position, _count in tallies}, \
        "no count was written by a voter's transaction"
    assert all(count == 0 for _xmin, _position, count in tallies)
    sealed = db.session.execute(text("SELECT xmin::text, sealed FROM sealed_ballots WHERE poll_id = :p"),
                                {"p": poll.id}).all()
    assert {xmin for xmin, _ in sealed} == voter_transactions  # what a voter's transaction wrote: a ciphertext
    assert len({bytes(s) for _xmin, s in sealed}) == len(CHOICES)
    dump = b"".join(bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
                    for table in ("polls", "sealed_ballots", "ballot_participations", "audit_log")
                    for row in db.session.execute(text(f"SELECT * FROM {table}")).all() for value in row)
    for form in _private_key_forms(poll.id):
        assert form not in dump, "the poll's key is not in the database"
    polls.close_poll(secret_poll["chair"], db.session.get(Poll, poll.id))
    db.session.commit()
    assert [t.count for t in db.session.get(Poll, poll.id).tallies] == [3, 2, 1]


def test_sealed_ballots_add_up_only_with_their_key():
    private, _public = sealing.new_key_pair()
    ballots = [sealing.seal(private, p, 3) for p in (0, 1, 0, 2, 0)]
    assert sealing.open_sums(private, sealing.add_up(ballots, 3), len(ballots)) == [3, 1, 1]
    other, _ = sealing.new_key_pair()
    with pytest.raises(sealing.SealError):
        sealing.open_sums(other, sealing.add_up(ballots, 3), len(ballots))
    assert len(set(sealing.seal(private, 0, 3) for _ in range(20))) == 20, "randomised"


def test_a_missing_key_refuses_ballots_instead_of_taking_uncountable_ones(app, secret_poll):
    poll = secret_poll["poll"]
    polls.open_poll(secret_poll["chair"], poll)
    db.session.commit()
    poll_keys.discard(poll.id)  # the data folder lost the file
    from cabinet.services.errors import Unavailable
    with pytest.raises(Unavailable) as refused:
        polls.cast_ballot(secret_poll["voters"][1], db.session.get(Poll, poll.id), "Tán thành")
    assert refused.value.code == "poll_key_missing"
    db.session.rollback()
    assert polls.cast_count(db.session.get(Poll, poll.id)) == 0


def test_the_data_folder_is_the_servers_alone(tmp_path):
    """A fresh data folder after `cabinet init-db`: folder 0700, database and its WAL 0600 — another
    account on the machine cannot copy the database files."""
    from tests.servers import cabinet_env, run_cabinet
    data = tmp_path / "data"
    env = cabinet_env(data, CABINET_ARGON2_TIME_COST="1", CABINET_ARGON2_MEMORY_KIB="1024")
    run_cabinet(env, "init-db")
    run_cabinet(env, "create-user", "hoa", "--password-file", "-", "--full-name", "Hoa", input="mat-khau-rat-dai")
    assert data.stat().st_mode & 0o777 == 0o700
    for path in [data / "cabinet.sqlite3", *data.glob("cabinet.sqlite3-*"), data / "secret_key"]:
        assert path.stat().st_mode & 0o077 == 0, f"{path.name} is readable by others"


def test_a_poll_whose_key_is_lost_is_cancelled_and_the_meeting_votes_again(app, secret_poll):
    """Without its key a secret poll can neither take ballots nor be counted: the chair cancels it (the
    reason in the audit log), nothing it received counts, and the next vote opens."""
    from cabinet.models import AuditEntry
    from cabinet.services.errors import Conflict, Unavailable
    poll, chair = secret_poll["poll"], secret_poll["chair"]
    polls.open_poll(chair, poll)
    db.session.commit()
    polls.cast_ballot(secret_poll["voters"][1], db.session.get(Poll, poll.id), "Tán thành")
    db.session.commit()
    (Path(current_app.config["DATA_DIR"]) / "poll-keys" / f"poll-{poll.id}.key").write_bytes(b"x" * 32)
    poll_keys._cache.clear()  # a restarted server: only the file is left, and it is damaged
    with pytest.raises(Unavailable):
        polls.close_poll(chair, db.session.get(Poll, poll.id))
    db.session.rollback()
    with pytest.raises(Conflict) as blocked:
        polls.open_poll(chair, polls.create_poll(chair, poll.meeting, {"question": "Bầu lại?", "secret": True}))
    assert blocked.value.code == "other_poll_open"
    db.session.rollback()
    polls.cancel_poll(chair, db.session.get(Poll, poll.id), "Mất khóa niêm phong; biểu quyết lại")
    db.session.commit()
    cancelled = db.session.get(Poll, poll.id)
    assert cancelled.status == "cancelled" and [t.count for t in cancelled.tallies] == [0, 0, 0]
    entry = db.session.query(AuditEntry).filter_by(action="poll.cancel").one()
    assert "Mất khóa" in entry.details
    again = polls.create_poll(chair, cancelled.meeting, {"question": "Bầu lại?", "secret": True})
    polls.open_poll(chair, again)
    db.session.commit()
    assert polls.cast_ballot(secret_poll["voters"][1], again, "Tán thành")
