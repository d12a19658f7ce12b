"""Ballots written together (polls.cast_ballots, ballot_box): each ballot of a batch gets the answer it
would get alone, and nothing is counted twice or lost when many callers wait for one writer."""
import threading
import time

import pytest
from sqlalchemy import func, select

from cabinet.extensions import db
from cabinet.models import AuditEntry, BallotParticipation, NamedBallot, User
from cabinet.services import ballot_box, live, polls
from cabinet.services.errors import Conflict, DomainError, Invalid, NotAllowed, NotFound


@pytest.fixture()
def council(make):
    staff, chair = make.user("secretariat"), make.user()
    members = [make.user() for _ in range(24)]  # more than the connection pool holds (15)
    guest = make.user()
    meeting = make.meeting(staff, status="live", participants_={
        chair: "chair", **{m: "member" for m in members}, guest: "guest"})
    for person in [chair, *members[:-1]]:  # the last member stays away
        live.check_in(person, meeting)
    db.session.commit()
    return {"meeting": meeting, "chair": chair, "members": members, "guest": guest}


def _open_poll(council, secret=True):
    poll = polls.create_poll(council["chair"], council["meeting"], {"question": "Thông qua Nghị quyết?",
                                                                    "secret": secret})
    polls.open_poll(council["chair"], poll)
    db.session.commit()
    return poll


def _counts(poll):
    """What each option got: a named poll's counters, or a secret poll's sum, decrypted by closing it."""
    db.session.expire_all()
    if poll.secret and poll.status == "open":
        polls.close_poll(next(p.user for p in poll.meeting.participants if p.role == "chair"), poll)
        db.session.commit()
    return {label: count for label, count in zip(poll.options, (t.count for t in poll.tallies))}


def _cast(poll):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(BallotParticipation)
                             .where(BallotParticipation.poll_id == poll.id))


def test_a_batch_answers_each_ballot_as_if_alone(council):
    members = council["members"]
    poll = _open_poll(council, secret=False)
    earlier = polls.cast_ballot(members[0], poll, "Tán thành", key="first")
    Ballot = polls.BallotRequest
    answers = polls.cast_ballots(poll, [
        Ballot(members[0], "Tán thành", "first"),        # a retry: the same receipt
        Ballot(members[1], "Tán thành", "a"),
        Ballot(members[2], "Không tán thành", "b"),
        Ballot(members[3], "Có lẽ", "c"),                 # not an option
        Ballot(members[-1], "Tán thành", "d"),            # not checked in
        Ballot(council["guest"], "Tán thành", "e"),       # no vote
        Ballot(members[4], "Tán thành", "x" * 65),        # key too long
        Ballot(members[5], "Không biểu quyết", None),     # no key: one is made up
    ])
    db.session.commit()
    assert answers[0] == earlier
    new = [answers[i] for i in (1, 2, 7)]
    assert all(isinstance(a, str) and a for a in new) and len({earlier, *new}) == 4
    assert isinstance(answers[3], Invalid) and answers[3].code == "invalid_option"
    assert isinstance(answers[4], NotAllowed) and answers[4].code == "not_checked_in"
    assert isinstance(answers[5], NotAllowed) and answers[5].code == "forbidden"
    assert isinstance(answers[6], Invalid) and answers[6].field == "key"
    assert _counts(poll) == {"Tán thành": 2, "Không tán thành": 1, "Không biểu quyết": 1}
    named = {b.user_id: poll.options[b.position] for b in db.session.scalars(select(NamedBallot))}
    assert named == {members[0].id: "Tán thành", members[1].id: "Tán thành",
                     members[2].id: "Không tán thành", members[5].id: "Không biểu quyết"}
    votes = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "poll.vote")).all()
    assert sorted(e.actor_id for e in votes) == sorted([members[0].id, members[1].id, members[2].id,
                                                        members[5].id])


def test_a_batch_on_a_closed_poll_refuses_new_ballots_and_keeps_receipts(council):
    members = council["members"]
    poll = _open_poll(council)
    receipt = polls.cast_ballot(members[0], poll, "Tán thành", key="k")
    polls.close_poll(council["chair"], poll)
    answers = polls.cast_ballots(poll, [polls.BallotRequest(members[0], "Tán thành", "k"),
                                        polls.BallotRequest(members[1], "Tán thành", "k2")])
    assert answers[0] == receipt
    assert isinstance(answers[1], Conflict) and answers[1].code == "poll_closed"


