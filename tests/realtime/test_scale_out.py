"""Scale-out: two `cabinet serve` processes share a real redis-server as the Socket.IO message queue;
a ballot cast through one process moves the tally on a tablet connected to the other, and losing access
through one process (removed from the meeting, token revoked, account disabled) reaches the sockets
held by the other."""

import pytest
import requests
import socketio

from ..servers import PASSWORD, RedisServer, Server, bearer, cabinet_env, events_within, free_port, run_cabinet, wait_disconnected



@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    redis = RedisServer(tmp_path_factory.mktemp("redis"))
    yield redis.url
    redis.stop()


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory, redis_url):
    data = tmp_path_factory.mktemp("shared-data")  # one database and file store, as on a shared volume
    env = cabinet_env(data, CABINET_REDIS_URL=redis_url, CABINET_SECRET_KEY="shared-secret-for-the-test",
                      CABINET_ARGON2_TIME_COST="1", CABINET_ARGON2_MEMORY_KIB="1024")
    run_cabinet(env, "init-db")
    for name, role in (("vanphong", "secretariat"), ("chutoa", "member"), ("daibieu", "member"),
                       ("daibieu2", "member"), ("daibieu3", "member"), ("quantri", "admin")):
        run_cabinet(env, "create-user", name, "--password-file", "-", "--full-name", name, "--role", role,
                    input=PASSWORD)
    servers = [Server(env, data / f"server-{i}.log").start() for i in range(2)]
    yield servers
    for server in servers:
        server.stop()


def _headers(server, username):
    return {"Authorization": f"Bearer {bearer(server, username)}"}


def test_a_ballot_on_one_process_moves_the_tally_on_the_other(two_servers):
    one, two = two_servers
    staff, chair, member = (_headers(one, "vanphong"), _headers(one, "chutoa"), _headers(one, "daibieu"))
    api = f"{one.url}/api/v1"
    meeting = requests.post(f"{api}/meetings", headers=staff, json={
        "title": "Phiên họp hai máy chủ", "starts_at": "2026-12-20T08:00:00+07:00"}).json()
    requests.post(f"{api}/meetings/{meeting['id']}/agenda", headers=staff, json={"title": "Mục 1"})
    me = requests.get(f"{api}/me", headers=chair).json()["id"], requests.get(f"{api}/me", headers=member).json()["id"]
    for user_id, role in zip(me, ("chair", "member")):
        requests.post(f"{api}/meetings/{meeting['id']}/participants", headers=staff, json={"user_id": user_id,
                                                                                          "role": role})
    for move in ("publish", "start"):
        assert requests.post(f"{api}/meetings/{meeting['id']}/{move}", headers=staff).status_code == 200
    for headers in (chair, member):
        requests.post(f"{api}/meetings/{meeting['id']}/checkin", headers=headers, json={})
    poll = requests.post(f"{api}/meetings/{meeting['id']}/polls", headers=chair, json={"question": "Đồng ý?"}).json()

    with socketio.SimpleClient() as tablet:  # connected to the *second* process
        tablet.connect(two.url, auth={"token": chair["Authorization"].split()[1]}, transports=["websocket"],
                       wait_timeout=5)
        assert tablet.call("join", {"meeting_id": meeting["id"]}, timeout=5)["ok"]
        assert requests.post(f"{api}/polls/{poll['id']}/open", headers=chair).status_code == 200  # via the first
        name, payload = tablet.receive(timeout=5)
        assert name == "poll.opened" and payload["poll"]["id"] == poll["id"]
        cast = requests.post(f"{api}/polls/{poll['id']}/ballots", headers=member, json={"option": "Tán thành"})
        assert cast.status_code == 201
        name, payload = tablet.receive(timeout=5)
        assert name == "poll.progress" and payload["poll_id"] == poll["id"] and payload["cast"] == 1
        assert payload["eligible"] == 2


