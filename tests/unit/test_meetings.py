"""Meeting status moves, visibility, invitations and replies."""
from datetime import datetime, timedelta, timezone

import pytest

from cabinet.extensions import db
from cabinet.services import meetings, participants
from cabinet.services.errors import Conflict, Invalid, NotAllowed, NotFound

ALL_MOVES = ["publish", "start", "adjourn", "close"]
ALLOWED = {
    "draft": {"publish"},
    "published": {"start"},
    "live": {"adjourn", "close"},
    "adjourned": {"start", "close"},
    "closed": set(),
}


@pytest.mark.parametrize("status", list(ALLOWED))
@pytest.mark.parametrize("move", ALL_MOVES)
def test_status_machine(make, status, move):
    staff = make.user("secretariat")
    meeting = make.meeting(staff, status=status, participants_={make.user(): "chair"})
    if move in ALLOWED[status]:
        meetings.move_status(staff, meeting, move)
        assert meeting.status == meetings.STATUS_MOVES[move][1]
    else:
        with pytest.raises(Conflict) as err:
            meetings.move_status(staff, meeting, move)
        assert err.value.code == "invalid_status_change"
        db.session.rollback()
        assert db.session.get(type(meeting), meeting.id).status == status


def test_publish_needs_an_agenda_and_start_needs_a_chair(make):
    staff = make.user("secretariat")
    empty = make.meeting(staff, items=0)
    with pytest.raises(Conflict) as err:
        meetings.move_status(staff, empty, "publish")
    assert err.value.code == "empty_agenda"
    chairless = make.meeting(staff, status="published")
    with pytest.raises(Conflict) as err:
        meetings.move_status(staff, chairless, "start")
    assert err.value.code == "no_chair"


def test_chair_may_run_the_session_but_not_publish(make):
    staff, chair = make.user("secretariat"), make.user()
    meeting = make.meeting(staff, status="published", participants_={chair: "chair"})
    meetings.move_status(chair, meeting, "start")
    meetings.move_status(chair, meeting, "adjourn")
    draft = make.meeting(staff, participants_={chair: "chair"})
    with pytest.raises(NotFound):  # a draft is invisible to its future chair
        meetings.move_status(chair, draft, "publish")


def test_members_cannot_move_status(make):
    staff, member = make.user("secretariat"), make.user()
    meeting = make.meeting(staff, status="published", participants_={member: "member"})
    with pytest.raises(NotAllowed):
        meetings.move_status(member, meeting, "start")


def test_every_status_move_takes_the_next_seq(make):
    staff = make.user("secretariat")
    meeting = make.meeting(staff, items=0)
    seq = meeting.seq
    from cabinet.services import agenda
    agenda.add_item(staff, meeting, {"title": "x"})
    meetings.move_status(staff, meeting, "publish")
    assert meeting.seq == seq + 2


def test_my_meetings_lists_upcoming_first_and_hides_drafts(make):
    staff, member, stranger = make.user("secretariat"), make.user(), make.user()
    later = make.meeting(staff, status="published", participants_={member: "member"}, title="later",
                         starts_in=timedelta(days=10))
    soon = make.meeting(staff, status="published", participants_={member: "member"}, title="soon",
                        starts_in=timedelta(days=1))
    past = make.meeting(staff, status="closed", participants_={member: "member"}, title="past")
    make.meeting(staff, status="draft", participants_={member: "member"}, title="draft")
    make.meeting(staff, status="published", title="not invited")
    assert [m.title for m in meetings.list_meetings_for(member)] == ["soon", "later", "past"]
    assert meetings.list_meetings_for(stranger) == []
    assert {"draft", "not invited"} <= {m.title for m in meetings.list_meetings_for(staff)}
    archivist = make.user("archivist")
    assert [m.title for m in meetings.list_meetings_for(archivist)] == ["past"]
    assert later.id and soon.id and past.id


@pytest.mark.parametrize("data, field, code", [
    ({"title": ""}, "title", "required"),
    ({"title": "   "}, "title", "required"),
    ({"title": "x" * 10_000}, "title", "too_long"),
    ({"title": 42}, "title", "invalid_type"),
    ({"starts_at": "not a date"}, "starts_at", "invalid_datetime"),
    ({"ends_at": "2026-12-01T07:00:00+07:00"}, "ends_at", "ends_before_start"),
    ({"mode": "telepathy"}, "mode", "invalid_choice"),
    ({"body_id": 99999}, "body_id", "unknown_body"),
])
def test_invalid_meeting_fields_are_refused(make, data, field, code):
    staff = make.user("secretariat")
    base = {"title": "Phiên họp", "starts_at": "2026-12-01T08:00:00+07:00"}
    with pytest.raises(Invalid) as err:
        meetings.create_meeting(staff, {**base, **data})
    assert (err.value.field, err.value.code) == (field, code)


def test_naive_times_are_read_as_hanoi_time(make):
    staff = make.user("secretariat")
    meeting = meetings.create_meeting(staff, {"title": "x", "starts_at": "2026-12-01T08:00"})
    assert meeting.starts_at == datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)


def test_duplicate_participant_is_a_conflict(make):
    staff, member = make.user("secretariat"), make.user()
    meeting = make.meeting(staff, participants_={member: "member"})
    with pytest.raises(Conflict) as err:
        participants.add_participant(staff, meeting, member.id, "guest")
    assert err.value.code == "already_participant"


def test_unknown_role_and_unknown_user_are_invalid(make):
    staff, member = make.user("secretariat"), make.user()
    meeting = make.meeting(staff)
    with pytest.raises(Invalid):
        participants.add_participant(staff, meeting, member.id, "king")
    with pytest.raises(Invalid):
        participants.add_participant(staff, meeting, 999999, "member")


def test_rsvp_decline_needs_a_reason(make):
    staff, member = make.user("secretariat"), make.user()
    meeting = make.meeting(staff, status="published", participants_={member: "member"})
    with pytest.raises(Invalid) as err:
        participants.reply_to_invitation(member, meeting, False, "")
    assert err.value.field == "reason"
    p = participants.reply_to_invitation(member, meeting, False, "Đi công tác Hà Nội")
    assert (p.rsvp, p.rsvp_reason) == ("declined", "Đi công tác Hà Nội")
    p = participants.reply_to_invitation(member, meeting, True)
    assert (p.rsvp, p.rsvp_reason) == ("attending", "")


def test_rsvp_is_closed_after_the_meeting(make):
    staff, member = make.user("secretariat"), make.user()
    meeting = make.meeting(staff, status="closed", participants_={member: "member"})
    with pytest.raises(Conflict):
        participants.reply_to_invitation(member, meeting, True)
