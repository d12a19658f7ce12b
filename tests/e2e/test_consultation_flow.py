"""Issue 13's "done means", in Chromium against a real `cabinet serve` and a real SMTP server: the
secretariat prepares a written consultation in the browser (25 members, the chair, two questions, a PDF)
and sends it; three members answer on tablets, one of them offline first (kept on the tablet, sent when the
network returns) while the secretariat's open page counts the answers live; 24 h before the deadline the
22 who have not answered get a reminder e-mail; after the deadline `cabinet due` draws up the result, the
chair signs it on the page, and the report's counts and names are read back from the PDF.

Time travels through the server's SQLite database (sent_at and the deadline moved), never by waiting.
Screenshots, portrait and landscape: test-output/screenshots/consult13-*.png (copied to /work/shots/e2e13/).
"""
from __future__ import annotations

import io
import re
import shutil
import sqlite3
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ..mail_server import SmtpServer
from ..servers import Server, cabinet_env, run_cabinet
from .conftest import LANDSCAPE, PASSWORD, PORTRAIT, SCREENSHOTS, expect, log_in, tablets_on

pytestmark = pytest.mark.e2e

SAMPLE = Path("/work/shared/samples/to-trinh-do-thi-thong-minh.pdf")
SHOTS_COPY = Path("/work/shots/e2e13")
PASSPHRASE = "chu-tich-ky-ket-qua"
SLOW = 60_000  # waits on a PDF check, a signature or a live event on a busy two-core machine
VN = timezone(timedelta(hours=7))
TITLE = "Dự thảo Kế hoạch chỉnh trang đô thị thành phố Thanh Hóa năm 2027"
QUESTIONS = ["Đồng ý thông qua Kế hoạch chỉnh trang đô thị năm 2027?",
             "Đồng ý bố trí 120 tỷ đồng từ ngân sách thành phố cho Kế hoạch?"]
# The tablets go offline on purpose: Chromium logs the requests it could not make then. Anything else fails.
EXPECTED_CONSOLE = re.compile(r"^Failed to load resource: (the server responded with a status of (409|422) "
                              r"|net::ERR_INTERNET_DISCONNECTED)")
SECRETARIAT = ("vanphong", "Lê Thị Thu Hà")
CHAIR = ("chutich", "Lê Anh Xuân")
MEMBERS = [(f"daibieu{n:02d}", f"Đại biểu Nguyễn Văn {name}") for n, name in enumerate(
    ["An", "Bình", "Cường", "Dũng", "Đông", "Giang", "Hải", "Hùng", "Khánh", "Lâm", "Long", "Minh", "Nam",
     "Nghĩa", "Phong", "Phúc", "Quang", "Sơn", "Tâm", "Thắng", "Toàn", "Trung", "Tuấn", "Vinh"], start=1)]
# The three who answer: (username, full name, answers to the two questions, offline first?)
ANSWERING = [(*MEMBERS[0], (("agree", ""), ("agree", "")), False),
             (*MEMBERS[1], (("agree", ""), ("other", "Đề nghị chia thành hai giai đoạn, mỗi năm 60 tỷ đồng.")), True),
             (*CHAIR, (("disagree", "Cần lấy thêm ý kiến Nhân dân các phường."), ("disagree", "")), False)]


