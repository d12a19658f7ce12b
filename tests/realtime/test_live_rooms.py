"""Live rooms on a real eventlet server, with python-socketio clients over the network: closed to pages of
other origins (the browser's cookie is not enough), and to people who lost access (a participant removed
from the meeting, a revoked token)."""
import subprocess

import pytest
import requests
import socketio

from cabinet.extensions import db, socketio as server_socketio
from cabinet.services import accounts

from .. import factories
from ..conftest import BACKENDS, fresh_postgres_url
from ..servers import (CABINET, PASSWORD, Server, bearer, cabinet_env, events_within, run_cabinet,
                       session_cookie, wait_disconnected)

PEOPLE = (("vanphong", "secretariat"), ("chutoa", "member"), ("daibieu", "member"), ("daibieu2", "member"))


def _start(tmp_path_factory, name, **extra):
    data = tmp_path_factory.mktemp(name)
    env = cabinet_env(data, CABINET_ARGON2_TIME_COST="1", CABINET_ARGON2_MEMORY_KIB="1024",
                      CABINET_SECURE_COOKIES="false", **extra)
    run_cabinet(env, "init-db")
    for username, role in PEOPLE:
        run_cabinet(env, "create-user", username, "--password-file", "-", "--full-name", username, "--role", role,
                    input=PASSWORD)
    return Server(env, data / "server.log").start()


@pytest.fixture(scope="module", params=BACKENDS)
def server(request, tmp_path_factory, worker_id):
    extra = {"CABINET_DATABASE_URL": fresh_postgres_url(f"rooms_{worker_id}")} \
        if request.param == "postgresql" else {}
    srv = _start(tmp_path_factory, "rooms", **extra)
    yield srv
    srv.stop()


def live_meeting(server, members=("daibieu", "daibieu2")):
    """A started meeting chaired by chutoa, with `members` checked in: ids, tokens and participant ids."""
    api = f"{server.url}/api/v1"
    tokens = {name: bearer(server, name) for name in ("vanphong", "chutoa", *members)}
    auth = {name: {"Authorization": f"Bearer {token}"} for name, token in tokens.items()}
    meeting = requests.post(f"{api}/meetings", headers=auth["vanphong"], json={
        "title": "Phiên họp kiểm tra phòng trực tuyến", "starts_at": "2026-12-20T08:00:00+07:00"}).json()
    requests.post(f"{api}/meetings/{meeting['id']}/agenda", headers=auth["vanphong"], json={"title": "Mục 1"})
    participant_ids = {}
    for name in ("chutoa", *members):
        user_id = requests.get(f"{api}/me", headers=auth[name]).json()["id"]
        added = requests.post(f"{api}/meetings/{meeting['id']}/participants", headers=auth["vanphong"],
                              json={"user_id": user_id, "role": "chair" if name == "chutoa" else "member"})
        assert added.status_code == 201, added.text
        participant_ids[name] = added.json()["id"]
    for move in ("publish", "start"):
        assert requests.post(f"{api}/meetings/{meeting['id']}/{move}", headers=auth["vanphong"]).status_code == 200
    for name in ("chutoa", *members):
        assert requests.post(f"{api}/meetings/{meeting['id']}/checkin", headers=auth[name], json={}).status_code == 200
    return {"api": api, "id": meeting["id"], "tokens": tokens, "auth": auth, "participants": participant_ids}


def connect(server, *, token=None, cookie=None, origin=None, transport="websocket", **headers):
    """A python-socketio client that sends `origin` as its only Origin header, or none (a native app)."""
    client = socketio.SimpleClient(websocket_extra_options={"suppress_origin": True})
    if cookie:
        headers["Cookie"] = cookie
    if origin:
        headers["Origin"] = origin
    client.connect(server.url, headers=headers, auth={"token": token} if token else None,
                   transports=[transport], wait_timeout=5)
    return client


# --- origins ---------------------------------------------------------------------------------------------

