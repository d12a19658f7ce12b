"""Documents in a real browser, at tablet size: upload through the page, read offline, annotate offline.

The secretariat uploads a PDF through the upload page (a progress bar per file) to a published meeting;
the invited member opens the meeting page online and the service worker keeps it and its documents;
offline, the member opens the document from that copy (PDF.js reads byte ranges the worker cuts from
the kept file), adds a note, and once back online the note reaches the server exactly once — also after
a reload that sends the outbox again. Logging out deletes every cache. Refused uploads show the server's
message beside the file.
"""
from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests

from ..documents_helpers import SAMPLES
from .conftest import PASSWORD

pytestmark = pytest.mark.e2e

TITLE = "Phiên họp UBND thành phố về kinh tế - xã hội tháng 12"
ITEMS = ["Khai mạc, thông qua chương trình", "Báo cáo tình hình kinh tế - xã hội năm 2026"]
REPORT = SAMPLES / "bao-cao-kinh-te-xa-hoi-2026.pdf"
NOTE = "Đề nghị bổ sung số liệu thu ngân sách quý IV."
# What Chromium logs as console errors that these tests cause on purpose: refused uploads (415, 422)
# and requests made while the context is offline (the page's own, answered by the worker from its copy).
EXPECTED_CONSOLE = re.compile(r"^Failed to load resource: (the server responded with a status of (409|415|422) "
                              r"|net::ERR_INTERNET_DISCONNECTED)")


def expect(locator):
    from playwright.sync_api import expect as playwright_expect
    return playwright_expect(locator)


# --- set-up through the API (what the other e2e test does by hand) -------------------------------------

def api_token(server, username: str) -> tuple[str, int]:
    answer = requests.post(f"{server.url}/api/v1/auth/token", json={"username": username, "password": PASSWORD},
                           timeout=10)
    answer.raise_for_status()
    return answer.json()["token"], answer.json()["user"]["id"]


