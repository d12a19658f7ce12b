"""The operations contract and the real path: `cabinet` commands, `cabinet serve` on eventlet, and
python-socketio clients over a real network connection."""
import subprocess

import pytest
import requests
import socketio

from ..conftest import BACKENDS, fresh_postgres_url
from ..servers import CABINET, Server, cabinet_env, run_cabinet

PASSWORD = "mat-khau-rat-dai"


@pytest.fixture(scope="module", params=BACKENDS)
def server(request, tmp_path_factory, worker_id):
    """`cabinet serve` on eventlet, on SQLite and (with psycogreen) on PostgreSQL."""
    data = tmp_path_factory.mktemp("served")
    extra = {"CABINET_DATABASE_URL": fresh_postgres_url(f"served_{worker_id}")} \
        if request.param == "postgresql" else {}
    env = cabinet_env(data, **extra)
    run_cabinet(env, "init-db")
    run_cabinet(env, "init-db")  # safe to run twice
    run_cabinet(env, "create-user", "vanphong", "--password-file", "-", "--full-name", "Lê Thị Thu Hà",
                "--role", "secretariat", input=PASSWORD)
    run_cabinet(env, "create-user", "daibieu", "--password-file", "-", "--full-name", "Trần Văn Bình",
                input=PASSWORD)
    srv = Server(env, data / "server.log").start()
    yield srv
    srv.stop()


def token(server, username):
    response = requests.post(server.url + "/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 201, response.text
    return response.json()["token"], response.json()["user"]["id"]


def test_healthz_and_security_headers(server):
    response = requests.get(server.url + "/healthz")
    assert response.json()["status"] == "ok" and response.json()["redis"] == "not configured"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert requests.get(server.url + "/login").status_code == 200


def test_create_user_twice_fails_cleanly(server):
    result = subprocess.run([CABINET, "create-user", "vanphong", "--password-file", "-", "--full-name", "x"],
                            env=server.env, capture_output=True, text=True, timeout=60, input=PASSWORD)
    assert result.returncode != 0 and "vanphong" in result.stderr


def test_socketio_client_joins_and_receives_a_status_change(server):
    staff_token, _ = token(server, "vanphong")
    member_token, member_id = token(server, "daibieu")
    staff = {"Authorization": f"Bearer {staff_token}"}
    meeting = requests.post(server.url + "/api/v1/meetings", headers=staff, json={
        "title": "Phiên họp thử nghiệm", "starts_at": "2026-12-20T08:00:00+07:00"}).json()
    requests.post(f"{server.url}/api/v1/meetings/{meeting['id']}/agenda", headers=staff, json={"title": "Mục 1"})
    requests.post(f"{server.url}/api/v1/meetings/{meeting['id']}/participants", headers=staff,
                  json={"user_id": member_id, "role": "member"})
    assert requests.post(f"{server.url}/api/v1/meetings/{meeting['id']}/publish", headers=staff).status_code == 200

    refused = socketio.SimpleClient()
    with pytest.raises(socketio.exceptions.ConnectionError):
        refused.connect(server.url, auth={"token": "forged"}, transports=["websocket"], wait_timeout=5)

    with socketio.SimpleClient() as tablet:
        tablet.connect(server.url, auth={"token": member_token}, transports=["websocket"], wait_timeout=5)
        joined = tablet.call("join", {"meeting_id": meeting["id"]}, timeout=5)
        assert joined["ok"] and joined["state"]["status"] == "published"
        seq = joined["state"]["seq"]
        requests.post(f"{server.url}/api/v1/meetings/{meeting['id']}/agenda", headers=staff,
                      json={"title": "Mục bổ sung"})
        name, payload = tablet.receive(timeout=5)
        assert name == "agenda.updated" and payload == {"meeting_id": meeting["id"], "seq": seq + 1}


def test_a_2gb_upload_is_refused_before_it_is_read(server):
    """The server answers 413 from the declared length alone: nothing is read, written or kept."""
    import socket
    import time
    staff_token, _ = token(server, "vanphong")
    headers = {"Authorization": f"Bearer {staff_token}"}
    meeting = requests.post(server.url + "/api/v1/meetings", headers=headers, json={
        "title": "Họp", "starts_at": "2026-12-20T08:00:00+07:00"}).json()
    request = (f"POST /api/v1/meetings/{meeting['id']}/documents HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               f"Authorization: Bearer {staff_token}\r\nContent-Type: multipart/form-data; boundary=x\r\n"
               f"Content-Length: {2 * 1024 ** 3}\r\n\r\n--x\r\n").encode()
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(request)
        answer = conn.recv(65536).decode("utf-8", "replace")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert '"too_large"' in answer
    assert time.monotonic() - started < 5


def test_a_60mb_body_without_a_login_is_refused_before_it_is_read(server):
    """Issue 11: 60 MB of JSON to the token route held the hub for 6.5 s and grew the process by 1.5 GB.
    Bodies are small (1 MB) before anyone is known: the declared length alone gets 413, and the server
    keeps answering others meanwhile."""
    import socket
    request = (f"POST /api/v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               f"Content-Length: {60 * 1024 ** 2}\r\n\r\n{{\"username\": \"").encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(request)
        answer = conn.recv(65536).decode("utf-8", "replace")
        assert requests.get(server.url + "/healthz", timeout=5).json()["status"] == "ok"
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert '"too_large"' in answer


def test_a_chunked_body_is_read_and_limited_like_any_other(server):
    """A body sent chunked (no Content-Length, as a streaming client sends it) reached the app empty under
    eventlet, so a login answered 400 malformed_json and 60 MB did too. It is read, and limited, as others."""
    def chunked(body: bytes, size: int = 64 * 1024):
        for start in range(0, len(body), size):
            yield body[start:start + size]
    login = requests.post(server.url + "/api/v1/auth/token", data=chunked(
        b'{"username": "daibieu", "password": "' + PASSWORD.encode() + b'"}', 8),
        headers={"Content-Type": "application/json"}, timeout=10)
    assert login.status_code == 201, login.text
    huge = requests.post(server.url + "/api/v1/auth/token", data=chunked(b"[" * (3 * 1024 ** 2)),
                         headers={"Content-Type": "application/json"}, timeout=30)
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "too_large", huge.text[:200]