def _cast_in_threads(app, poll_id, ballots):
    """Each (user id, option, key) cast through the box by a thread of its own (which loads the voter, as
    a request does, holding a connection); returns once every thread has started."""
    answers: dict[int, object] = {}
    ready = threading.Barrier(len(ballots) + 1)

    def vote(index, user_id, option, key):
        ready.wait(30)
        with app.app_context():
            try:
                answers[index] = ballot_box.cast(db.session.get(User, user_id), poll_id, option, key)
            except Exception as err:  # a refusal, or the database failing under the writer
                answers[index] = err

    threads = [threading.Thread(target=vote, args=(i, *b)) for i, b in enumerate(ballots)]
    for thread in threads:
        thread.start()
    ready.wait(30)
    return threads, answers


def test_many_callers_one_writer(app, council):
    """28 threads cast at once while the poll is held locked (as a close holds it), so they pile up behind
    the first writer and are written together; the same voter twice (a retry, a second ballot) and
    refusals among them. More callers wait than the connection pool holds: waiting holds none."""
    members, chair = council["members"], council["chair"]
    poll = _open_poll(council)
    voters = [chair, *members[:-1]]
    ballots = [(p.id, "Tán thành" if i % 3 else "Không tán thành", f"key-{p.id}") for i, p in enumerate(voters)]
    ballots += [(members[0].id, "Tán thành", f"key-{members[0].id}"),    # a retry of a ballot above
                (members[1].id, "Tán thành", "another-key"),             # a second ballot
                (members[-1].id, "Tán thành", "absent"),                 # not checked in
                (council["guest"].id, "Tán thành", "guest")]             # no vote
    polls._locked(poll)
    threads, answers = _cast_in_threads(app, poll.id, ballots)
    time.sleep(0.5)  # the first caller writes, blocked on the lock; the others queue behind it
    db.session.commit()
    deadline = time.monotonic() + 60
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert len(answers) == len(ballots), "every caller got an answer"
    retry, second, absent, guest = (answers[len(voters) + i] for i in range(4))
    # members[1] (voters[2]) cast twice with two keys: whichever came first counts, the other is refused.
    first_of_two = answers[2] if isinstance(second, Conflict) else second
    refused = answers[2] if first_of_two is second else second
    assert isinstance(refused, Conflict) and refused.code == "already_voted", answers
    receipts = [first_of_two if i == 2 else answers[i] for i in range(len(voters))]
    assert all(isinstance(r, str) for r in receipts) and len(set(receipts)) == len(voters), answers
    assert retry == receipts[1]  # members[0] (voters[1]) again with the same key: the same receipt
    assert isinstance(absent, NotAllowed) and absent.code == "not_checked_in"
    assert isinstance(guest, NotAllowed) and guest.code == "forbidden"
    counts = _counts(poll)
    assert sum(counts.values()) == len(voters)
    assert counts["Không tán thành"] == sum(1 for i in range(len(voters)) if i % 3 == 0)
    assert db.session.scalar(select(func.count()).select_from(BallotParticipation)) == len(voters)
    # One transaction stamps its audit entries with one time: the ballots shared a few transactions.
    stamps = db.session.scalars(select(AuditEntry.at).where(AuditEntry.action == "poll.vote")).all()
    assert len(stamps) == len(voters) and len(set(stamps)) <= 3, stamps


def test_callers_stop_waiting_for_a_stuck_writer_and_their_retries_count_once(app, council, monkeypatch):
    """The poll stays locked longer than a caller waits (a database that stopped answering, say): the
    callers behind the writer are answered with 503 — `ballot_box_busy` if their ballot never left the
    queue, `ballot_pending` if it was in the writer's transaction — and their retries with the same keys
    end with every voter counted once."""
    monkeypatch.setattr(ballot_box, "WAIT_LIMIT", 0.5)
    members, chair = council["members"], council["chair"]
    poll = _open_poll(council)
    voters = [chair, *members[:-1]]
    ballots = [(p.id, "Tán thành", f"key-{p.id}") for p in voters]
    polls._locked(poll)
    threads, answers = _cast_in_threads(app, poll.id, ballots)
    time.sleep(2.0)  # every caller but the writer has given up by now
    db.session.commit()
    for thread in threads:
        thread.join(60)
    assert len(answers) == len(ballots), "every caller got an answer"
    gave_up = {i: a for i, a in answers.items() if isinstance(a, DomainError)}
    assert gave_up and all(a.status == 503 and a.code in ("ballot_box_busy", "ballot_pending")
                           for a in gave_up.values()), answers
    assert len(gave_up) < len(ballots), "the writer itself waits for the database, and answers"
    counted_before_retry = _cast(poll)
    busy = sum(1 for a in gave_up.values() if a.code == "ballot_box_busy")
    assert counted_before_retry == len(ballots) - busy, "a ballot that never left the queue is not counted"
    threads, answers_again = _cast_in_threads(app, poll.id, [ballots[i] for i in sorted(gave_up)])
    for thread in threads:
        thread.join(60)
    assert all(isinstance(a, str) for a in answers_again.values()), answers_again
    assert _cast(poll) == len(voters)
    assert sum(_counts(poll).values()) == len(voters)
    assert db.session.scalar(select(func.count()).select_from(BallotParticipation)) == len(voters)


