"""The live session's rules: attendance and quorum, following the chair, speakers, and votes."""
import pytest
from sqlalchemy import inspect

from cabinet.extensions import db
from cabinet.models import BallotParticipation, Body, PollTally
from cabinet.presentation.polls import poll_json
from cabinet.services import live, polls, speakers
from cabinet.services.errors import Conflict, Invalid, NotAllowed, NotFound


@pytest.fixture()
def session(make):
    staff, chair = make.user("secretariat"), make.user()
    members = [make.user() for _ in range(5)]
    guest, secretary = make.user(), make.user()
    meeting = make.meeting(staff, status="live", items=3, participants_={
        chair: "chair", **{m: "member" for m in members}, guest: "guest", secretary: "secretary"})
    return {"staff": staff, "chair": chair, "members": members, "guest": guest, "secretary": secretary,
            "meeting": meeting}


def test_quorum_is_two_thirds_of_voting_members_by_default(session):
    meeting, chair, members = session["meeting"], session["chair"], session["members"]
    assert live.attendance(meeting) == {"present": 0, "expected": 6, "needed": 4, "quorum_met": False,
                                        "online": 0, "absent": 0}
    live.check_in(chair, meeting)
    live.check_in(members[0], meeting, mode="online")
    live.check_in(session["secretary"], meeting, user_id=members[1].id)
    assert live.attendance(meeting)["present"] == 3 and not live.attendance(meeting)["quorum_met"]
    live.check_in(session["guest"], meeting)  # guests do not count
    live.check_in(members[2], meeting)
    summary = live.attendance(meeting)
    assert summary["present"] == 4 and summary["quorum_met"] and summary["online"] == 1
    with pytest.raises(NotAllowed):
        live.check_in(members[3], meeting, user_id=members[4].id)  # only chair, secretary, secretariat
    with pytest.raises(Invalid):
        live.check_in(session["chair"], meeting, user_id=members[4].id, mode="absent")  # needs a reason
    live.check_in(session["chair"], meeting, user_id=members[4].id, mode="absent", reason="Đi công tác")
    assert live.attendance(meeting)["absent"] == 1


def test_check_in_only_while_live(make, session):
    published = make.meeting(session["staff"], status="published", participants_={session["chair"]: "chair"})
    with pytest.raises(Conflict):
        live.check_in(session["chair"], published)


def test_chair_moves_the_current_item(session):
    meeting, chair = session["meeting"], session["chair"]
    item = meeting.items[1]
    assert live.move_current_item(chair, meeting, item.id).current_item_id == item.id
    with pytest.raises(NotAllowed):
        live.move_current_item(session["members"][0], meeting, item.id)
    with pytest.raises(Invalid):
        live.move_current_item(chair, meeting, 999999)


def test_speaker_queue(session):
    meeting, chair, (a, b, *_rest) = session["meeting"], session["chair"], session["members"]
    live.move_current_item(chair, meeting, meeting.items[0].id)
    first = speakers.request_floor(a, meeting)
    second = speakers.request_floor(b, meeting, "question")
    with pytest.raises(Conflict):
        speakers.request_floor(a, meeting)
    assert [e["user_id"] for e in speakers.speakers_json(meeting)["queue"]] == [a.id, b.id]
    speakers.grant(chair, first, 120)
    state = speakers.speakers_json(meeting)
    assert state["current"]["user_id"] == a.id and state["current"]["seconds"] == 120
    speakers.withdraw(b, second)
    assert speakers.speakers_json(meeting)["queue"] == []
    with pytest.raises(NotAllowed):
        speakers.grant(b, second)
    speakers.finish(chair, first)
    assert speakers.speakers_json(meeting)["current"] is None


def _present(session, count):
    for user in [session["chair"], *session["members"]][:count]:
        live.check_in(user, session["meeting"])


def test_no_vote_without_a_quorum_and_no_decision_when_it_is_lost(session):
    """Two thirds of the 6 voting members (4) must be present to open a vote; if members leave before the
    close, the vote is recorded but decides nothing."""
    meeting, chair, members = session["meeting"], session["chair"], session["members"]
    _present(session, 3)
    poll = polls.create_poll(chair, meeting, {"question": "Thông qua?", "secret": False, "majority": "simple"})
    with pytest.raises(Conflict) as refused:
        polls.open_poll(chair, poll)
    assert refused.value.code == "no_quorum" and "4" in refused.value.message
    live.check_in(members[2], meeting)
    polls.open_poll(chair, poll)
    polls.cast_ballot(members[0], poll, "Tán thành")
    live.check_in(chair, meeting, members[2].id, "absent", "Về sớm")
    polls.close_poll(chair, poll)
    result = poll_json(poll)
    assert result["quorum_needed"] == 4 and result["quorum_met"] is False and result["passed"] is False


