"""A whole meeting on a real eventlet server, from the first check-in to the archive: tablets follow,
speak and vote over Socket.IO; the secretary drafts, edits and signs the minutes, the chair signs;
the signed PDF is verified; the dossier is exported. A second reader checks the results: pyHanko's own
validation for the signatures, pypdf for the dossier, zipfile + hashlib for the ZIP."""
import hashlib
import io
import json
import zipfile

import pytest
import requests
import socketio
from pypdf import PdfReader

from cabinet.pdf.sign import load_certificates

from ..conftest import BACKENDS, fresh_postgres_url
from ..documents_helpers import sample
from ..pyhanko_helpers import validate_all
from ..servers import Server, cabinet_env, run_cabinet

PASSWORD = "mat-khau-rat-dai"
SIGNING = {"thuky": "thu-ky-ky-so", "chutoa": "chu-toa-ky-so"}
PEOPLE = {"chutoa": ("Nguyễn Văn Chủ Tọa", "chair"), "thuky": ("Trần Thị Thư Ký", "secretary"),
          "daibieu1": ("Phạm Đức Một", "member"), "daibieu2": ("Hoàng Thị Hai", "member"),
          "daibieu3": ("Vũ Văn Ba", "member")}


@pytest.fixture(scope="module", params=BACKENDS)
def server(request, tmp_path_factory, worker_id):
    data = tmp_path_factory.mktemp("whole")
    extra = {"CABINET_DATABASE_URL": fresh_postgres_url(f"whole_{worker_id}")} if request.param == "postgresql" else {}
    env = cabinet_env(data, CABINET_ARGON2_TIME_COST="1", CABINET_ARGON2_MEMORY_KIB="1024", **extra)
    run_cabinet(env, "init-db")
    run_cabinet(env, "create-user", "vanphong", "--password-file", "-", "--full-name", "Lê Thị Văn Phòng",
                "--role", "secretariat", input=PASSWORD)
    run_cabinet(env, "create-user", "luutru", "--password-file", "-", "--full-name", "Đỗ Thị Lưu Trữ",
                "--role", "archivist", input=PASSWORD)
    for username, (name, _role) in PEOPLE.items():
        run_cabinet(env, "create-user", username, "--password-file", "-", "--full-name", name, input=PASSWORD)
    for username, passphrase in SIGNING.items():  # the operations contract's demo certificates
        run_cabinet(env, "certs", "issue", username, "--passphrase-file", "-", input=passphrase)
    srv = Server(env, data / "server.log").start()
    srv.data = data
    yield srv
    srv.stop()


class Api:
    def __init__(self, base: str, username: str):
        self.base = base + "/api/v1"
        answer = requests.post(self.base + "/auth/token", json={"username": username, "password": PASSWORD})
        assert answer.status_code == 201, answer.text
        self.token, self.user_id = answer.json()["token"], answer.json()["user"]["id"]
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def __call__(self, method: str, path: str, expect: int = 200, **kwargs):
        response = requests.request(method, self.base + path, headers=self.headers, timeout=120, **kwargs)
        assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text[:500]}"
        return response


def _events(tablet: socketio.SimpleClient, wanted: str, timeout: float = 10) -> dict:
    while True:
        name, payload = tablet.receive(timeout=timeout)
        if name == wanted:
            return payload


