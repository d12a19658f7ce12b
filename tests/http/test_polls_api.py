"""Polls over the API: results as the law reads them, receipts a voter can check, polls that follow their
agenda item's visibility (guests never see a confidential item's question), and the counting rules
named once (votes needed, quorum frozen when the session starts)."""
import pytest

from cabinet.extensions import db
from cabinet.models import Body
from cabinet.services import agenda, live, rules


@pytest.fixture()
def council(make):
    staff, chair, guest = make.user("secretariat"), make.user(), make.user()
    members = [make.user() for _ in range(8)]
    meeting = make.meeting(staff, status="live", items=1, participants_={
        chair: "chair", **{m: "member" for m in members}, guest: "guest"})
    secret_item = agenda.add_item(staff, meeting, {"title": "Nhân sự (mật)", "confidential": True})
    sub_item = agenda.add_item(staff, meeting, {"title": "Phương án 1", "parent_id": secret_item.id})
    for person in [chair, *members[:6]]:  # 7 of 9 present; two members away
        live.check_in(person, meeting)
    db.session.commit()
    return {"meeting": meeting, "chair": chair, "members": members, "guest": guest, "staff": staff,
            "secret_item": secret_item, "sub_item": sub_item}


def _poll(api, council, **data):
    chair = api.as_(council["chair"])
    poll = chair.post(f"/meetings/{council['meeting'].id}/polls", json={"question": "Thông qua?", **data})
    assert poll.status_code == 201, poll.get_json()
    assert chair.post(f"/polls/{poll.get_json()['id']}/open").status_code == 200
    return poll.get_json()


def test_results_state_the_rule_the_votes_needed_and_who_did_not_vote(api, council):
    poll = _poll(api, council, majority="all", secret=False)
    voters = [council["chair"], *council["members"][:5]]  # 6 of 7 present vote; one present member does not
    for person, option in zip(voters, ["Tán thành"] * 4 + ["Không tán thành", "Không biểu quyết"]):
        assert api.as_(person).post(f"/polls/{poll['id']}/ballots", json={"option": option}).status_code == 201
    closed = api.as_(council["chair"]).post(f"/polls/{poll['id']}/close").get_json()
    assert closed["members_total"] == 9 and closed["present_total"] == 7
    assert closed["votes_needed"] == 5, "more than half of 9 members"
    assert closed["passed"] is False, "4 approvals of the 5 needed"
    assert closed["did_not_vote"] == 3 and closed["did_not_vote_percent"] == 33.33
    assert {p["user_id"] for p in closed["not_voted"]} == {m.id for m in council["members"][5:]}


def test_each_voter_finds_their_receipt_in_the_published_list(api, council):
    poll = _poll(api, council, secret=True)
    receipts = {}
    for person in council["members"][:4]:
        cast = api.as_(person).post(f"/polls/{poll['id']}/ballots", json={"option": "Tán thành"})
        receipts[person.id] = cast.get_json()["receipt"]
    me = api.as_(council["members"][0])
    early = me.get(f"/polls/{poll['id']}/receipts")
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "poll_not_closed"
    assert me.get(f"/polls/{poll['id']}").get_json()["receipt"] == receipts[council["members"][0].id]
    api.as_(council["chair"]).post(f"/polls/{poll['id']}/close")
    published = me.get(f"/polls/{poll['id']}/receipts").get_json()
    assert published["count"] == 4 and sorted(published["receipts"]) == published["receipts"]
    assert set(published["receipts"]) == set(receipts.values())
    assert "receipt" not in api.as_(council["members"][6]).get(f"/polls/{poll['id']}").get_json(), "theirs only"


@pytest.mark.parametrize("item", ["secret_item", "sub_item"])
def test_guests_never_see_the_poll_of_a_confidential_item(api, council, item):
    poll = _poll(api, council, agenda_item_id=council[item].id)
    guest = api.as_(council["guest"])
    assert guest.get(f"/polls/{poll['id']}").status_code == 404
    assert poll["id"] not in [p["id"] for p in guest.get(f"/meetings/{council['meeting'].id}/polls").get_json()["items"]]
    state = guest.get(f"/meetings/{council['meeting'].id}/state").get_json()
    assert state["open_polls"] == [] and "Thông qua?" not in str(state)
    member = api.as_(council["members"][0])
    assert member.get(f"/polls/{poll['id']}").status_code == 200
    assert [p["id"] for p in member.get(f"/meetings/{council['meeting'].id}/state").get_json()["open_polls"]] \
        == [poll["id"]]