@pytest.mark.parametrize("majority, yes, no, abstain, present, passed", [
    ("simple", 2, 1, 1, 4, False),   # 2 of 4 cast is not more than half
    ("simple", 3, 1, 0, 4, True),
    ("present", 3, 0, 1, 5, True),   # 3 of 5 present
    ("present", 2, 0, 0, 5, False),
    ("all", 3, 0, 0, 6, False),      # 3 of 6 members is not more than half
    ("all", 4, 1, 0, 6, True),
    ("two_thirds", 4, 0, 0, 6, True),
    ("two_thirds", 3, 0, 0, 6, False),
])
def test_majority_rules(session, majority, yes, no, abstain, present, passed):
    _present(session, present)
    meeting, chair = session["meeting"], session["chair"]
    poll = polls.create_poll(chair, meeting, {"question": "Thông qua Tờ trình?", "majority": majority})
    polls.open_poll(chair, poll)
    voters = [chair, *session["members"]]
    choices = ["Tán thành"] * yes + ["Không tán thành"] * no + ["Không biểu quyết"] * abstain
    for voter, choice in zip(voters, choices):
        polls.cast_ballot(voter, poll, choice)
    polls.close_poll(chair, poll)
    assert poll.passed is passed
    result = poll_json(poll)
    assert result["results"] == {"Tán thành": yes, "Không tán thành": no, "Không biểu quyết": abstain}
    assert result["members_total"] == 6 and result["present_total"] == present


def test_ballot_rules(session):
    _present(session, 4)  # the quorum: two thirds of the 6 voting members
    meeting, chair, members = session["meeting"], session["chair"], session["members"]
    poll = polls.create_poll(chair, meeting, {"question": "Biểu quyết", "secret": True})
    with pytest.raises(Conflict):
        polls.cast_ballot(members[0], poll, "Tán thành")  # not open yet
    polls.open_poll(chair, poll)
    receipt = polls.cast_ballot(members[0], poll, "Tán thành", key="k-1")
    assert polls.cast_ballot(members[0], poll, "Tán thành", key="k-1") == receipt  # a retry
    with pytest.raises(Conflict) as second:
        polls.cast_ballot(members[0], poll, "Không tán thành", key="k-2")
    assert second.value.code == "already_voted"
    with pytest.raises(NotAllowed) as absent:
        polls.cast_ballot(members[4], poll, "Tán thành")
    assert absent.value.code == "not_checked_in"
    with pytest.raises(NotAllowed):
        polls.cast_ballot(session["guest"], poll, "Tán thành")
    with pytest.raises(NotAllowed):
        polls.cast_ballot(session["secretary"], poll, "Tán thành")
    with pytest.raises(Invalid):
        polls.cast_ballot(members[1], poll, "Có lẽ")
    polls.close_poll(chair, poll)
    with pytest.raises(Conflict) as closed:
        polls.cast_ballot(members[1], poll, "Tán thành")
    assert closed.value.code == "poll_closed"
    assert polls.cast_ballot(members[0], poll, "Tán thành", key="k-1") == receipt  # retry after close
    assert poll_json(poll)["results"]["Tán thành"] == 1
    with pytest.raises(NotFound):
        polls.get_poll(session["staff"], 999999)


def test_named_ballots_may_change_only_where_the_body_allows(session):
    _present(session, 4)
    meeting, chair, member = session["meeting"], session["chair"], session["members"][0]
    poll = polls.create_poll(chair, meeting, {"question": "Q", "secret": False})
    polls.open_poll(chair, poll)
    polls.cast_ballot(member, poll, "Tán thành", key="a")
    with pytest.raises(Conflict):
        polls.cast_ballot(member, poll, "Không tán thành", key="b")
    meeting.body = Body(name="Hội đồng thử", ballot_change_allowed=True)
    db.session.flush()
    polls.cast_ballot(member, poll, "Không tán thành", key="b")
    polls.close_poll(chair, poll)
    result = poll_json(poll)
    assert result["results"] == {"Tán thành": 0, "Không tán thành": 1, "Không biểu quyết": 0}
    assert result["ballots"] == [{"user_id": member.id, "full_name": member.full_name,
                                  "option": "Không tán thành"}]


