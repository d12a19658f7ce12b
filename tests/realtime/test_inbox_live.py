"""The inbox's count over a real connection: `cabinet serve` on eventlet, python-socketio clients with tokens
and with a browser's cookie (no meeting joined: the user's own room). A publication pushes each participant
their own new count, a confidential document only its readers; someone not invited hears nothing."""
import pytest
import requests
import socketio

from ..conftest import BACKENDS, fresh_postgres_url
from ..documents_helpers import sample
from ..servers import PASSWORD, Server, cabinet_env, events_within, run_cabinet, session_cookie

PEOPLE = {"vanphong": "secretariat", "reader": "member", "member": "member", "outsider": "member"}


@pytest.fixture(scope="module", params=BACKENDS)
def server(request, tmp_path_factory, worker_id):
    data = tmp_path_factory.mktemp("inbox")
    extra = {"CABINET_DATABASE_URL": fresh_postgres_url(f"inbox_{worker_id}")} if request.param == "postgresql" else {}
    env = cabinet_env(data, CABINET_SECURE_COOKIES="false", CABINET_ARGON2_TIME_COST="1", CABINET_ARGON2_MEMORY_KIB="1024",
                      **extra)
    run_cabinet(env, "init-db")
    for name, role in PEOPLE.items():
        run_cabinet(env, "create-user", name, "--password-file", "-", "--full-name", f"Người {name}", "--role", role,
                    input=PASSWORD)
    srv = Server(env, data / "server.log").start()
    yield srv
    srv.stop()


def _counts(client, seconds: float = 3) -> list[int]:
    return [payload["count"] for name, payload in events_within(client, seconds) if name == "inbox.count"]


def test_publication_and_a_new_document_push_each_participant_their_count(server):
    answers = {name: requests.post(f"{server.url}/api/v1/auth/token", json={"username": name, "password": PASSWORD})
               .json() for name in PEOPLE}
    tokens = {name: answer["token"] for name, answer in answers.items()}
    ids = {name: answer["user"]["id"] for name, answer in answers.items()}
    staff = {"Authorization": f"Bearer {tokens['vanphong']}"}
    meeting = requests.post(f"{server.url}/api/v1/meetings", headers=staff, json={
        "title": "Phiên họp thử nghiệm", "starts_at": "2030-12-20T08:00:00+07:00"}).json()
    base = f"{server.url}/api/v1/meetings/{meeting['id']}"
    requests.post(f"{base}/agenda", headers=staff, json={"title": "Mục 1"})
    for name in ("reader", "member"):
        assert requests.post(f"{base}/participants", headers=staff,
                             json={"user_id": ids[name], "role": "member"}).status_code == 201

    tablets = {name: socketio.SimpleClient() for name in ("reader", "outsider")}
    for name, tablet in tablets.items():
        tablet.connect(server.url, auth={"token": tokens[name]}, transports=["websocket"], wait_timeout=5)
    browser = socketio.SimpleClient()  # the member's browser on a page without a meeting: cookie, no join
    browser.connect(server.url, headers={"Cookie": session_cookie(server, "member")}, transports=["websocket"],
                    wait_timeout=5)
    try:
        assert requests.post(f"{base}/publish", headers=staff).status_code == 200
        assert _counts(tablets["reader"]) == [1] and _counts(browser) == [1]  # the invitation
        assert _counts(tablets["outsider"], 1) == []

        secret = requests.post(f"{base}/documents", headers=staff, files={
            "file": ("mat.pdf", sample("to-trinh-do-thi-thong-minh.pdf"), "application/pdf")},
            data={"title": "Phương án nhân sự", "access": "confidential", "readers": str(ids["reader"])})
        assert secret.status_code == 201, secret.text
        assert _counts(tablets["reader"]) == [2]  # the invitation and the confidential document
        assert _counts(browser, 1) == []  # not a named reader: not even a push (it would hint at the document)
        assert _counts(tablets["outsider"], 1) == []

        reply = requests.post(f"{base}/rsvp", headers={"Authorization": f"Bearer {tokens['reader']}"},
                              json={"attending": True})
        assert reply.status_code == 200, reply.text
        assert _counts(tablets["reader"]) == [1] and _counts(browser, 1) == []  # one user's change: only theirs
    finally:
        for client in (*tablets.values(), browser):
            client.disconnect()
