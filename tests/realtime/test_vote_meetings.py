"""Three meetings vote at the same moment on a real eventlet server, 50 voters each, through every door a
tablet uses: Socket.IO with the browser's session cookie (as Chromium does), Socket.IO with a token, and
REST. Ten people sit in two of the meetings and vote differently in each. Every ballot must be counted
once, for its own voter, with its own choice (named polls list them; secret polls must add up)."""
import threading

import pytest
import requests
import socketio

from ..conftest import BACKENDS, fresh_postgres_url
from ..servers import PASSWORD, Server, bearer, cabinet_env, run_cabinet, session_cookie

VOTERS = 50
SHARED = 10  # members of meeting A who also sit in meeting B
DOORS = ("rest", "token-socket", "cookie-socket")


@pytest.fixture(scope="module", params=BACKENDS)
def server(request, tmp_path_factory, worker_id):
    data = tmp_path_factory.mktemp("meetings")
    extra = {"CABINET_DATABASE_URL": fresh_postgres_url(f"meetings_{worker_id}")} \
        if request.param == "postgresql" else {}
    env = cabinet_env(data, CABINET_ARGON2_TIME_COST="1", CABINET_ARGON2_MEMORY_KIB="1024",
                      CABINET_SECURE_COOKIES="false", **extra)
    run_cabinet(env, "init-db")
    run_cabinet(env, "create-user", "quantri", "--password-file", "-", "--full-name", "Quản trị", "--role", "admin",
                input=PASSWORD)
    srv = Server(env, data / "server.log").start()
    yield srv
    srv.stop()


class Voter:
    """One person at one meeting, voting through one door."""

    def __init__(self, server, name, door, token, cookie):
        self.name, self.door, self.token, self.cookie, self.server = name, door, token, cookie, server
        self.client = None

    def connect(self):
        if self.door == "rest":
            return
        self.client = socketio.SimpleClient()
        if self.door == "token-socket":
            self.client.connect(self.server.url, auth={"token": self.token}, transports=["websocket"],
                                wait_timeout=10)
        else:
            self.client.connect(self.server.url, headers={"Cookie": self.cookie, "Origin": self.server.url},
                                transports=["websocket"], wait_timeout=10)

    def cast(self, poll_id, option, key):
        if self.door == "rest":
            answer = requests.post(f"{self.server.url}/api/v1/polls/{poll_id}/ballots", json={"option": option, "key": key},
                                   headers={"Authorization": f"Bearer {self.token}"}, timeout=60)
            return answer.status_code == 201, answer.text
        ack = self.client.call("ballot.cast", {"poll_id": poll_id, "option": option, "key": key}, timeout=60)
        return ack.get("ok") is True, ack

    def close(self):
        if self.client is not None:
            self.client.disconnect()


@pytest.fixture(scope="module")
def council(server):
    api = f"{server.url}/api/v1"
    admin = {"Authorization": f"Bearer {bearer(server, 'quantri')}"}
    names = {m: [f"{m}{i}" for i in range(VOTERS)] for m in "ac"}
    names["b"] = [f"b{i}" for i in range(VOTERS - SHARED)] + names["a"][:SHARED]
    ids = {}
    for name in {n for people in names.values() for n in people} | {"chu_a", "chu_b", "chu_c"}:
        created = requests.post(f"{api}/users", headers=admin, json={
            "username": name, "full_name": f"Đại biểu {name}", "password": PASSWORD})
        assert created.status_code == 201, created.text
        ids[name] = created.json()["id"]
    tokens = {name: bearer(server, name) for name in ids}
    meetings, voters = {}, {}
    for m, people in names.items():
        meeting = requests.post(f"{api}/meetings", headers=admin, json={
            "title": f"Phiên họp {m.upper()}", "starts_at": "2026-12-20T08:00:00+07:00"}).json()
        requests.post(f"{api}/meetings/{meeting['id']}/agenda", headers=admin, json={"title": "Nghị quyết"})
        for name in [f"chu_{m}", *people]:
            assert requests.post(f"{api}/meetings/{meeting['id']}/participants", headers=admin, json={
                "user_id": ids[name], "role": "chair" if name.startswith("chu_") else "member"}).status_code == 201
        for move in ("publish", "start"):
            assert requests.post(f"{api}/meetings/{meeting['id']}/{move}", headers=admin).status_code == 200
        for name in [f"chu_{m}", *people]:
            assert requests.post(f"{api}/meetings/{meeting['id']}/checkin", json={},
                                 headers={"Authorization": f"Bearer {tokens[name]}"}).status_code == 200
        meetings[m] = meeting["id"]
        shift = 1 if m == "b" else 0  # a shared member uses another door in meeting B
        voters[m] = []
        for i, name in enumerate(people):
            door = DOORS[(i + shift) % 3]
            cookie = session_cookie(server, name) if door == "cookie-socket" else None
            voters[m].append(Voter(server, name, door, tokens[name], cookie))
    for people in voters.values():
        for voter in people:
            voter.connect()
    yield {"api": api, "meetings": meetings, "voters": voters, "ids": ids,
           "chairs": {m: {"Authorization": f"Bearer {tokens['chu_' + m]}"} for m in meetings}}
    for people in voters.values():
        for voter in people:
            voter.close()