def test_body_options_replace_the_default(session):
    session["meeting"].body = Body(name="HĐND thử", vote_options=["Đồng ý", "Không đồng ý", "Ý kiến khác"])
    poll = polls.create_poll(session["chair"], session["meeting"], {"question": "Q"})
    assert poll.options == ["Đồng ý", "Không đồng ý", "Ý kiến khác"]


def test_secret_ballots_cannot_be_linked_to_voters(session):
    """Inspect the tables: nothing written for a secret poll names or orders a choice by voter."""
    _present(session, 6)
    meeting, chair = session["meeting"], session["chair"]
    poll = polls.create_poll(chair, meeting, {"question": "Bầu", "secret": True})
    polls.open_poll(chair, poll)
    for voter, choice in zip([chair, *session["members"]], ["Tán thành", "Không tán thành"] * 3):
        polls.cast_ballot(voter, poll, choice)
    db.session.commit()
    participation_columns = {c["name"] for c in inspect(db.engine).get_columns("ballot_participations")}
    tally_columns = {c["name"] for c in inspect(db.engine).get_columns("poll_tallies")}
    assert participation_columns == {"id", "poll_id", "user_id", "key", "receipt"}, "no choice, no time"
    assert tally_columns == {"poll_id", "position", "count"}, "no voter, no time, no order of ballots"
    sealed_columns = {c["name"] for c in inspect(db.engine).get_columns("sealed_ballots")}
    assert sealed_columns == {"poll_id", "code", "sealed"}, "no voter, no time, no sequence"
    assert db.session.query(BallotParticipation).filter_by(poll_id=poll.id).count() == 6

    def counts():
        return [t.count for t in db.session.query(PollTally).filter_by(poll_id=poll.id).order_by(PollTally.position)]
    assert counts() == [0, 0, 0], "the counts do not move while the poll is open"
    from cabinet.models import NamedBallot, SealedBallot
    assert db.session.query(NamedBallot).filter_by(poll_id=poll.id).count() == 0
    sealed = [s.sealed for s in db.session.query(SealedBallot).filter_by(poll_id=poll.id)]
    assert len(sealed) == 6 and len(set(sealed)) == 6, "equal choices, unrelated ciphertexts"
    polls.close_poll(chair, poll)
    db.session.commit()
    assert counts() == [3, 3, 0], "the decrypted sum"
    assert "ballots" not in poll_json(poll)


def test_one_open_poll_at_a_time(session):
    _present(session, 4)
    chair, meeting = session["chair"], session["meeting"]
    first = polls.create_poll(chair, meeting, {"question": "1"})
    second = polls.create_poll(chair, meeting, {"question": "2"})
    polls.open_poll(chair, first)
    with pytest.raises(Conflict):
        polls.open_poll(chair, second)
    with pytest.raises(NotAllowed):
        polls.create_poll(session["members"][0], meeting, {"question": "3"})


def test_two_polls_opened_at_the_same_moment_leave_one_open(app, session):
    """Two chairs' taps (or two server processes) open two prepared polls at once: the database's
    one-open-poll index keeps exactly one open; the other gets 409 other_poll_open."""
    import threading
    from cabinet.models import Poll, User
    _present(session, 4)
    chair, meeting = session["chair"], session["meeting"]
    ids = [polls.create_poll(chair, meeting, {"question": f"Nội dung {i}"}).id for i in range(2)]
    chair_id = chair.id
    db.session.commit()
    start, answers = threading.Barrier(2), {}

    def open_it(poll_id):
        with app.app_context():
            poll, me = db.session.get(Poll, poll_id), db.session.get(User, chair_id)
            poll.meeting.participants, me.roles  # loaded before the race
            start.wait()
            try:
                polls.open_poll(me, poll)
                db.session.commit()
                answers[poll_id] = "open"
            except Conflict as err:
                db.session.rollback()
                answers[poll_id] = err.code
            finally:
                db.session.remove()

    threads = [threading.Thread(target=open_it, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(answers.values()) == ["open", "other_poll_open"], answers
    db.session.expire_all()
    assert [db.session.get(Poll, i).status for i in ids].count("open") == 1
