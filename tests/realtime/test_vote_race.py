"""A real vote on a real server: concurrent ballots and a close racing them never lose or double-count a
ballot (eventlet on SQLite and PostgreSQL; threads on SQLite, where requests truly overlap); a ballot
over Socket.IO follows the same rules."""
import threading
import time
import uuid

import pytest
import requests
import socketio

from ..conftest import BACKENDS, fresh_postgres_url
from ..servers import Server, cabinet_env, run_cabinet

PASSWORD = "mat-khau-rat-dai"
VOTERS = 16


@pytest.fixture(scope="module", params=[*BACKENDS, "sqlite-threading"])
def server(request, tmp_path_factory, worker_id):
    data = tmp_path_factory.mktemp("vote")
    extra = {"CABINET_DATABASE_URL": fresh_postgres_url(f"vote_{worker_id}")} if request.param == "postgresql" else {}
    if request.param == "sqlite-threading":
        extra["CABINET_ASYNC_MODE"] = "threading"
    env = cabinet_env(data, CABINET_ARGON2_TIME_COST="1", CABINET_ARGON2_MEMORY_KIB="1024", **extra)
    run_cabinet(env, "init-db")
    run_cabinet(env, "create-user", "quantri", "--password-file", "-", "--full-name", "Quản trị", "--role", "admin",
                input=PASSWORD)
    srv = Server(env, data / "server.log").start()
    yield srv
    srv.stop()


def _token(server, username):
    response = requests.post(f"{server.url}/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture(scope="module")
def live_meeting(server):
    admin = _token(server, "quantri")
    people = {}
    for name in ["chutoa"] + [f"daibieu{i}" for i in range(VOTERS)]:
        created = requests.post(f"{server.url}/api/v1/users", headers=admin, json={
            "username": name, "full_name": f"Đại biểu {name}", "password": PASSWORD})
        assert created.status_code == 201, created.text
        people[name] = created.json()["id"]
    api = f"{server.url}/api/v1"
    meeting = requests.post(f"{api}/meetings", headers=admin, json={
        "title": "Kỳ họp thứ 12 HĐND thành phố", "starts_at": "2026-12-20T08:00:00+07:00"}).json()
    requests.post(f"{api}/meetings/{meeting['id']}/agenda", headers=admin, json={"title": "Nghị quyết"})
    for name, user_id in people.items():
        role = "chair" if name == "chutoa" else "member"
        assert requests.post(f"{api}/meetings/{meeting['id']}/participants", headers=admin,
                             json={"user_id": user_id, "role": role}).status_code == 201
    for move in ("publish", "start"):
        assert requests.post(f"{api}/meetings/{meeting['id']}/{move}", headers=admin).status_code == 200
    tokens = {name: _token(server, name) for name in people}
    for headers in tokens.values():
        assert requests.post(f"{api}/meetings/{meeting['id']}/checkin", headers=headers, json={}).status_code == 200
    return {"api": api, "id": meeting["id"], "tokens": tokens}


def _new_poll(live_meeting, secret=True):
    api, chair = live_meeting["api"], live_meeting["tokens"]["chutoa"]
    poll = requests.post(f"{api}/meetings/{live_meeting['id']}/polls", headers=chair,
                         json={"question": "Thông qua Nghị quyết?", "secret": secret, "majority": "all"}).json()
    assert requests.post(f"{api}/polls/{poll['id']}/open", headers=chair).status_code == 200
    return poll


def test_concurrent_ballots_and_a_racing_close(live_meeting):
    api, tokens = live_meeting["api"], live_meeting["tokens"]
    poll = _new_poll(live_meeting)
    answers, keys, start = {}, {}, threading.Barrier(VOTERS + 1)

    def vote(name):
        keys[name] = str(uuid.uuid4())
        start.wait()
        answers[name] = requests.post(f"{api}/polls/{poll['id']}/ballots", headers=tokens[name],
                                      json={"option": "Tán thành", "key": keys[name]}, timeout=30)

    threads = [threading.Thread(target=vote, args=(f"daibieu{i}",)) for i in range(VOTERS)]
    for thread in threads:
        thread.start()
    start.wait()
    time.sleep(0.02)  # let some ballots in first, so the close races the rest
    closed = requests.post(f"{api}/polls/{poll['id']}/close", headers=tokens["chutoa"], timeout=30)
    for thread in threads:
        thread.join()
    assert closed.status_code == 200
    assert len(answers) == VOTERS, "every voter got an answer"
    accepted = [n for n, r in answers.items() if r.status_code == 201]
    print(f"race: {len(accepted)} of {VOTERS} ballots before the close")
    refused = [r for r in answers.values() if r.status_code != 201]
    assert all(r.status_code == 409 and r.json()["error"]["code"] == "poll_closed" for r in refused)
    result = requests.get(f"{api}/polls/{poll['id']}", headers=tokens["chutoa"]).json()
    assert result["status"] == "closed"
    assert sum(result["results"].values()) == result["cast"] == len(accepted), "none lost, none doubled"
    assert closed.json()["results"] == result["results"], "no ballot counted after the poll was decided"
    for name in accepted:  # a tablet that retries after a lost answer gets the same receipt
        again = requests.post(f"{api}/polls/{poll['id']}/ballots", headers=tokens[name],
                              json={"option": "Tán thành", "key": keys[name]})
        assert again.status_code == 201 and again.json()["receipt"] == answers[name].json()["receipt"]


def test_second_ballot_and_socket_ballot(server, live_meeting):
    api, tokens = live_meeting["api"], live_meeting["tokens"]
    poll = _new_poll(live_meeting, secret=False)
    first = requests.post(f"{api}/polls/{poll['id']}/ballots", headers=tokens["daibieu0"],
                          json={"option": "Không tán thành", "key": "a"})
    assert first.status_code == 201
    second = requests.post(f"{api}/polls/{poll['id']}/ballots", headers=tokens["daibieu0"],
                           json={"option": "Tán thành", "key": "b"})
    assert second.status_code == 409 and second.json()["error"]["code"] == "already_voted"
    token = tokens["daibieu1"]["Authorization"].split()[1]
    with socketio.SimpleClient() as tablet:
        tablet.connect(server.url, auth={"token": token}, transports=["websocket"], wait_timeout=5)
        joined = tablet.call("join", {"meeting_id": live_meeting["id"]}, timeout=5)
        assert [p["id"] for p in joined["state"]["open_polls"]] == [poll["id"]]
        assert joined["state"]["open_polls"][0]["voted"] is False
        ack = tablet.call("ballot.cast", {"poll_id": poll["id"], "option": "Tán thành", "key": "s1"}, timeout=5)
        assert ack["ok"] is True and ack["receipt"]
        assert tablet.call("ballot.cast", {"poll_id": poll["id"], "option": "Tán thành", "key": "s1"},
                           timeout=5) == ack
        refused = tablet.call("ballot.cast", {"poll_id": poll["id"], "option": "Tán thành", "key": "s2"}, timeout=5)
        assert refused["ok"] is False and refused["error"]["code"] == "already_voted"
        rejoined = tablet.call("join", {"meeting_id": live_meeting["id"]}, timeout=5)
        assert rejoined["state"]["open_polls"][0]["voted"] is True
    requests.post(f"{api}/polls/{poll['id']}/close", headers=tokens["chutoa"])
    result = requests.get(f"{api}/polls/{poll['id']}", headers=tokens["daibieu5"]).json()
    assert result["results"] == {"Tán thành": 1, "Không tán thành": 1, "Không biểu quyết": 0}
    assert sorted(b["option"] for b in result["ballots"]) == ["Không tán thành", "Tán thành"]