def test_a_cookie_socket_from_another_origin_is_refused(server):
    meeting = live_meeting(server)
    cookie = session_cookie(server, "daibieu")
    other_port = server.url.rsplit(":", 1)[0] + ":1"
    for origin in ("http://evil.example", server.url.replace("127.0.0.1", "localhost"), other_port,
                   server.url.replace("http:", "https:")):
        for transport in ("websocket", "polling"):
            with pytest.raises(socketio.exceptions.ConnectionError):
                connect(server, cookie=cookie, origin=origin, transport=transport)
    # No proxy is declared (CABINET_PROXY_COUNT=0): forwarded headers cannot make a foreign origin "ours".
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(server, cookie=cookie, origin="http://evil.example", **{"X-Forwarded-Host": "evil.example"})

    tablet = connect(server, cookie=cookie, origin=server.url)  # the live page of the server itself
    try:
        assert tablet.call("join", {"meeting_id": meeting["id"]}, timeout=5)["ok"]
    finally:
        tablet.disconnect()
    # Long-polling from the live page itself: a same-origin XHR GET carries no Origin header at all.
    polling = connect(server, cookie=cookie, transport="polling")
    try:
        assert polling.call("join", {"meeting_id": meeting["id"]}, timeout=5)["ok"]
    finally:
        polling.disconnect()
    handshake = requests.get(f"{server.url}/socket.io/?EIO=4&transport=polling", headers={"Cookie": cookie})
    assert handshake.status_code == 200 and "Traceback" not in handshake.text
    native = connect(server, token=meeting["tokens"]["daibieu2"])  # an app: a token and no Origin at all
    try:
        assert native.call("join", {"meeting_id": meeting["id"]}, timeout=5)["ok"]
    finally:
        native.disconnect()


def test_the_connect_handler_itself_refuses_a_cookie_from_another_origin(app, make):
    """Belt and braces: in-process test clients skip python-engineio's check; the handler still refuses."""
    user = make.user()
    browser = app.test_client()
    factories.login(browser, user)
    cookie_from = lambda origin: server_socketio.test_client(  # noqa: E731
        app, flask_test_client=browser, headers={"Origin": origin} if origin else None)
    assert not cookie_from("http://evil.example").is_connected()
    assert cookie_from("http://cabinet.test").is_connected()  # the test app's own origin (SERVER_NAME)
    assert cookie_from(None).is_connected()
    token = accounts.issue_token(user, days=1)
    db.session.commit()
    app_client = server_socketio.test_client(app, auth={"token": token}, headers={"Origin": "http://evil.example"})
    assert app_client.is_connected(), "a token is no ambient credential: the page had to hold it"


@pytest.fixture(scope="module")
def proxied_server(tmp_path_factory):
    """Behind nginx (CABINET_PROXY_COUNT=1): the origin is the one the tablet used, https://its-host."""
    srv = _start(tmp_path_factory, "proxied", CABINET_PROXY_COUNT="1")
    yield srv
    srv.stop()


def test_behind_a_proxy_the_origin_is_the_forwarded_one(proxied_server):
    token = bearer(proxied_server, "daibieu")
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.7"}
    host = proxied_server.url.split("//")[1]
    tablet = connect(proxied_server, token=token, origin=f"https://{host}", **forwarded)
    tablet.disconnect()
    for origin in (f"http://{host}", "https://evil.example"):
        with pytest.raises(socketio.exceptions.ConnectionError):
            connect(proxied_server, token=token, origin=origin, **forwarded)


@pytest.fixture(scope="module")
def listed_server(tmp_path_factory):
    srv = _start(tmp_path_factory, "listed",
                 CABINET_ALLOWED_ORIGINS="https://cabinet.example.vn, https://HOP.example.vn:8443/")
    yield srv
    srv.stop()


def test_configured_origins_replace_the_same_origin_rule(listed_server):
    cookie = session_cookie(listed_server, "daibieu")
    for origin in ("https://cabinet.example.vn", "https://hop.example.vn:8443"):
        connect(listed_server, cookie=cookie, origin=origin).disconnect()
    for origin in ("https://evil.example", "http://cabinet.example.vn", listed_server.url):
        with pytest.raises(socketio.exceptions.ConnectionError):
            connect(listed_server, cookie=cookie, origin=origin)


@pytest.mark.parametrize("value", ["*", "cabinet.example.vn", "https://cabinet.example.vn/live",
                                   "ftp://cabinet.example.vn", "https://user@cabinet.example.vn"])