def _shoot(page, name: str) -> None:
    """What the tablet shows (whole page), portrait then landscape; back to portrait."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("768x1024", PORTRAIT), ("1024x768", LANDSCAPE)):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)
        path = SCREENSHOTS / f"consult13-{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        try:
            SHOTS_COPY.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, SHOTS_COPY / path.name)
        except OSError:
            pass  # the copy is for the reviewer's eyes only
    page.set_viewport_size(PORTRAIT)


@pytest.fixture(scope="module")
def mail_server(tmp_path_factory):
    server = SmtpServer(tmp_path_factory.mktemp("consult-smtp")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def consult_server(sync_playwright_factory, tmp_path_factory, mail_server):
    """A server of its own whose e-mail goes to the test SMTP server; the secretariat, the chair and 24
    members, each with an e-mail address (through the administrator's API)."""
    import requests

    data_dir = tmp_path_factory.mktemp("consult-data")
    env = cabinet_env(data_dir, CABINET_SMTP_URL=mail_server.url)
    run_cabinet(env, "init-db")
    run_cabinet(env, "create-user", "quantri", "--password-file", "-", "--full-name", "Quản trị hệ thống",
                "--role", "admin", input=PASSWORD)
    server = Server(env, data_dir / "server.log").start(timeout=60)
    server.data_dir = data_dir
    admin = _api(server, "quantri")
    for (username, full_name), roles in [(SECRETARIAT, ["secretariat"]), (CHAIR, ["member"])] + \
            [(m, ["member"]) for m in MEMBERS]:
        made = admin.post(f"{server.url}/api/v1/users", timeout=30, json={
            "username": username, "full_name": full_name, "password": PASSWORD, "roles": roles,
            "email": f"{username}@thanhhoa.gov.vn"})
        assert made.status_code == 201, made.text
    assert requests.get(f"{server.url}/healthz", timeout=5).ok
    yield server
    server.stop()


def _api(server, username: str):
    import requests
    session = requests.Session()
    answer = session.post(f"{server.url}/api/v1/auth/token", json={"username": username, "password": PASSWORD},
                          timeout=10)
    answer.raise_for_status()
    session.headers["Authorization"] = f"Bearer {answer.json()['token']}"
    session.user = answer.json()["user"]
    return session


@pytest.fixture()
def device(browser, consult_server):
    """device() → a tablet page (768×1024, touch, Vietnamese) on this module's server, in its own context;
    a console error not in EXPECTED_CONSOLE fails the test."""
    yield from tablets_on(browser, consult_server, EXPECTED_CONSOLE)


def _set_times(server, meeting_id: int, **moments: datetime) -> None:
    """Move the consultation's moments in the server's SQLite database (stored as naive UTC)."""
    with sqlite3.connect(server.data_dir / "cabinet.sqlite3", timeout=30) as db:
        for column, moment in moments.items():
            stored = moment.astimezone(timezone.utc).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
            db.execute(f"UPDATE consultations SET {column} = ? WHERE meeting_id = ?", (stored, meeting_id))
            if column == "deadline":
                db.execute("UPDATE meetings SET starts_at = ? WHERE id = ?", (stored, meeting_id))


def _mail_to(mail_server, subject_start: str, expected: int, seconds: float = 60) -> list:
    """The messages whose subject starts so, once `expected` of them arrived (the outbox sends in batches)."""
    deadline = time.monotonic() + seconds
    while True:
        found = [m for m in mail_server.messages() if str(m["Subject"]).startswith(subject_start)]
        if len(found) >= expected or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def _answer(page, answers) -> None:
    questions = page.locator("[data-test=answer-form] [data-test=question]")
    expect(questions).to_have_count(2)
    for index, (choice, text) in enumerate(answers):
        questions.nth(index).locator(f"[data-test=choice-{choice}]").check()
        if text:
            questions.nth(index).locator("[data-test=opinion]").fill(text)


def test_consultation_from_preparation_to_the_signed_result(device, consult_server, mail_server):
    server = consult_server
    users = {u["username"]: u for u in _api(server, "quantri").get(f"{server.url}/api/v1/users",
                                                                   timeout=10).json()["items"]}

    # --- the secretariat prepares the consultation in the browser --------------------------------------
    office = device()
    log_in(office, SECRETARIAT[0])
    office.goto("/consultations/new")
    form = office.locator("[data-test=consultation-form]")
    form.locator("#title").fill(TITLE)
    form.locator("#description").fill("Xin ý kiến các thành viên UBND thành phố về dự thảo Kế hoạch kèm theo.")
    deadline = (datetime.now(VN) + timedelta(days=3)).replace(hour=17, minute=0)
    form.locator("#deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    form.locator("[data-test=chair]").select_option(value=str(users[CHAIR[0]]["id"]))
    for username, _name in [CHAIR, *MEMBERS]:
        form.locator(f"#member-{users[username]['id']}").check()
    for index, text in enumerate(QUESTIONS, start=1):
        form.locator(f"#question-{index}").fill(text)
    expect(form.locator("[data-test=members] input:checked")).to_have_count(25)
    _shoot(office, "new-form")
    form.locator("[data-test=save-consultation]").click()
    expect(office).to_have_url(re.compile(r"/consultations/\d+$"))
    meeting_id = int(office.url.rsplit("/", 1)[1])
    expect(office.locator("[data-test=progress]")).to_have_text("0/25 đã trả lời")

    # a PDF through the page's "Tải tài liệu lên" link
    office.get_by_role("link", name="Tải tài liệu lên").click()
    upload = office.locator("#upload-form")
    upload.locator("input[type=file][name=file]").set_input_files(str(SAMPLE))
    expect(upload.locator("[data-test=file-title]")).to_have_attribute("data-read", "true", timeout=SLOW)
    upload.locator("#upload-submit").click()
    expect(office.locator("li.upload-done")).to_have_count(1, timeout=SLOW)
    office.goto(f"/consultations/{meeting_id}")
    expect(office.locator("#docs-title .count")).to_have_text("1")
    office.locator("[data-test=send-consultation]").click()
    expect(office.locator("[data-test=consultation-status]")).to_have_text("Đang lấy ý kiến")
    expect(office.locator("[data-test=waiting-count]")).to_have_text("25")
    invitations = _mail_to(mail_server, "", 25)
    assert len(invitations) >= 25, [m["Subject"] for m in invitations]

    # --- three members answer on tablets; the second one offline first ---------------------------------
    for count, (username, _name, answers, offline) in enumerate(ANSWERING, start=1):
        tablet = device()
        log_in(tablet, username)
        tablet.goto(f"/consultations/{meeting_id}")
        expect(tablet.locator("[data-consultation]")).to_contain_text(TITLE)
        expect(tablet.locator("[data-test=document]")).to_be_visible()
        _answer(tablet, answers)
        if count == 1:
            _shoot(tablet, "member-answer")
        if offline:
            tablet.context.set_offline(True)
            tablet.locator("[data-test=submit-answer]").click()
            status = tablet.locator("[data-test=answer-status]")
            expect(status).to_have_text("Mất mạng: ý kiến của bạn được lưu trên máy và sẽ tự gửi khi có mạng "
                                        "trở lại.")
            _shoot(tablet, "offline")
            time.sleep(2)  # nothing reached the server meanwhile
            expect(office.locator("[data-test=progress]")).to_have_text(f"{count - 1}/25 đã trả lời")
            tablet.context.set_offline(False)
        else:
            tablet.locator("[data-test=submit-answer]").click()
        expect(tablet.locator("[data-test=answered-at]")).to_be_visible(timeout=SLOW)  # sent, then reloaded
        # the secretariat's open page follows by itself
        expect(office.locator("[data-test=progress]")).to_have_text(f"{count}/25 đã trả lời", timeout=SLOW)
        expect(office.locator("[data-test=waiting-count]")).to_have_text(str(25 - count), timeout=SLOW)
        expect(office.locator("[data-test=answered-count]")).to_have_text(str(count), timeout=SLOW)
        tablet.context.close()
    expect(office.locator("[data-test=answered]")).to_contain_text(MEMBERS[1][1])
    _shoot(office, "progress")

    # --- 23 h before the deadline (sent two days ago): the 22 who have not answered are reminded ----------
    now = datetime.now(timezone.utc)
    _set_times(server, meeting_id, sent_at=now - timedelta(days=2), deadline=now + timedelta(hours=23))
    run_cabinet(server.env, "due")
    reminders = _mail_to(mail_server, "Nhắc trả lời xin ý kiến", 22)
    waiting = {f"{u}@thanhhoa.gov.vn" for u, _n in [CHAIR, *MEMBERS]} - \
              {f"{a[0]}@thanhhoa.gov.vn" for a in ANSWERING}
    assert len(waiting) == 22
    assert sorted(str(m["To"]).split("<")[-1].rstrip(">") for m in reminders) == sorted(waiting)
    assert all(TITLE in str(m["Subject"]) for m in reminders)
    run_cabinet(server.env, "due")  # once only
    time.sleep(1)
    assert len(_mail_to(mail_server, "Nhắc trả lời xin ý kiến", 23, seconds=2)) == 22

    # --- after the deadline: drawn up; the chair signs on the page ------------------------------------
    _set_times(server, meeting_id, deadline=now - timedelta(minutes=5))
    run_cabinet(server.env, "due")
    chair_api = _api(server, CHAIR[0])
    state = chair_api.get(f"{server.url}/api/v1/consultations/{meeting_id}", timeout=10).json()
    assert state["status"] == "closed", state
    run_cabinet(server.env, "certs", "issue", CHAIR[0], "--passphrase-file", "-", input=PASSPHRASE)

    chair = device()
    log_in(chair, CHAIR[0])
    chair.goto(f"/consultations/{meeting_id}#result")
    result = chair.locator("[data-test=result]")
    expect(result).to_contain_text("Số thành viên được xin ý kiến: 25; số phiếu trả lời: 3")
    expect(result.locator("[data-test=sign-form]")).to_be_visible()
    _shoot(chair, "result-sign")
    result.locator("#passphrase").fill(PASSPHRASE)
    result.locator("[data-test=sign-result]").click()
    expect(chair.locator("[data-test=signed]")).to_contain_text(CHAIR[1], timeout=SLOW)
    _shoot(chair, "result-signed")

    # --- the report: exact counts, the names read back, signed ------------------------------------------
    from pypdf import PdfReader
    pdf = chair_api.get(f"{server.url}/api/v1/consultations/{meeting_id}/result.pdf", timeout=60)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    text = re.sub(r"[ \t]+", " ", "\n".join(page.extract_text() for page in reader.pages))
    assert "Đồng ý 2 8,00%" in text, text
    assert "Không đồng ý 1 4,00%" in text, text
    assert "Đồng ý 1 4,00%" in text and "Ý kiến khác 1 4,00%" in text, text
    assert "Số thành viên được xin ý kiến: 25; số phiếu trả lời: 3 (12,00%)" in text, text
    flat = re.sub(r"\s+", " ", text)  # names wrap across lines
    assert f"Đồng ý (2): {MEMBERS[0][1]}, {MEMBERS[1][1]}." in flat, flat
    assert f"Không đồng ý (1): {CHAIR[1]}." in flat and f"Ý kiến khác (1): {MEMBERS[1][1]}." in flat, flat
    assert "Thành viên không trả lời (22):" in flat, flat
    for _username, name in MEMBERS[2:]:
        assert name in flat, (name, flat)
    assert f"{MEMBERS[1][1]}: “Đề nghị chia thành hai giai đoạn, mỗi năm 60 tỷ đồng.”" in flat, flat
    fields = reader.get_fields() or {}
    assert any(f.get("/FT") == "/Sig" and f.get("/V") for f in fields.values()), fields
    report = chair_api.post(f"{server.url}/api/v1/verify", timeout=60,
                            files={"file": ("ket-qua.pdf", pdf.content, "application/pdf")}).json()
    assert report["signed"] and len(report["signatures"]) == 1, report
    signature = report["signatures"][0]
    assert signature["intact"] and signature["valid"] and CHAIR[1] in signature["signer"], signature
