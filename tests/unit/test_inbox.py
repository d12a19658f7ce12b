"""Việc cần làm (services/inbox.py): each source, the reading rules it must mirror, the batched counts equal
to the per-user lists, and the pushes queued for after commit."""
import io
import random
from datetime import timedelta

import pytest
from sqlalchemy import event

from cabinet.extensions import db, socketio
from cabinet.services import documents, inbox, meetings, minutes, minutes_signing, participants

from ..documents_helpers import sample
from ..minutes_helpers import SIGNING_PASSPHRASES, drafted_minutes

PDF = sample("to-trinh-do-thi-thong-minh.pdf")


def _upload(staff, meeting, **fields):
    document = documents.upload_document(staff, meeting, io.BytesIO(PDF), filename="to-trinh.pdf", **fields)
    db.session.commit()
    return document


def _kinds(user) -> list[tuple[str, int, str]]:
    return [(e.source, e.ref_id, e.state) for e in inbox.entries_for(user)]


def _check_counts(users) -> None:
    """The badge (grouped counts for all at once) says exactly what each one's page lists."""
    counts = inbox.counts_for([u.id for u in users])
    assert counts == {u.id: len(inbox.entries_for(u)) for u in users}
    for u in users:
        assert inbox.count_for(u) == counts[u.id]


@pytest.fixture()
def scene(make):
    staff = make.user("secretariat")
    member, guest, other = make.user(), make.user(), make.user()
    meeting = make.meeting(staff, status="published", items=2, participants_={member: "member", guest: "guest"})
    return {"staff": staff, "member": member, "guest": guest, "other": other, "meeting": meeting}


def test_an_unanswered_invitation_waits_until_it_is_answered(scene, make):
    member, meeting = scene["member"], scene["meeting"]
    draft = make.meeting(scene["staff"], status="draft", participants_={member: "member"})
    past = make.meeting(scene["staff"], status="published", participants_={member: "member"},
                        starts_in=-timedelta(days=2))
    assert _kinds(member) == [("invitations", meeting.id, "member")]  # not the draft, not the past one
    assert draft.id != past.id
    participants.reply_to_invitation(member, meeting, False, "Đi công tác")
    db.session.commit()
    assert _kinds(member) == []
    assert inbox.count_for(scene["other"]) == 0  # not invited: nothing
    _check_counts([member, scene["guest"], scene["other"]])


def test_documents_new_then_read_then_updated(scene):
    staff, member, meeting = scene["staff"], scene["member"], scene["meeting"]
    participants.reply_to_invitation(member, meeting, True)
    document = _upload(staff, meeting, title="Tờ trình về đô thị thông minh")
    assert _kinds(member) == [("documents", document.id, "new")]
    [entry] = inbox.entries_for(member)
    assert entry.title == "Tờ trình về đô thị thông minh" and entry.meeting_title == meeting.title
    documents.record_read(member, document.current_version)
    db.session.commit()
    assert _kinds(member) == []
    documents.add_version(staff, document, io.BytesIO(PDF), filename="to-trinh-2.pdf")
    db.session.commit()
    assert _kinds(member) == [("documents", document.id, "updated")]
    documents.withdraw_document(staff, document)
    db.session.commit()
    assert _kinds(member) == []
    _check_counts([member, scene["guest"], staff])


def test_a_confidential_document_appears_only_for_its_named_readers(scene, make):
    staff, member, guest, meeting = scene["staff"], scene["member"], scene["guest"], scene["meeting"]
    reader = make.user()
    participants.add_participant(staff, meeting, reader.id, "member")
    db.session.commit()
    secret = _upload(staff, meeting, title="Phương án nhân sự (mật)", access="confidential", readers=[reader.id])
    titles = lambda user: [e.title for e in inbox.entries_for(user) if e.source == "documents"]  # noqa: E731
    assert titles(reader) == ["Phương án nhân sự (mật)"]
    assert titles(member) == [] and titles(guest) == []
    _check_counts([reader, member, guest])