def test_votes_needed_by_rule():
    assert rules.votes_needed("simple", members=9, present=7, cast=6) == 4
    assert rules.votes_needed("present", members=9, present=7, cast=6) == 4
    assert rules.votes_needed("all", members=9, present=7, cast=6) == 5
    assert rules.votes_needed("all", members=10, present=7, cast=6) == 6
    assert rules.votes_needed("two_thirds", members=9, present=7, cast=6) == 6
    assert rules.votes_needed("two_thirds", members=10, present=7, cast=6) == 7
    assert rules.votes_needed("simple", members=9, present=0, cast=0) == 1, "nothing passes with no votes"


def test_the_quorum_is_the_one_the_room_sat_under(make, council):
    """The body's ratio is frozen on the meeting when it starts: a later change of the body leaves the
    live count and the minutes' record of that meeting alone."""
    staff = council["staff"]
    body = Body(name="HĐND phường Đông Sơn", quorum_ratio=0.5)
    db.session.add(body)
    db.session.flush()
    meeting = make.meeting(staff, status="published", participants_={council["chair"]: "chair",
                                                                       **{m: "member" for m in council["members"]}})
    meeting.body = body
    from cabinet.services import meetings
    meetings.move_status(staff, meeting, "start")
    db.session.commit()
    assert live.attendance(meeting)["needed"] == 5  # half of 9, rounded up
    body.quorum_ratio = 0.75
    db.session.commit()
    assert live.attendance(meeting)["needed"] == 5, "as the room sat"
    from cabinet.services.minutes_record import record_of
    assert record_of(meeting)["attendance"]["needed"] == 5


def test_an_open_vote_holds_the_session_open_and_an_adjourned_session_takes_no_ballot(api, council):
    poll = _poll(api, council, secret=True)
    staff, chair = api.as_(council["staff"]), api.as_(council["chair"])
    meeting_id = council["meeting"].id
    for move in ("adjourn", "close"):
        refused = staff.post(f"/meetings/{meeting_id}/{move}")
        assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "poll_open"
    assert chair.post(f"/polls/{poll['id']}/close").status_code == 200
    second = _poll(api, council, secret=False)
    # The meeting's status moves under the poll (as an older version allowed): the ballot is still refused.
    council["meeting"].status = "adjourned"
    db.session.commit()
    late = api.as_(council["members"][0]).post(f"/polls/{second['id']}/ballots", json={"option": "Tán thành"})
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "not_live"
    assert api.as_(council["chair"]).get(f"/polls/{second['id']}").get_json()["cast"] == 0


def test_hostile_ids_and_keys_get_precise_answers(api, council, app):
    from cabinet.extensions import socketio
    from cabinet.services import accounts
    member = api.as_(council["members"][0])
    for path in ("/polls/99999999999999999999999/ballots", "/polls/9223372036854775808/receipts"):
        answer = member.post(path, json={"option": "Tán thành"}) if path.endswith("ballots") else member.get(path)
        assert answer.status_code == 404, (path, answer.status_code)
    assert member.get("/meetings/99999999999999999999999/polls").status_code == 404
    poll = _poll(api, council, secret=False)
    empty = member.post(f"/polls/{poll['id']}/ballots", json={"option": "Tán thành", "key": ""})
    assert empty.status_code == 422 and empty.get_json()["error"]["field"] == "key"
    token = accounts.issue_token(council["members"][1], days=1)
    db.session.commit()
    tablet = socketio.test_client(app, auth={"token": token})
    for payload in ({"poll_id": 2 ** 63}, {"poll_id": 2 ** 70, "option": "Tán thành"}, None, "x", [1]):
        ack = tablet.emit("ballot.cast", payload, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == "poll_not_found", (payload, ack)
    for event in ("join", "speaker.request"):
        ack = tablet.emit(event, {"meeting_id": 2 ** 64}, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == "meeting_not_found", (event, ack)