def _live_meeting(server, staff, chair, members):
    """A started meeting on `server`: the chair and `members` (headers) invited and checked in."""
    api = f"{server.url}/api/v1"
    meeting = requests.post(f"{api}/meetings", headers=staff, json={
        "title": "Phiên họp mất quyền truy cập", "starts_at": "2026-12-20T08:00:00+07:00"}).json()
    requests.post(f"{api}/meetings/{meeting['id']}/agenda", headers=staff, json={"title": "Mục 1"})
    participants = []
    for headers, role in [(chair, "chair"), *((m, "member") for m in members)]:
        user_id = requests.get(f"{api}/me", headers=headers).json()["id"]
        added = requests.post(f"{api}/meetings/{meeting['id']}/participants", headers=staff,
                              json={"user_id": user_id, "role": role})
        assert added.status_code == 201, added.text
        participants.append(added.json()["id"])
    for move in ("publish", "start"):
        assert requests.post(f"{api}/meetings/{meeting['id']}/{move}", headers=staff).status_code == 200
    for headers in (chair, *members):
        assert requests.post(f"{api}/meetings/{meeting['id']}/checkin", headers=headers, json={}).status_code == 200
    return meeting["id"], participants


def _tablet(server, headers, meeting_id):
    """A token socket on `server` (no Origin: an app), joined to the meeting."""
    tablet = socketio.SimpleClient(websocket_extra_options={"suppress_origin": True})
    tablet.connect(server.url, auth={"token": headers["Authorization"].split()[1]}, transports=["websocket"],
                   wait_timeout=5)
    assert tablet.call("join", {"meeting_id": meeting_id}, timeout=5)["ok"]
    return tablet


def test_a_participant_removed_through_one_process_stops_hearing_the_meeting_on_the_other(two_servers):
    one, two = two_servers
    staff, chair = _headers(one, "vanphong"), _headers(one, "chutoa")
    removed, stays = _headers(one, "daibieu"), _headers(one, "daibieu2")
    meeting_id, (_chair, removed_id, _stays) = _live_meeting(one, staff, chair, (removed, stays))
    poll = requests.post(f"{one.url}/api/v1/meetings/{meeting_id}/polls", headers=chair,
                         json={"question": "Thông qua?"}).json()
    tablets = [_tablet(two, removed, meeting_id), _tablet(two, stays, meeting_id)]  # on the *second* process
    try:
        assert requests.delete(f"{one.url}/api/v1/participants/{removed_id}", headers=staff).status_code == 204
        assert requests.post(f"{one.url}/api/v1/polls/{poll['id']}/open", headers=chair).status_code == 200
        assert "poll.opened" in [name for name, _payload in events_within(tablets[1], 3)]
        assert "poll.opened" not in [name for name, _payload in events_within(tablets[0], 1)]
        answer = tablets[0].call("ballot.cast", {"poll_id": poll["id"], "option": "Tán thành"}, timeout=5)
        assert answer["ok"] is False, answer
    finally:
        for tablet in tablets:
            tablet.disconnect()


def test_a_token_revoked_through_one_process_ends_its_socket_on_the_other(two_servers):
    one, two = two_servers
    staff, chair, member = _headers(one, "vanphong"), _headers(one, "chutoa"), _headers(one, "daibieu2")
    meeting_id, _ = _live_meeting(one, staff, chair, (member,))
    revoked, other_device = _tablet(two, member, meeting_id), _tablet(two, _headers(one, "daibieu2"), meeting_id)
    try:
        assert requests.delete(f"{one.url}/api/v1/auth/token", headers=member).status_code == 204
        assert wait_disconnected(revoked), "the revoked token's socket on the other process is still connected"
        assert other_device.connected and other_device.call("join", {"meeting_id": meeting_id}, timeout=5)["ok"]
    finally:
        revoked.disconnect()
        other_device.disconnect()


def test_an_account_disabled_through_one_process_is_disconnected_on_the_other(two_servers):
    one, two = two_servers
    staff, chair, member = _headers(one, "vanphong"), _headers(one, "chutoa"), _headers(one, "daibieu3")
    meeting_id, _ = _live_meeting(one, staff, chair, (member,))
    tablet = _tablet(two, member, meeting_id)
    try:
        user_id = requests.get(f"{one.url}/api/v1/me", headers=member).json()["id"]
        disabled = requests.patch(f"{one.url}/api/v1/users/{user_id}", headers=_headers(one, "quantri"),
                                  json={"active": False})
        assert disabled.status_code == 200, disabled.text
        assert "session.ended" in [name for name, _payload in events_within(tablet, 3)]
        assert wait_disconnected(tablet), "the disabled account's socket on the other process is still connected"
    finally:
        tablet.disconnect()