def test_a_wrong_origin_setting_stops_the_start(tmp_path, value):
    env = cabinet_env(tmp_path, CABINET_ALLOWED_ORIGINS=value)
    result = subprocess.run([CABINET, "init-db"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "CABINET_ALLOWED_ORIGINS" in result.stderr


# --- people who lost access --------------------------------------------------------------------------------

def test_a_removed_participant_stops_receiving_the_meeting_and_cannot_act(server):
    meeting = live_meeting(server)
    api, auth, meeting_id = meeting["api"], meeting["auth"], meeting["id"]
    poll = requests.post(f"{api}/meetings/{meeting_id}/polls", headers=auth["chutoa"],
                         json={"question": "Thông qua nội dung mật?"}).json()
    removed = [connect(server, token=meeting["tokens"]["daibieu"]),
               connect(server, cookie=session_cookie(server, "daibieu"), origin=server.url)]
    stays = connect(server, token=meeting["tokens"]["daibieu2"])
    try:
        for tablet in (*removed, stays):
            assert tablet.call("join", {"meeting_id": meeting_id}, timeout=5)["ok"]
        asked = removed[0].call("speaker.request", {"meeting_id": meeting_id}, timeout=5)
        assert asked["ok"], asked
        for tablet in (*removed, stays):
            events_within(tablet, 0.5)

        gone = requests.delete(f"{api}/participants/{meeting['participants']['daibieu']}", headers=auth["vanphong"])
        assert gone.status_code == 204, gone.text
        assert requests.post(f"{api}/polls/{poll['id']}/open", headers=auth["chutoa"]).status_code == 200

        assert "poll.opened" in [name for name, _ in events_within(stays, 2)]
        for tablet in removed:
            assert tablet.connected, "removal closes the meeting's room, not the connection"
            heard = events_within(tablet, 1)
            assert "poll.opened" not in [name for name, _ in heard], heard
            for event, data in (("join", {"meeting_id": meeting_id}),
                                ("speaker.withdraw", {"meeting_id": meeting_id}),
                                ("ballot.cast", {"poll_id": poll["id"], "option": "Tán thành"})):
                answer = tablet.call(event, data, timeout=5)
                assert answer["ok"] is False, (event, answer)
    finally:
        for tablet in (*removed, stays):
            tablet.disconnect()


def test_a_revoked_token_ends_its_own_sockets_only(server):
    meeting = live_meeting(server)
    second_token = bearer(server, "daibieu")
    revoked = connect(server, token=meeting["tokens"]["daibieu"])
    other_device = connect(server, token=second_token)
    try:
        for tablet in (revoked, other_device):
            assert tablet.call("join", {"meeting_id": meeting["id"]}, timeout=5)["ok"]
        logout = requests.delete(f"{meeting['api']}/auth/token", headers=meeting["auth"]["daibieu"])
        assert logout.status_code == 204
        assert wait_disconnected(revoked), "the socket of the revoked token is still connected"
        with pytest.raises(socketio.exceptions.DisconnectedError):
            revoked.call("speaker.request", {"meeting_id": meeting["id"]}, timeout=5)
        with pytest.raises(socketio.exceptions.ConnectionError):
            connect(server, token=meeting["tokens"]["daibieu"])
        assert other_device.connected
        assert other_device.call("speaker.request", {"meeting_id": meeting["id"]}, timeout=5)["ok"]
    finally:
        revoked.disconnect()
        other_device.disconnect()


def test_logging_out_ends_the_browsers_live_connection(server):
    """The cookie a socket was opened with is logged out: the socket is disconnected (on every process:
    the same room closing as a revoked token), and the old cookie opens nothing any more."""
    import re
    meeting = live_meeting(server)
    browser = requests.Session()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', browser.get(f"{server.url}/login").text).group(1)
    browser.post(f"{server.url}/login", data={"username": "daibieu", "password": PASSWORD, "csrf_token": csrf})
    cookie = f"cabinet_session={browser.cookies['cabinet_session']}"
    tablet = connect(server, cookie=cookie, origin=server.url)
    other_device = connect(server, cookie=session_cookie(server, "daibieu"), origin=server.url)
    try:
        assert tablet.call("join", {"meeting_id": meeting["id"]}, timeout=5)["ok"]
        page = browser.get(f"{server.url}/meetings/{meeting['id']}").text
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        assert browser.post(f"{server.url}/logout", data={"csrf_token": token}, allow_redirects=False).status_code == 302
        assert wait_disconnected(tablet), "the logged-out browser's socket is still connected"
        assert other_device.connected, "another device of the same member stays logged in"
        assert requests.get(f"{server.url}/api/v1/me", headers={"Cookie": cookie}).status_code == 401
    finally:
        for client in (tablet, other_device):
            if client.connected:
                client.disconnect()
