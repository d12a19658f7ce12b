"""Properties of the production server (eventlet): a query waiting on PostgreSQL does not stall other
tablets (psycogreen), and a tablet reconnects after a server restart and finds the state intact."""
import os
import threading
import time

import pytest
import requests
import socketio
import sqlalchemy as sa

from ..conftest import fresh_postgres_url
from ..servers import Server, cabinet_env, run_cabinet

PASSWORD = "mat-khau-rat-dai"


def _start(tmp_path_factory, name, **extra):
    data = tmp_path_factory.mktemp(name)
    env = cabinet_env(data, CABINET_ARGON2_TIME_COST="1", CABINET_ARGON2_MEMORY_KIB="1024", **extra)
    run_cabinet(env, "init-db")
    run_cabinet(env, "create-user", "vanphong", "--password-file", "-", "--full-name", "Lê Thị Thu Hà",
                "--role", "secretariat", input=PASSWORD)
    return Server(env, data / "server.log").start()


def _headers(server):
    answer = requests.post(f"{server.url}/api/v1/auth/token", json={"username": "vanphong", "password": PASSWORD})
    return {"Authorization": f"Bearer {answer.json()['token']}"}


@pytest.mark.skipif(not os.environ.get("CABINET_TEST_POSTGRES_URL"), reason="needs PostgreSQL")
def test_a_request_waiting_on_the_database_does_not_stall_the_others(tmp_path_factory, worker_id):
    url = fresh_postgres_url(f"green_{worker_id}")
    server = _start(tmp_path_factory, "green", CABINET_DATABASE_URL=url)
    try:
        headers = _headers(server)
        meeting = requests.post(f"{server.url}/api/v1/meetings", headers=headers, json={
            "title": "Họp", "starts_at": "2026-12-20T08:00:00+07:00"}).json()
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            trans = conn.begin()
            conn.execute(sa.text("LOCK TABLE meetings IN ACCESS EXCLUSIVE MODE"))  # the edit below must wait
            blocked = {}
            edit = threading.Thread(target=lambda: blocked.update(response=requests.patch(
                f"{server.url}/api/v1/meetings/{meeting['id']}", headers=headers, json={"location": "Hội trường"},
                timeout=30)))
            edit.start()
            time.sleep(0.5)  # the edit is now waiting inside the server, on PostgreSQL
            started = time.monotonic()
            health = requests.get(f"{server.url}/healthz", timeout=10)
            other_answer = time.monotonic() - started
            assert edit.is_alive(), "the edit is still waiting for the lock"
            trans.rollback()
        edit.join(timeout=30)
        assert health.status_code == 200 and other_answer < 1.0, f"stalled for {other_answer:.2f} s"
        assert blocked["response"].status_code == 200
    finally:
        server.stop()


def test_a_tablet_reconnects_after_a_server_restart_and_finds_the_state(tmp_path_factory):
    server = _start(tmp_path_factory, "restart")
    try:
        headers = _headers(server)
        api = f"{server.url}/api/v1"
        meeting = requests.post(f"{api}/meetings", headers=headers, json={
            "title": "Họp", "starts_at": "2026-12-20T08:00:00+07:00"}).json()
        items = [requests.post(f"{api}/meetings/{meeting['id']}/agenda", headers=headers,
                               json={"title": f"Mục {n}"}).json() for n in (1, 2)]
        me = requests.get(f"{api}/me", headers=headers).json()
        requests.post(f"{api}/meetings/{meeting['id']}/participants", headers=headers,
                      json={"user_id": me["id"], "role": "chair"})
        for move in ("publish", "start"):
            requests.post(f"{api}/meetings/{meeting['id']}/{move}", headers=headers)
        requests.post(f"{api}/meetings/{meeting['id']}/agenda/current", headers=headers, json={"item_id": items[1]["id"]})
        token = headers["Authorization"].split()[1]
        rejoined = threading.Event()
        tablet = socketio.Client(reconnection_delay=0.2, reconnection_delay_max=1)
        states = []

        @tablet.event
        def connect():
            states.append(tablet.call("join", {"meeting_id": meeting["id"]}, timeout=5)["state"])
            if len(states) > 1:
                rejoined.set()

        tablet.connect(server.url, auth={"token": token}, transports=["websocket"], wait_timeout=5)
        time.sleep(0.3)
        before = states[0]
        server.stop()
        server.start()  # same port, same data
        assert rejoined.wait(20), "the tablet reconnected and joined again"
        after = states[-1]
        tablet.disconnect()
        assert after["current_item_id"] == before["current_item_id"] == items[1]["id"]
        assert after["seq"] == before["seq"] and after["status"] == "live"
    finally:
        server.stop()
