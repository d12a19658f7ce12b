"""Scale-out: two `cabinet serve` processes share a real redis-server as the Socket.IO message queue;
a ballot cast through one process moves the tally on a tablet connected to the other."""
import shutil
import subprocess
import time

import pytest
import requests
import socketio

from ..servers import Server, cabinet_env, free_port, run_cabinet

PASSWORD = "mat-khau-rat-dai"


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is missing: `make test` installs it (.ci/services.sh)")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(tmp_path_factory.mktemp("redis"))],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True).stdout.strip() \
                == "PONG":
            break
        time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory, redis_url):
    data = tmp_path_factory.mktemp("shared-data")  # one database and file store, as on a shared volume
    env = cabinet_env(data, CABINET_REDIS_URL=redis_url, CABINET_SECRET_KEY="shared-secret-for-the-test",
                      CABINET_ARGON2_TIME_COST="1", CABINET_ARGON2_MEMORY_KIB="1024")
    run_cabinet(env, "init-db")
    for name, role in (("vanphong", "secretariat"), ("chutoa", "member"), ("daibieu", "member")):
        run_cabinet(env, "create-user", name, "--password", PASSWORD, "--full-name", name, "--role", role)
    servers = [Server(env, data / f"server-{i}.log").start() for i in range(2)]
    yield servers
    for server in servers:
        server.stop()


def _headers(server, username):
    answer = requests.post(f"{server.url}/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


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