def published_meeting(server) -> dict:
    """A meeting next week with two agenda items, the chair and the member invited, published."""
    token, _ = api_token(server, "vanphong")
    _, chair = api_token(server, "chutich")
    _, member = api_token(server, "tp.taichinh")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    starts = datetime.now(timezone.utc) + timedelta(days=7)
    meeting = session.post(f"{server.url}/api/v1/meetings", timeout=10, json={
        "title": TITLE, "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "location": "Phòng họp số 2, trụ sở UBND thành phố"}).json()
    for title in ITEMS:
        session.post(f"{server.url}/api/v1/meetings/{meeting['id']}/agenda", json={"title": title},
                     timeout=10).raise_for_status()
    for user_id, role in ((chair, "chair"), (member, "member")):
        session.post(f"{server.url}/api/v1/meetings/{meeting['id']}/participants",
                     json={"user_id": user_id, "role": role}, timeout=10).raise_for_status()
    session.post(f"{server.url}/api/v1/meetings/{meeting['id']}/publish", timeout=10).raise_for_status()
    return meeting


# --- browsers ---------------------------------------------------------------------------------------------

def log_in(page, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Cuộc họp của tôi")).to_be_visible()


def server_annotations(page, document_id: int) -> list[dict]:
    """The annotations the server has, asked with the page's own session (cookies of its context)."""
    answer = page.request.get(f"/api/v1/documents/{document_id}/annotations")
    assert answer.status == 200, answer.text()
    return answer.json()["items"]


def wait_for(predicate, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError("timed out waiting")


def viewer_ready(page) -> None:
    expect(page.locator("[data-viewer]")).to_have_attribute("data-state", "ready", timeout=30_000)
    expect(page.locator("[data-test=pdf-page] canvas").first).to_be_visible()


# --- the tests ------------------------------------------------------------------------------------------

def test_member_reads_offline_and_the_offline_note_reaches_the_server_once(tablet, live_server, shoot):
    meeting = published_meeting(live_server)

    # --- the secretariat uploads the report through the page, under agenda item 2 ---------------------
    office = tablet()
    log_in(office, "vanphong")
    office.goto(f"/meetings/{meeting['id']}")
    office.locator("[data-test=upload-documents]").first.click()
    expect(office.get_by_role("heading", name="Tải tài liệu lên")).to_be_visible()
    form = office.locator("#upload-form")
    form.locator("input[type=file][name=file][multiple]").set_input_files(str(REPORT))
    expect(form.locator("[data-filepick-chosen]")).to_have_text(REPORT.name)
    title = form.locator("[data-test=file-title-input]")  # appears once the file's own title is read (PDF.js)
    expect(title).to_be_visible(timeout=60_000)
    title.fill("Báo cáo tình hình kinh tế - xã hội năm 2026")
    form.locator("select[name=agenda_item_id]").select_option(label=f"2. {ITEMS[1]}")
    expect(form.locator("select[name=access] option")).to_have_text(
        ["Công khai", "Chỉ thành phần dự họp", "Mật (chỉ người được chỉ định)"])
    form.locator("select[name=access]").select_option("participants")
    expect(form.locator("[data-readers]")).to_be_hidden()  # named readers only for confidential documents
    # A slow uplink, so that the progress bar is seen moving (DevTools throttling of the upload).
    cdp = office.context.new_cdp_session(office)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 20, "downloadThroughput": -1,
                                                  "uploadThroughput": 16 * 1024})
    with office.expect_response(lambda r: r.url.endswith(f"/api/v1/meetings/{meeting['id']}/documents")
                                and r.request.method == "POST") as answer:
        office.locator("#upload-submit").click()
        progress = office.locator("#upload-list .upload-progress")
        expect(progress).to_be_visible()
        expect(office.locator("#upload-submit")).to_be_disabled()
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                  "uploadThroughput": -1})
    assert answer.value.status == 201, answer.value.text()
    document = answer.value.json()
    done = office.locator("li.upload-done")
    expect(done).to_have_count(1)
    expect(done.locator('a[href^="/documents/"]')).to_have_attribute("href", f"/documents/{document['id']}")
    expect(done).to_contain_text("14 trang")
    expect(progress).to_have_attribute("value", "100")
    expect(office.locator("#upload-summary")).to_have_text("Đã tải lên 1/1 tệp.")
    shoot(office, "doc-01-upload")

    office.locator("[data-test=back-to-meeting]").click()
    item = office.locator("[data-test=agenda-item]", has_text=ITEMS[1])
    expect(item.locator("[data-test=document]")).to_contain_text("Báo cáo tình hình kinh tế - xã hội năm 2026")
    expect(item.locator("[data-test=document-reads]")).to_have_text("Ai đã đọc")
    shoot(office, "doc-02-meeting-secretariat")

    # --- the member opens the meeting page online: the tablet keeps it for reading offline ---------------
    member = tablet()
    log_in(member, "tp.taichinh")
    member.goto(f"/meetings/{meeting['id']}")
    listed = member.locator("[data-test=agenda-item]", has_text=ITEMS[1]).locator("[data-test=document]")
    expect(listed).to_contain_text("14 trang")
    expect(listed).to_contain_text("Phiên bản 1")
    expect(listed.locator("[data-test=document-reads]")).to_have_count(0)  # read tracking is the secretariat's
    status = member.locator("[data-test=offline-status]")
    expect(status).to_have_attribute("data-offline-ready", "true", timeout=60_000)
    expect(status).to_have_text("Đã lưu vào máy: có thể đọc tài liệu khi không có mạng.")
    names = member.evaluate("caches.keys()")
    member_id = api_token(live_server, "tp.taichinh")[1]
    assert f"cabinet-u{member_id}-m{meeting['id']}" in names, names
    assert all(name.startswith(f"cabinet-u{member_id}-") or name == "cabinet-meta" for name in names), names
    shoot(member, "doc-03-meeting-member")

    # --- offline: the meeting page and the document come from the tablet's copy ---------------------------
    member.context.set_offline(True)
    member.reload()
    expect(member.locator("[data-test=offline-banner]")).to_be_visible()
    expect(member.get_by_role("heading", name=TITLE)).to_be_visible()
    member.goto("/meetings/999999")  # never saved: the worker's "no connection" page, not an error
    expect(member.locator("[data-test=offline-page]")).to_be_visible()
    member.goto(f"/meetings/{meeting['id']}")
    with member.expect_response(lambda r: r.url.endswith(f"/api/v1/documents/{document['id']}/file")) as pdf:
        listed.locator("[data-test=open-document]").click()
    assert pdf.value.from_service_worker
    viewer_ready(member)
    expect(member.locator("[data-test=document-title]")).to_have_text("Báo cáo tình hình kinh tế - xã hội năm 2026")
    # A byte range cut from the kept file, as PDF.js asks for them.
    cut = member.evaluate("""async (url) => {
        const r = await fetch(url, {headers: {Range: "bytes=0-7"}});
        return {status: r.status, range: r.headers.get("Content-Range"), text: await r.text()};
    }""", document["file_url"])
    assert cut["status"] == 206 and cut["text"].startswith("%PDF-") and len(cut["text"]) == 8, cut
    assert re.fullmatch(r"bytes 0-7/\d+", cut["range"]), cut
    member.locator("[data-test=next-page]").click()
    expect(member.locator("[data-test=page-input]")).to_have_value("2")
    expect(member.locator("[data-test=pdf-page] canvas").first).to_be_visible()

    # A note, offline: it waits in the outbox.
    member.locator("[data-test=tool-note]").click()
    page_box = member.locator("[data-test=pdf-page]").bounding_box()
    member.mouse.click(page_box["x"] + page_box["width"] * 0.3, page_box["y"] + page_box["height"] * 0.25)
    member.locator("[data-test=note-text]").fill(NOTE)
    member.locator("[data-test=note-save]").click()
    expect(member.locator("[data-test=save-status]")).to_have_attribute("data-state", "waiting")
    shoot(member, "doc-04-viewer-offline-note")

    # --- online again: the outbox sends the note; exactly once, even when a reload sends again -----------
    member.context.set_offline(False)
    notes = wait_for(lambda: [a for a in server_annotations(member, document["id"]) if a["text"] == NOTE])
    assert len(notes) == 1 and notes[0]["kind"] == "note" and notes[0]["page"] == 2
    expect(member.locator("[data-test=save-status]")).to_have_attribute("data-state", "saved")
    member.reload()
    viewer_ready(member)
    member.evaluate("""async () => { const outbox = await import("/static/js/outbox.js"); await outbox.flush(); }""")
    time.sleep(1)
    assert [a["text"] for a in server_annotations(member, document["id"])].count(NOTE) == 1

    # --- the secretariat sees who read it, and uploads a corrected version -------------------------------
    office.reload()
    office.locator("[data-test=agenda-item]", has_text=ITEMS[1]).locator("[data-test=document-reads]").click()
    expect(office.get_by_role("heading", name="Báo cáo tình hình kinh tế - xã hội năm 2026")).to_be_visible()
    expect(office.locator("[data-test=read-row]", has_text="Đỗ Thị Hương")).to_be_visible()
    office.locator("#version-form input[type=file]").set_input_files(str(REPORT))
    with office.expect_navigation():
        office.locator("[data-test=version-submit]").click()
    expect(office.locator("[data-test=versions]")).to_contain_text("Phiên bản 2")
    shoot(office, "doc-05-reads")
    member.goto(f"/meetings/{meeting['id']}")
    expect(listed.locator("[data-test=document-updated]")).to_have_text("Đã cập nhật")

    # --- logging out deletes everything the tablet kept ---------------------------------------------------
    member.locator("[data-test=logout]").click()
    expect(member.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    assert member.evaluate("caches.keys()") == []


def test_refused_uploads_show_the_server_message(tablet, live_server):
    meeting = published_meeting(live_server)
    office = tablet()
    log_in(office, "vanphong")
    office.goto(f"/meetings/{meeting['id']}/documents/new")
    answers = []
    office.on("response", lambda r: answers.append(r) if r.request.method == "POST" else None)
    office.locator("#upload-form input[name=file]").set_input_files(
        [str(SAMPLES / "not-a-pdf.pdf"), str(SAMPLES / "encrypted-password.pdf")])
    expect(office.locator("[data-test=upload-form] [data-test=file-title-input]")).to_have_count(2)  # one each
    office.locator("#upload-submit").click()
    failed = office.locator("li.upload-failed")
    expect(failed).to_have_count(2)  # one request each
    assert sorted(answer.status for answer in answers) == [415, 422]
    messages = {answer.status: answer.json()["error"]["message"] for answer in answers}
    expect(failed.filter(has_text="not-a-pdf.pdf")).to_contain_text(messages[415])
    expect(failed.filter(has_text="encrypted-password.pdf")).to_contain_text(messages[422])
    expect(office.locator("li.upload-done")).to_have_count(0)
    expect(office.locator("#upload-summary")).to_have_text("Đã tải lên 0/2 tệp.")


def test_the_upload_page_says_in_words_what_a_file_lost(tablet, live_server, tmp_path, shoot):
    """A PDF that carries an executable and a script is accepted cleaned; the secretary who sent it reads,
    on the upload page itself, what was taken out (the codes stay in the API)."""
    from .. import hostile_pdfs
    meeting = published_meeting(live_server)
    hostile = tmp_path / "to-trinh-kem-tep.pdf"
    hostile.write_bytes(hostile_pdfs.embedded_exe())
    office = tablet()
    log_in(office, "vanphong")
    office.goto(f"/meetings/{meeting['id']}/documents/new")
    office.locator("#upload-form input[name=file]").set_input_files(str(hostile))
    office.locator("#upload-submit").click()
    expect(office.locator("li.upload-done")).to_have_count(1)
    removed = office.locator("[data-test=upload-removed] li")
    expect(removed.first).to_be_visible()
    texts = removed.all_inner_texts()
    assert "Đã gỡ tệp đính kèm nhúng" in texts, texts
    expect(office.locator(".upload-item__removed-lead")).to_have_text("Đã làm sạch trước khi đến tay người đọc:")
    assert not any(re.fullmatch(r"[a-z0-9-]+", text) for text in texts), texts  # words, not codes
    shoot(office, "doc-upload-cleaned")
