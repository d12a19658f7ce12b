"""A page of another origin cannot use a logged-in member's cookie to reach the live session.

A member logs in on http://127.0.0.1:PORT (the real eventlet server). Then, in the same Chromium context
(same cookies), a page served by a second little HTTP server, http://127.0.0.1:OTHER — same site, so the
SameSite=Lax session cookie goes along, but another origin — opens a Socket.IO connection to the Cabinet
server with credentials and tries to join the meeting, vote and ask for the floor. It must not connect,
over WebSocket or long-polling; the member's own live page still does.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .conftest import ROOT, api_client, expect, log_in, published_meeting
from ..servers import free_port

pytestmark = pytest.mark.e2e

CLIENT = (ROOT / "static" / "vendor" / "socket.io" / "socket.io.esm.min.js").read_bytes()
ATTACK = """<!doctype html><meta charset="utf-8"><title>Khuyến mãi</title>
<script type="module">
import { io } from "/socket.io.esm.min.js";
const target = %(target)s, meetingId = %(meeting)d, pollId = %(poll)d;
window.attacks = {};
for (const transport of ["websocket", "polling"]) {
  const out = window.attacks[transport] = {connected: false, refused: null, acks: {}};
  const socket = io(target, {transports: [transport], withCredentials: true, reconnection: false});
  socket.on("connect", () => {
    out.connected = true;
    socket.emit("join", {meeting_id: meetingId}, (ack) => { out.acks.join = ack; });
    socket.emit("ballot.cast", {poll_id: pollId, option: "Tán thành", key: "ke-gian-" + transport},
                (ack) => { out.acks.cast = ack; });
    socket.emit("speaker.request", {meeting_id: meetingId}, (ack) => { out.acks.floor = ack; });
  });
  socket.on("connect_error", (err) => { out.refused = String(err && err.message); });
}
</script>"""


@pytest.fixture()
def other_origin():
    """A second HTTP server: the attacker's page and a copy of the Socket.IO client it imports."""
    pages: dict[str, bytes] = {"/socket.io.esm.min.js": CLIENT}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path.split("?")[0])
            if body is None:
                self.send_error(404)
                return
            kind = "text/javascript" if self.path.endswith(".js") else "text/html; charset=utf-8"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", pages
    server.shutdown()
    server.server_close()


def test_a_page_of_another_origin_cannot_join_vote_or_ask_for_the_floor(browser, live_server, other_origin):
    meeting_id = published_meeting(live_server, "Phiên họp kiểm tra nguồn gốc kết nối",
                                   {"chutich": "chair", "tp.taichinh": "member"}, ["Biểu quyết"])
    api = f"{live_server.url}/api/v1"
    secretariat, _ = api_client(live_server, "vanphong")
    chair, _ = api_client(live_server, "chutich")
    member, _ = api_client(live_server, "tp.taichinh")
    secretariat.post(f"{api}/meetings/{meeting_id}/start", timeout=10).raise_for_status()
    for person in (chair, member):
        person.post(f"{api}/meetings/{meeting_id}/checkin", json={}, timeout=10).raise_for_status()
    poll = chair.post(f"{api}/meetings/{meeting_id}/polls", json={"question": "Thông qua?"}, timeout=10).json()
    chair.post(f"{api}/polls/{poll['id']}/open", timeout=10).raise_for_status()

    origin, pages = other_origin
    pages["/"] = (ATTACK % {"target": json.dumps(live_server.url), "meeting": meeting_id,
                            "poll": poll["id"]}).encode()
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        log_in(page, "tp.taichinh")
        attacker = context.new_page()
        attacker.goto(origin + "/")
        for transport in ("websocket", "polling"):
            attacker.wait_for_function(
                f"""() => {{ const a = window.attacks && window.attacks.{transport};
                    return a && (a.refused !== null || (a.acks.join && a.acks.cast && a.acks.floor)); }}""")
        attacks = attacker.evaluate("window.attacks")
        for transport, outcome in attacks.items():
            assert outcome["connected"] is False and outcome["acks"] == {}, (transport, outcome)
            assert outcome["refused"], (transport, outcome)

        state = member.get(f"{api}/meetings/{meeting_id}/state", timeout=10).json()
        assert state["speakers"]["queue"] == [], "nobody asked for the floor"
        closed = chair.post(f"{api}/polls/{poll['id']}/close", timeout=10).json()
        assert closed["cast"] == 0, "no ballot was cast"

        page.goto(f"/meetings/{meeting_id}/live")  # the member's own live page, same origin
        expect(page.locator("[data-live]")).to_have_attribute("data-state", "online")
    finally:
        context.close()