def test_the_box_refuses_what_is_not_a_poll(app, council):
    member = council["members"][0]
    with pytest.raises(NotFound):
        ballot_box.cast(member, "12", "Tán thành")
    with pytest.raises(NotFound) as missing:
        ballot_box.cast(db.session.get(User, member.id), 999999, "Tán thành")
    assert missing.value.code == "poll_not_found"


def test_the_box_refuses_a_proxy_for_the_voter(app, council):
    """Flask-Login's current_user names whoever asks where it is read; in the writer's context that is
    another voter. The box takes real users only."""
    from flask_login import current_user, login_user
    member = council["members"][0]
    poll = _open_poll(council, secret=False)
    with app.test_request_context("/"):
        login_user(member)
        with pytest.raises(TypeError):
            ballot_box.cast(current_user, poll.id, "Tán thành")
    assert db.session.scalar(select(func.count()).select_from(BallotParticipation)) == 0


def test_a_writer_that_fails_mid_batch_leaves_nothing_stuck(app, council):
    """The database fails under the writer while ballots of two polls wait (one write fails): every caller
    is answered, the box is free again, and the same ballots sent again are each counted once."""
    from sqlalchemy import event
    members, chair = council["members"], council["chair"]
    poll = _open_poll(council, secret=False)
    voters = [chair, *members[:-1]]
    ballots = [(p.id, "Tán thành", f"key-{p.id}") for p in voters]
    failures = []

    def fail_once(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO BALLOT_PARTICIPATIONS") and not failures:
            failures.append(statement)
            raise RuntimeError("disk I/O error (injected)")

    engine = db.engine
    event.listen(engine, "before_cursor_execute", fail_once)
    try:
        polls._locked(poll)  # hold the poll so that the callers pile up into one batch
        threads, answers = _cast_in_threads(app, poll.id, ballots)
        time.sleep(0.5)
        db.session.commit()
        for thread in threads:
            thread.join(60)
    finally:
        event.remove(engine, "before_cursor_execute", fail_once)
    assert failures, "the injected failure happened"
    assert len(answers) == len(ballots) and not any(t.is_alive() for t in threads), "every caller answered"
    assert not ballot_box._writing and not any(ballot_box._queues.values()), "nobody is left writing or waiting"
    lost = [ballots[i] for i, a in answers.items() if not isinstance(a, str)]
    assert lost and all(isinstance(answers[i], Exception) for i in answers if not isinstance(answers[i], str))
    threads, again = _cast_in_threads(app, poll.id, ballots)
    for thread in threads:
        thread.join(60)
    assert all(isinstance(a, str) for a in again.values()), again
    assert db.session.scalar(select(func.count()).select_from(BallotParticipation)) == len(voters)


def test_a_stuck_poll_does_not_hold_up_another_meetings_vote(app, backend, make, council):
    """One poll's row is held (a stuck transaction, a slow database): its voters wait, but a vote in another
    meeting is written at once — each poll has its own box. (PostgreSQL: SQLite's one write lock for the
    whole database would hold both, whatever the box does.)"""
    if backend != "postgresql":
        pytest.skip("SQLite locks the whole database for a writer")
    stuck = _open_poll(council, secret=False)
    staff, chair, member = make.user("secretariat"), make.user(), make.user()
    other = make.meeting(staff, status="live", participants_={chair: "chair", member: "member"})
    live.check_in(chair, other)
    live.check_in(member, other)
    free = polls.create_poll(chair, other, {"question": "Phiên khác?", "secret": False})
    polls.open_poll(chair, free)
    db.session.commit()
    polls._locked(stuck)  # held by this test's transaction until it commits
    waiting, _ = _cast_in_threads(app, stuck.id, [(council["members"][0].id, "Tán thành", "stuck")])
    time.sleep(0.3)  # the stuck poll's writer is now waiting for the row
    started = time.monotonic()
    threads, answers = _cast_in_threads(app, free.id, [(member.id, "Tán thành", "free")])
    for thread in threads:
        thread.join(10)
    assert isinstance(answers.get(0), str), answers
    assert time.monotonic() - started < 5, "the other meeting's ballot did not wait for the stuck poll"
    db.session.commit()  # release the stuck poll
    for thread in waiting:
        thread.join(30)
