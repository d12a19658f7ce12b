"""Socket.IO rules with in-process test clients: who may connect and join, and events only after commit."""
import pytest

from cabinet.extensions import db, socketio
from cabinet.services import accounts, agenda

from .. import factories


def connect(app, user=None, **kwargs):
    auth = {"token": accounts.issue_token(user, days=1)} if user else None
    db.session.commit()
    return socketio.test_client(app, auth=auth, **kwargs)


def events(client, name=None):
    received = client.get_received()
    return [e for e in received if name is None or e["name"] == name]


def test_connect_without_credentials_is_refused(app):
    assert not socketio.test_client(app).is_connected()
    assert not socketio.test_client(app, auth={"token": "forged"}).is_connected()


def test_connect_with_token_or_session_cookie(app, make):
    user = make.user()
    assert connect(app, user).is_connected()
    browser = app.test_client()
    factories.login(browser, user)
    assert socketio.test_client(app, flask_test_client=browser).is_connected()


def test_join_needs_sight_of_the_meeting(app, make):
    staff, member, stranger = make.user("secretariat"), make.user(), make.user()
    meeting = make.meeting(staff, status="published", participants_={member: "member"})
    refused = connect(app, stranger).emit("join", {"meeting_id": meeting.id}, callback=True)
    assert refused["ok"] is False and refused["error"]["code"] == "meeting_not_found"
    missing = connect(app, stranger).emit("join", {"meeting_id": 987654}, callback=True)
    assert missing == refused
    joined = connect(app, member).emit("join", {"meeting_id": meeting.id}, callback=True)
    assert joined["ok"] is True
    assert joined["state"]["seq"] == meeting.seq and joined["state"]["status"] == "published"


def test_events_reach_joined_tablets_only_with_consecutive_seq(app, make):
    staff, member, other = make.user("secretariat"), make.user(), make.user()
    meeting = make.meeting(staff, status="published", participants_={member: "member", other: "member"})
    tablet = connect(app, member)
    seq = tablet.emit("join", {"meeting_id": meeting.id}, callback=True)["state"]["seq"]
    bystander = connect(app, other)  # connected, but has not joined the meeting
    events(tablet), events(bystander)

    agenda.add_item(staff, meeting, {"title": "Bổ sung"})
    db.session.commit()
    received = events(tablet)
    assert [e["name"] for e in received] == ["agenda.updated"]
    assert received[0]["args"][0] == {"meeting_id": meeting.id, "seq": seq + 1}
    assert events(bystander) == []


def test_nothing_is_sent_for_a_rolled_back_change(app, make):
    staff, member = make.user("secretariat"), make.user()
    meeting = make.meeting(staff, status="published", participants_={member: "member"})
    tablet = connect(app, member)
    tablet.emit("join", {"meeting_id": meeting.id}, callback=True)
    events(tablet)
    agenda.add_item(staff, meeting, {"title": "Sẽ bị hủy"})
    db.session.rollback()
    db.session.commit()
    assert events(tablet) == []


def test_status_move_through_the_api_is_broadcast_after_commit(app, make, api):
    staff, member, chair = make.user("secretariat"), make.user(), make.user()
    meeting = make.meeting(staff, status="published", participants_={member: "member", chair: "chair"})
    tablet = connect(app, member)
    tablet.emit("join", {"meeting_id": meeting.id}, callback=True)
    events(tablet)
    assert api.as_(chair).post(f"/meetings/{meeting.id}/start").status_code == 200
    [event] = events(tablet, "meeting.status")
    assert event["args"][0]["status"] == "live"
    refused = api.as_(member).post(f"/meetings/{meeting.id}/close")
    assert refused.status_code == 403
    assert events(tablet) == []


@pytest.mark.parametrize("payload", [None, "x", {"meeting_id": "1"}, {}])
def test_join_with_garbage_is_answered_not_crashed(app, make, payload):
    client = connect(app, make.user())
    answer = client.emit("join", payload, callback=True)
    assert answer["ok"] is False and answer["error"]["code"] == "meeting_not_found"


def test_vote_progress_is_coalesced_and_the_last_count_is_complete(app, make, api):
    from cabinet.services import live, polls
    staff, chair = make.user("secretariat"), make.user()
    voters = [make.user() for _ in range(8)]
    meeting = make.meeting(staff, status="live", participants_={chair: "chair", **{v: "member" for v in voters}})
    for person in [chair, *voters]:
        live.check_in(person, meeting)
    poll = polls.create_poll(chair, meeting, {"question": "Q"})
    polls.open_poll(chair, poll)
    db.session.commit()
    tablet = connect(app, chair)
    tablet.emit("join", {"meeting_id": meeting.id}, callback=True)
    seq = meeting.seq
    events(tablet)
    for voter in voters:
        assert api.as_(voter).post(f"/polls/{poll.id}/ballots", json={"option": "Tán thành"}).status_code == 201
    assert api.as_(chair).post(f"/polls/{poll.id}/close").status_code == 200
    received = events(tablet)
    progress = [e["args"][0] for e in received if e["name"] == "poll.progress"]
    assert 1 <= len(progress) < len(voters), "8 ballots, fewer progress events"
    assert progress[-1]["cast"] == 8 and all(p["seq"] == seq for p in progress), "progress takes no seq"
    [closed] = [e["args"][0] for e in received if e["name"] == "poll.closed"]
    assert closed["seq"] == seq + 1 and closed["results"]["Tán thành"] == 8 and closed["passed"] is True


def test_disabling_an_account_drops_its_live_connections(app, make):
    admin, member = make.user("admin"), make.user()
    meeting = make.meeting(status="published", participants_={member: "member"})
    tablet = connect(app, member)
    assert tablet.emit("join", {"meeting_id": meeting.id}, callback=True)["ok"]
    events(tablet)
    accounts.update_user(admin, member, {"active": False})
    db.session.commit()
    assert not tablet.is_connected()