def test_a_guest_never_sees_what_hangs_under_a_confidential_item(scene):
    staff, member, guest, meeting = scene["staff"], scene["member"], scene["guest"], scene["meeting"]
    item = meeting.items[1]
    item.confidential = True
    db.session.commit()
    on_item = _upload(staff, meeting, title="Báo cáo thanh tra", agenda_item_id=item.id)
    open_one = _upload(staff, meeting, title="Chương trình kỳ họp")
    assert {e.ref_id for e in inbox.entries_for(guest) if e.source == "documents"} == {open_one.id}
    assert {e.ref_id for e in inbox.entries_for(member) if e.source == "documents"} == {on_item.id, open_one.id}
    documents.move_document(staff, on_item, None)  # off the confidential item: the guest may read it now
    db.session.commit()
    assert {e.ref_id for e in inbox.entries_for(guest) if e.source == "documents"} == {on_item.id, open_one.id}
    _check_counts([member, guest])


def test_a_closed_meeting_leaves_the_documents_and_invitations_of_the_inbox(scene):
    staff, member, meeting = scene["staff"], scene["member"], scene["meeting"]
    _upload(staff, meeting, title="Tài liệu")
    participants.add_participant(staff, meeting, scene["other"].id, "chair")
    for move in ("start", "close"):
        meetings.move_status(staff, meeting, move)
    db.session.commit()
    assert _kinds(member) == []


def test_minutes_wait_for_the_secretary_then_the_chair(make):
    drafted = drafted_minutes(make)
    secretary, chair, record = drafted["secretary"], drafted["chair"], drafted["minutes"]
    meeting_id = drafted["meeting"].id
    assert _kinds(secretary) == [("minutes", record.id, "secretary")] and _kinds(chair) == []
    minutes_signing.sign_minutes(secretary, record, SIGNING_PASSPHRASES["secretary"], confirm_empty=True)
    db.session.commit()
    assert _kinds(secretary) == [] and _kinds(chair) == [("minutes", record.id, "chair")]
    _check_counts([secretary, chair, *drafted["members"]])
    minutes.return_minutes(chair, record, "Bổ sung ý kiến của đại biểu")
    db.session.commit()
    assert _kinds(secretary) == [("minutes", record.id, "secretary")] and _kinds(chair) == []
    assert [e.meeting_id for e in inbox.entries_for(secretary)] == [meeting_id]


def test_minutes_of_a_session_still_sitting_wait_for_nobody(make):
    from ..minutes_helpers import held_session
    held = held_session(make, close=False)
    minutes.generate_minutes(held["secretary"], held["meeting"])
    db.session.commit()
    assert [e for e in inbox.entries_for(held["secretary"]) if e.source == "minutes"] == []


def test_batched_counts_equal_the_lists_for_a_random_council(make):
    """Several meetings, roles, access levels, reads and replies drawn at random (seeded): for everyone, the
    grouped count is the length of their list, and the list passes the permission module."""
    rng = random.Random(13)
    staff = make.user("secretariat")
    people = [make.user() for _ in range(8)] + [make.user("archivist")]
    made = []
    for n in range(3):
        invited = rng.sample(people, 6)
        roles = {p: rng.choice(["member", "member", "guest", "secretary"]) for p in invited}
        meeting = make.meeting(staff, status="published", items=2, title=f"Phiên họp {n}", participants_=roles)
        meeting.items[1].confidential = rng.random() < 0.7
        db.session.commit()
        for d in range(3):
            access = rng.choice(["public", "participants", "confidential"])
            readers = rng.sample([p.id for p in invited], 2) if access == "confidential" else None
            item = rng.choice([None, meeting.items[0].id, meeting.items[1].id])
            if access == "public" and item == meeting.items[1].id and meeting.items[1].confidential:
                item = None
            made.append(_upload(staff, meeting, title=f"Tài liệu {n}.{d}", access=access, readers=readers,
                                agenda_item_id=item))
        for person in invited:
            if rng.random() < 0.5:
                participants.reply_to_invitation(person, meeting, True)
    for person in people:
        for document in made:
            if rng.random() < 0.3 and documents.may(person, "document.read", document):
                documents.record_read(person, document.current_version)
    documents.withdraw_document(staff, made[0])
    db.session.commit()
    everyone = [staff, *people]
    _check_counts(everyone)
    assert sum(inbox.counts_for([p.id for p in everyone]).values()) > 10  # the scene is not empty