def test_a_meeting_from_check_in_to_the_archive(server, tmp_path):
    staff, archivist = Api(server.url, "vanphong"), Api(server.url, "luutru")
    people = {username: Api(server.url, username) for username in PEOPLE}
    meeting = staff("POST", "/meetings", 201, json={"title": "Kỳ họp thứ 12 HĐND thành phố Thanh Hóa",
                                                    "starts_at": "2026-12-20T08:00:00+07:00",
                                                    "location": "Hội trường UBND thành phố"}).json()
    mid = meeting["id"]
    items = [staff("POST", f"/meetings/{mid}/agenda", 201, json={"title": title}).json()["id"]
             for title in ("Báo cáo kinh tế - xã hội năm 2026", "Nghị quyết về đô thị thông minh")]
    staff("POST", f"/meetings/{mid}/documents", 201, data={"title": "Tờ trình đô thị thông minh",
                                                           "agenda_item_id": str(items[1])},
          files={"file": ("to-trinh.pdf", sample("to-trinh-do-thi-thong-minh.pdf"), "application/pdf")})
    for username, (_name, role) in PEOPLE.items():
        staff("POST", f"/meetings/{mid}/participants", 201, json={"user_id": people[username].user_id, "role": role})
    staff("POST", f"/meetings/{mid}/publish")
    people["chutoa"]("POST", f"/meetings/{mid}/start")

    members = ["daibieu1", "daibieu2", "daibieu3"]
    tablets = {}
    try:
        for username in members:
            tablet = socketio.SimpleClient()
            tablet.connect(server.url, auth={"token": people[username].token}, transports=["websocket"],
                           wait_timeout=10)
            assert tablet.call("join", {"meeting_id": mid}, timeout=10)["ok"]
            tablets[username] = tablet
        for username in ["chutoa", *members]:
            people[username]("POST", f"/meetings/{mid}/checkin", json={})
        people["chutoa"]("POST", f"/meetings/{mid}/agenda/current", json={"item_id": items[1]})
        for tablet in tablets.values():  # every tablet follows the chair
            assert _events(tablet, "agenda.current")["item_id"] == items[1]
        asked = tablets["daibieu1"].call("speaker.request", {"meeting_id": mid, "kind": "question"}, timeout=10)
        assert asked["ok"], asked
        people["chutoa"]("POST", f"/speakers/{asked['id']}/grant", json={"seconds": 120})
        people["chutoa"]("POST", f"/speakers/{asked['id']}/finish")
        poll = people["chutoa"]("POST", f"/meetings/{mid}/polls", 201, json={
            "question": "Thông qua Nghị quyết về đô thị thông minh?", "secret": False, "majority": "all",
            "agenda_item_id": items[1]}).json()
        people["chutoa"]("POST", f"/polls/{poll['id']}/open")
        for username, option in zip(members, ["Tán thành", "Tán thành", "Không tán thành"]):
            cast = tablets[username].call("ballot.cast", {"poll_id": poll["id"], "option": option,
                                                          "key": f"{username}-1"}, timeout=10)
            assert cast["ok"], cast
        people["chutoa"]("POST", f"/polls/{poll['id']}/ballots", 201, json={"option": "Tán thành"})
        people["chutoa"]("POST", f"/polls/{poll['id']}/close")
        for tablet in tablets.values():
            closed = _events(tablet, "poll.closed")
            assert closed["results"] == {"Tán thành": 3, "Không tán thành": 1, "Không biểu quyết": 0}
            assert closed["passed"] is True  # 3 of 4 members
    finally:
        for tablet in tablets.values():
            tablet.disconnect()
    people["chutoa"]("POST", f"/meetings/{mid}/close")

    secretary, chair = people["thuky"], people["chutoa"]
    drafted = secretary("POST", f"/meetings/{mid}/minutes", 201).json()
    record = drafted["content"]["record"]
    assert record["items"][1]["polls"][0]["counts"] == [3, 1, 0]
    assert [s["kind"] for s in record["items"][1]["speakers"]] == ["question"]
    minutes_id = drafted["id"]
    edited = secretary("PUT", f"/minutes/{minutes_id}", json={
        "base_revision": 1, "number": "12/BB-HĐND",
        "conclusions": {str(items[1]): "<p>Hội đồng <strong>thông qua</strong> Nghị quyết.</p>"}}).json()
    assert edited["revision"] == 2
    secretary("PUT", f"/minutes/{minutes_id}", 409, json={"base_revision": 1, "location": "Phòng họp số 2"})
    chair("POST", f"/minutes/{minutes_id}/sign", 403, json={"passphrase": SIGNING["chutoa"]})  # not yet
    secretary("POST", f"/minutes/{minutes_id}/sign", 409, json={"passphrase": SIGNING["thuky"]})  # empty parts
    secretary("POST", f"/minutes/{minutes_id}/sign", 403, json={"passphrase": "sai-mat-khau", "confirm_empty": True})
    secretary("POST", f"/minutes/{minutes_id}/sign", json={"passphrase": SIGNING["thuky"], "confirm_empty": True})
    secretary("PUT", f"/minutes/{minutes_id}", 409, json={"location": "Phòng họp số 2"})  # locked now
    signed = chair("POST", f"/minutes/{minutes_id}/sign", json={"passphrase": SIGNING["chutoa"],
                                                                  "confirm_empty": True}).json()
    assert signed["status"] == "signed" and [s["role"] for s in signed["signatures"]] == ["secretary", "chair"]
    chair("POST", f"/minutes/{minutes_id}/sign", 409, json={"passphrase": SIGNING["chutoa"]})

    pdf = people["daibieu2"]("GET", f"/minutes/{minutes_id}/pdf").content
    roots = load_certificates([server.data / "signing" / "ca" / "ca.pem"])
    statuses = validate_all(pdf, roots)
    assert len(statuses) == 2 and all(s.intact and s.valid and s.trusted for s in statuses)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Độc lập - Tự do - Hạnh phúc" in text and "12/BB-HĐND" in text

    report = people["daibieu3"]("POST", "/verify", files={"file": ("bien-ban.pdf", pdf, "application/pdf")}).json()
    assert [s["signer"] for s in report["signatures"]] == ["Trần Thị Thư Ký", "Nguyễn Văn Chủ Tọa"]
    assert all(s["intact"] and s["trusted"] for s in report["signatures"])
    people["daibieu3"]("POST", "/verify", 415, files={"file": ("x.pdf", sample("not-a-pdf.pdf"), "application/pdf")})

    dossier = archivist("GET", f"/meetings/{mid}/dossier.pdf").content
    reader = PdfReader(io.BytesIO(dossier))
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert titles[1:3] == ["1. Báo cáo kinh tế - xã hội năm 2026", "2. Nghị quyết về đô thị thông minh"]
    assert titles[-1] == "Biên bản cuộc họp (đã ký số)"
    embedded = reader.attachments[f"bien-ban-{mid}-da-ky.pdf"][0]
    assert embedded == pdf, "the signed minutes travel in the dossier byte for byte"
    people["daibieu1"]("GET", f"/meetings/{mid}/dossier.pdf", 403)

    archive = zipfile.ZipFile(io.BytesIO(archivist("GET", f"/meetings/{mid}/dossier.zip").content))
    manifest = json.loads(archive.read("manifest.json"))
    for entry in manifest["files"]:
        assert hashlib.sha256(archive.read(entry["name"])).hexdigest() == entry["sha256"]
    assert archive.read(f"minutes/bien-ban-{mid}-da-ky.pdf") == pdf
    assert "minutes" in archive.read("audit-log.csv").decode("utf-8-sig")
    found = archivist("GET", "/archive", params={"q": "do thi thong minh"}).json()
    assert [hit["meeting"]["id"] for hit in found["items"]] == [mid]