def _choice(m, i, options):
    """What voter i of meeting m chooses: shared members choose differently in A and B."""
    return options[(i + (1 if m == "b" else 0)) % len(options)]


def _vote_everywhere_at_once(council, secret):
    api, chairs = council["api"], council["chairs"]
    polls = {}
    for m, meeting_id in council["meetings"].items():
        poll = requests.post(f"{api}/meetings/{meeting_id}/polls", headers=chairs[m], json={
            "question": f"Thông qua Nghị quyết phiên {m.upper()}?", "secret": secret}).json()
        assert requests.post(f"{api}/polls/{poll['id']}/open", headers=chairs[m]).status_code == 200
        polls[m] = poll
    everyone = [(m, i, voter) for m, people in council["voters"].items() for i, voter in enumerate(people)]
    start, answers = threading.Barrier(len(everyone)), {}

    def vote(m, i, voter):
        option = _choice(m, i, polls[m]["options"])
        start.wait()
        try:
            answers[(m, voter.name)] = voter.cast(polls[m]["id"], option, f"{m}-{voter.name}-{secret}")
        except Exception as err:  # a timeout: no answer is an answer the test must see
            answers[(m, voter.name)] = (False, repr(err))

    threads = [threading.Thread(target=vote, args=args) for args in everyone]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refused = {key: detail for key, (ok, detail) in answers.items() if not ok}
    assert not refused, f"{len(refused)} ballots refused, e.g. {list(refused.items())[:3]}"
    results = {}
    for m, poll in polls.items():
        closed = requests.post(f"{api}/polls/{poll['id']}/close", headers=chairs[m])
        assert closed.status_code == 200, closed.text
        results[m] = closed.json()
    return polls, results


def test_three_meetings_vote_at_once_through_every_door(council):
    polls, results = _vote_everywhere_at_once(council, secret=False)
    names_by_id = {user_id: name for name, user_id in council["ids"].items()}
    for m, people in council["voters"].items():
        options = polls[m]["options"]
        expected = {voter.name: _choice(m, i, options) for i, voter in enumerate(people)}
        counted = {names_by_id[b["user_id"]]: b["option"] for b in results[m]["ballots"]}
        assert counted == expected, f"meeting {m}: each ballot counted once, for its own voter and choice"
        assert results[m]["cast"] == VOTERS
        assert sum(results[m]["results"].values()) == VOTERS
    shared = council["voters"]["a"][0].name
    a_choice = next(b["option"] for b in results["a"]["ballots"] if b["user_id"] == council["ids"][shared])
    b_choice = next(b["option"] for b in results["b"]["ballots"] if b["user_id"] == council["ids"][shared])
    assert a_choice != b_choice, "a member of two meetings voted differently in each, and both count"


def test_three_secret_polls_at_once_add_up(council):
    polls, results = _vote_everywhere_at_once(council, secret=True)
    for m, people in council["voters"].items():
        options = polls[m]["options"]
        expected = {o: 0 for o in options}
        for i, _voter in enumerate(people):
            expected[_choice(m, i, options)] += 1
        assert results[m]["results"] == expected
        assert results[m]["cast"] == VOTERS and "ballots" not in results[m]