def test_guests_receive_no_poll_of_a_confidential_item(app, make):
    """poll.opened and poll.closed carry the question: for a confidential item they go to those who may
    see it; a guest sees a gap in seq (and reloads a state without the poll). Nor does a guest learn from
    the progress counts that a secret vote is going on."""
    from cabinet.realtime import progress
    from cabinet.services import live, polls
    staff, chair, member, guest = make.user("secretariat"), make.user(), make.user(), make.user()
    meeting = make.meeting(staff, status="live", participants_={chair: "chair", member: "member", guest: "guest"})
    item = agenda.add_item(staff, meeting, {"title": "Nhân sự", "confidential": True})
    db.session.commit()
    tablets = {who: connect(app, who) for who in (member, guest)}
    for tablet in tablets.values():
        assert tablet.emit("join", {"meeting_id": meeting.id}, callback=True)["ok"]
        tablet.get_received()
    live.check_in(member, meeting)
    live.check_in(chair, meeting)
    db.session.commit()
    poll = polls.create_poll(chair, meeting, {"question": "Bầu Trưởng ban (mật)?", "agenda_item_id": item.id})
    polls.open_poll(chair, poll)
    db.session.commit()
    progress.send_progress(poll.id)  # what the ticker sends while ballots arrive
    polls.close_poll(chair, poll)
    db.session.commit()
    for_member = [e["name"] for e in events(tablets[member])]
    # (the ticker may add one of its own while the poll is open: at least the two sent here)
    assert "poll.opened" in for_member and "poll.closed" in for_member and for_member.count("poll.progress") >= 2
    seen_by_guest = events(tablets[guest])
    assert not [e for e in seen_by_guest if e["name"] in ("poll.opened", "poll.progress", "poll.closed")]
    assert "Bầu Trưởng ban" not in str(seen_by_guest)


def test_a_token_that_expires_while_its_socket_is_open_can_no_longer_act(app, make):
    """REST refuses an expired token at once; the socket it opened must refuse its events too."""
    from datetime import timedelta

    from cabinet.models import ApiToken
    from cabinet.models.types import utcnow
    from cabinet.services import live, polls
    staff, chair, member = make.user("secretariat"), make.user(), make.user()
    meeting = make.meeting(staff, status="live", participants_={chair: "chair", member: "member"})
    live.check_in(member, meeting)
    live.check_in(chair, meeting)
    poll = polls.create_poll(chair, meeting, {"question": "Thông qua?"})
    polls.open_poll(chair, poll)
    tablet = connect(app, member)
    assert tablet.emit("join", {"meeting_id": meeting.id}, callback=True)["ok"]
    token = db.session.query(ApiToken).filter_by(user_id=member.id).one()
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    for event, payload in (("ballot.cast", {"poll_id": poll.id, "option": "Tán thành"}),
                           ("speaker.request", {"meeting_id": meeting.id}), ("join", {"meeting_id": meeting.id})):
        ack = tablet.emit(event, payload, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == "invalid_token", (event, ack)
    assert polls.cast_count(poll) == 0


def test_a_socket_whose_token_or_login_expired_stops_receiving(app, make):
    """Refusing its events is not enough: a tablet that only listens would go on reading the meeting's
    changes after its token or its browser login expired. The sweep that `cabinet serve` runs disconnects
    it, and only it."""
    from datetime import timedelta

    from cabinet.models import ApiToken, LoginSession
    from cabinet.models.types import utcnow
    from cabinet.realtime import expiry
    staff, member, browser_user, other = make.user("secretariat"), make.user(), make.user(), make.user()
    meeting = make.meeting(staff, status="published",
                           participants_={member: "member", browser_user: "member", other: "member"})
    browser = app.test_client()
    factories.login(browser, browser_user)
    by_token, by_cookie, lasting = (connect(app, member), socketio.test_client(app, flask_test_client=browser),
                                    connect(app, other))
    for tablet in (by_token, by_cookie, lasting):
        assert tablet.emit("join", {"meeting_id": meeting.id}, callback=True)["ok"]
        tablet.get_received()
    expiry.disconnect_expired(app)  # (sockets earlier tests left open, their rows gone, go here)
    assert by_token.is_connected() and by_cookie.is_connected() and lasting.is_connected()
    token = db.session.query(ApiToken).filter_by(user_id=member.id).one()
    token.expires_at = utcnow() - timedelta(seconds=1)
    login = db.session.query(LoginSession).filter_by(user_id=browser_user.id).one()
    login.created_at = utcnow() - timedelta(seconds=app.config["PERMANENT_SESSION_LIFETIME"] + 1)
    db.session.commit()

    assert expiry.disconnect_expired(app) >= 2
    assert not by_token.is_connected() and not by_cookie.is_connected() and lasting.is_connected()
    agenda.add_item(staff, meeting, {"title": "Sau khi hết hạn"})
    db.session.commit()
    assert [e["name"] for e in events(lasting)] == ["agenda.updated"]


def test_a_connection_asks_its_own_inbox_count(app, make):
    """`inbox.ask`: the caller's own count (what a page asks after each reconnection), nobody else's."""
    staff, member, other = make.user("secretariat"), make.user(), make.user()
    make.meeting(staff, status="published", participants_={member: "member"})
    tablet = connect(app, member)
    assert tablet.emit("inbox.ask", {}, callback=True) == {"ok": True, "count": 1}, "an invitation to answer"
    assert connect(app, other).emit("inbox.ask", {}, callback=True) == {"ok": True, "count": 0}