def test_counts_for_many_take_one_query_per_source(scene, make):
    crowd = [make.user() for _ in range(40)]
    for person in crowd:
        participants.add_participant(scene["staff"], scene["meeting"], person.id, "member")
    db.session.commit()
    ids = [p.id for p in crowd]

    def statements_counting(user_ids):
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            counts = inbox.counts_for(user_ids)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert set(counts.values()) == {1}  # each: the invitation
        return len(statements)

    # One query per source, and one for who the people are (active, secretariat, archivists): however many.
    assert statements_counting(ids) == statements_counting(ids[:3]) == len(inbox.SOURCES) + 1


def test_the_new_counts_are_pushed_after_commit_to_those_concerned_only(scene, app):
    staff, member, guest, other = scene["staff"], scene["member"], scene["guest"], scene["other"]
    sent = []
    real_emit = socketio.emit
    socketio.emit = lambda name, payload, to=None, **kw: sent.extend(  # one emit may name several rooms
        (name, payload, room) for room in (to if isinstance(to, list) else [to]))
    try:
        _upload(staff, scene["meeting"], title="Tờ trình")
        pushed = {to: payload for name, payload, to in sent if name == "inbox.count"}
        assert pushed == {f"user:{member.id}": {"count": 2}, f"user:{guest.id}": {"count": 2}}
        assert f"user:{other.id}" not in pushed
        sent.clear()
        participants.reply_to_invitation(member, scene["meeting"], True)
        db.session.rollback()  # rolled back: nothing is pushed
        assert [s for s in sent if s[0] == "inbox.count"] == []
    finally:
        socketio.emit = real_emit


def test_a_savepoint_inside_the_transaction_does_not_count_early(scene):
    """The mail outbox commits savepoints mid-request: the count waits for the real commit, and sees it all."""
    staff, member = scene["staff"], scene["member"]
    sent = []
    real_emit = socketio.emit
    socketio.emit = lambda name, payload, to=None, **kw: sent.extend(  # one emit may name several rooms
        (name, payload, room) for room in (to if isinstance(to, list) else [to]))
    try:
        participants.reply_to_invitation(member, scene["meeting"], True)  # 1 → 0
        with db.session.begin_nested():
            pass
        assert sent == []
        later = meetings.create_meeting(staff, {"title": "Phiên họp bổ sung", "starts_at": "2030-01-02T08:00:00+07:00"})
        db.session.flush()
        participants.add_participant(staff, later, member.id, "member")
        later.items  # noqa: B018 (loaded: the publication needs an item)
        from cabinet.services import agenda
        agenda.add_item(staff, later, {"title": "Nội dung"})
        meetings.move_status(staff, later, "publish")  # a new invitation, in the same transaction
        db.session.commit()
        assert [(p, to) for name, p, to in sent if name == "inbox.count"] == [({"count": 1}, f"user:{member.id}")]
    finally:
        socketio.emit = real_emit


def test_a_meeting_that_has_just_ended_is_pushed_off_the_badges(scene):
    """Its invitation left the counts when its time ran out, but no change told the tablets: the badge stayed
    one too high until something else happened. The background pass now tells them (meetings_ended)."""
    from cabinet.models.types import utcnow
    meeting, member = scene["meeting"], scene["member"]
    assert inbox.count_for(member) == 1  # the invitation
    now = utcnow()
    meeting.starts_at, meeting.ends_at = now - timedelta(hours=2), now - timedelta(seconds=10)
    db.session.commit()
    sent = []
    real_emit = socketio.emit
    socketio.emit = lambda name, payload, to=None, **kw: sent.extend(
        (name, payload, room) for room in (to if isinstance(to, list) else [to]))
    try:
        assert inbox.meetings_ended(now - timedelta(seconds=30), now) == 1
        assert (f"user:{member.id}", {"count": 0}) in [(room, p) for name, p, room in sent if name == "inbox.count"]
        sent.clear()
        assert inbox.meetings_ended(now, now + timedelta(seconds=30)) == 0, "told once"
        assert sent == []
    finally:
        socketio.emit = real_emit
