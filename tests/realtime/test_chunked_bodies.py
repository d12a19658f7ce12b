"""Second review of issue 11: chunked request bodies under `cabinet serve` (serving.chunked_bodies_readable)
are held to the same limits as bodies with a Content-Length: an upload past CABINET_MAX_UPLOAD_MB, a form
post past the small default limit."""
import re
import time

import pytest
import requests

from ..servers import Server, cabinet_env, run_cabinet

PASSWORD = "mat-khau-rat-dai"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("review2-chunked")
    env = cabinet_env(data, CABINET_MAX_UPLOAD_MB="1", CABINET_SECURE_COOKIES="false")
    run_cabinet(env, "init-db")
    run_cabinet(env, "create-user", "vanphong", "--password-file", "-", "--full-name", "Lê Thị Thu Hà",
                "--role", "secretariat", input=PASSWORD)
    srv = Server(env, data / "server.log").start()
    yield srv
    srv.stop()


def _chunked(body: bytes, size: int = 64 * 1024):
    for start in range(0, len(body), size):
        yield body[start:start + size]


def _multipart(filler: int) -> tuple[bytes, str]:
    pdf = b"%PDF-1.4\n" + b"%" * filler + b"\n%%EOF\n"
    body = (b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"to-trinh.pdf\"\r\n"
            b"Content-Type: application/pdf\r\n\r\n" + pdf + b"\r\n--xyz--\r\n")
    return body, "multipart/form-data; boundary=xyz"


def test_a_chunked_upload_past_the_upload_limit_is_413(server):
    token = requests.post(server.url + "/api/v1/auth/token",
                          json={"username": "vanphong", "password": PASSWORD}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    meeting = requests.post(server.url + "/api/v1/meetings", headers=headers, json={
        "title": "Họp", "starts_at": "2026-12-20T08:00:00+07:00"}).json()
    body, content_type = _multipart(3 * 1024 ** 2)
    answer = requests.post(f"{server.url}/api/v1/meetings/{meeting['id']}/documents", data=_chunked(body),
                           headers={**headers, "Content-Type": content_type}, timeout=60)
    assert answer.status_code == 413, answer.text[:300]
    assert answer.json()["error"]["code"] == "too_large"
    listed = requests.get(f"{server.url}/api/v1/meetings/{meeting['id']}/documents", headers=headers).json()
    assert not (listed.get("items") if isinstance(listed, dict) else listed)


def test_a_chunked_form_past_the_request_limit_is_413_not_cut_short_and_acted_on(server):
    """With a Content-Length, 3 MB to /login is 413 before anything is read. Chunked, Werkzeug's limited
    stream stops at the limit without a word and the form is parsed from the first 1 MB: the login is done
    (302) with a body the server should have refused. Any form route acts on a silently cut body."""
    session = requests.Session()
    page = session.get(server.url + "/login").text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = f"csrf_token={csrf}&username=vanphong&password={PASSWORD}&pad=".encode() + b"a" * (3 * 1024 ** 2)
    declared = session.post(server.url + "/login", data=body, allow_redirects=False, timeout=60,
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert declared.status_code == 413  # held
    started = time.monotonic()
    answer = session.post(server.url + "/login", data=_chunked(body), allow_redirects=False, timeout=60,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 413, f"a 3 MB chunked form was cut at the limit and acted on: {answer.status_code}"
    assert time.monotonic() - started < 10
