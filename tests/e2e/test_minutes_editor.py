"""The minutes in a real browser (Chromium, landscape tablet): the secretary drafts them from the session
record, writes a conclusion with bold text, saves (revision 2), previews the PDF (a blob: URL in an iframe)
and restores revision 1; then the secretary and the chair sign, and the signed file is verified.

The meeting is held through the API: a chair, a secretary and a member, checked in, one named poll.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from ..servers import run_cabinet
from .conftest import LANDSCAPE, PASSWORD, PORTRAIT, SCREENSHOTS, api_client, expect, log_in, log_out

pytestmark = pytest.mark.e2e

TITLE = "Kỳ họp thứ 14 HĐND thành phố: dự toán ngân sách năm 2027"
ITEMS = ["Khai mạc, thông qua chương trình", "Nghị quyết về dự toán ngân sách năm 2027"]
QUESTION = "Thông qua Nghị quyết về dự toán ngân sách năm 2027?"
SECRETARY = ("thuky.hdnd", "Trần Thị Thư Ký", "Chuyên viên Văn phòng HĐND")
PASSPHRASE = {"thuky.hdnd": "thu-ky-ky-so-2026", "chutich": "chu-tich-ky-so-2026"}
# The page fixture refuses console errors; these are answers the tests provoke on purpose: a wrong
# passphrase (403), a refused state change (409), a refused field (422), a file that is not a PDF (415).
EXPECTED = re.compile(r"^Failed to load resource: the server responded with a status of (403|409|415|422) ")


@pytest.fixture()
def page(browser, live_server):
    """A landscape tablet (1024×768, touch), Vietnamese, that fails the test on any unexpected console error."""
    context = browser.new_context(viewport=LANDSCAPE, has_touch=True, base_url=live_server.url, locale="vi-VN",
                                  timezone_id="Asia/Ho_Chi_Minh", accept_downloads=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not EXPECTED.match(message.text) else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()
    assert not errors, f"browser console errors: {errors}"


@pytest.fixture(scope="module")
def secretary(live_server):
    admin, _ = api_client(live_server, "quantri")
    username, full_name, position = SECRETARY
    answer = admin.post(f"{live_server.url}/api/v1/users", json={
        "username": username, "full_name": full_name, "position": position, "password": PASSWORD,
        "roles": ["member"]}, timeout=10)
    assert answer.status_code in (201, 409), answer.text
    return username


@pytest.fixture()
def held_meeting(live_server, secretary):
    """Published, started, the chair and the member checked in, a named poll on item 2 voted and closed; the
    session closed."""
    url = f"{live_server.url}/api/v1"
    staff, _ = api_client(live_server, "vanphong")
    starts = (datetime.now(timezone.utc) - timedelta(hours=1)).replace(microsecond=0)
    meeting = staff.post(f"{url}/meetings", json={"title": TITLE, "starts_at": starts.isoformat(),
                                                   "location": "Hội trường UBND thành phố"}, timeout=10)
    meeting.raise_for_status()
    meeting_id = meeting.json()["id"]
    items = [staff.post(f"{url}/meetings/{meeting_id}/agenda", json={"title": t}, timeout=10).json()["id"]
             for t in ITEMS]
    for username, role in (("chutich", "chair"), (secretary, "secretary"), ("tp.taichinh", "member")):
        user_id = api_client(live_server, username)[1]["id"]
        staff.post(f"{url}/meetings/{meeting_id}/participants", json={"user_id": user_id, "role": role},
                   timeout=10).raise_for_status()
    for action in ("publish", "start"):
        staff.post(f"{url}/meetings/{meeting_id}/{action}", timeout=10).raise_for_status()
    chair, _ = api_client(live_server, "chutich")
    member, _ = api_client(live_server, "tp.taichinh")
    for person in (chair, member):
        person.post(f"{url}/meetings/{meeting_id}/checkin", json={"mode": "room"}, timeout=10).raise_for_status()
    chair.post(f"{url}/meetings/{meeting_id}/agenda/current", json={"item_id": items[1]},
               timeout=10).raise_for_status()
    poll = chair.post(f"{url}/meetings/{meeting_id}/polls", json={
        "question": QUESTION, "majority": "all", "agenda_item_id": items[1]}, timeout=10)
    poll.raise_for_status()
    poll_id = poll.json()["id"]
    chair.post(f"{url}/polls/{poll_id}/open", timeout=10).raise_for_status()
    for person in (chair, member):
        person.post(f"{url}/polls/{poll_id}/ballots", json={"option": "Tán thành"}, timeout=10).raise_for_status()
    chair.post(f"{url}/polls/{poll_id}/close", timeout=10).raise_for_status()
    staff.post(f"{url}/meetings/{meeting_id}/close", timeout=10).raise_for_status()  # minutes are signed after it
    return {"id": meeting_id, "items": items}


def _rich(page, item_id):
    return page.locator(f"[data-test='rich-conclusion-{item_id}']")


def test_draft_button_waits_for_its_script(browser, live_server, secretary, held_meeting):
    """The draft button works only through minutes.js: until the module has loaded it is disabled, so an
    early tap is not silently lost (CI once clicked it in that gap). Service workers are blocked here: a
    request the app's service worker answers from its cache never reaches page.route."""
    context = browser.new_context(viewport=LANDSCAPE, base_url=live_server.url, locale="vi-VN",
                                  service_workers="block")
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        log_in(page, secretary)
        held: list = []
        page.route("**/static/js/minutes.js*", lambda route: held.append(route))  # the request waits, unanswered
        page.goto(f"/meetings/{held_meeting['id']}/minutes", wait_until="commit")
        button = page.locator("[data-test=draft-minutes]")
        expect(button).to_be_visible()
        expect(button).to_be_disabled()
        for _ in range(100):  # route handlers run while Playwright is called
            if held:
                break
            page.wait_for_timeout(100)
        assert held, "the page did not ask for minutes.js"
        expect(button).to_be_disabled()
        held[0].continue_()
        expect(button).to_be_enabled()
        expect(page.locator("[data-minutes]")).to_have_attribute("data-ready", "true")
    finally:
        context.close()


def test_secretary_drafts_edits_previews_and_restores(page, live_server, secretary, held_meeting):
    meeting_id, items = held_meeting["id"], held_meeting["items"]
    log_in(page, secretary)
    page.goto(f"/meetings/{meeting_id}")
    page.locator("[data-test=minutes-link]").click()
    expect(page.locator("[data-test=no-minutes]")).to_be_visible()

    # Drafted from the record: the page comes back with the editor, revision 1.
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/minutes")) as drafted:
        page.locator("[data-test=draft-minutes]").click()
    assert drafted.value.status == 201
    expect(page.locator("[data-test=minutes-editor]")).to_be_visible()
    expect(page.locator("[data-minutes]")).to_have_attribute("data-ready", "true")
    expect(page.locator("[data-test=minutes-status]")).to_have_class(re.compile("badge--minutes-draft"))
    expect(page.locator("[data-test=revision]")).to_have_count(1)
    # The recorded facts are beside the conclusion: the poll with its counts and outcome.
    facts = page.locator(f"[data-item-id='{items[1]}'] [data-test=recorded-poll]")
    expect(facts).to_contain_text(QUESTION)
    expect(facts).to_contain_text("Tán thành")

    # A conclusion with bold text, through the toolbar.
    area = _rich(page, items[1])
    area.click()
    page.keyboard.type("Hội đồng nhân dân ")
    toolbar_bold = page.locator(f"[data-item-id='{items[1]}'] [data-command=bold]")
    toolbar_bold.click()
    expect(toolbar_bold).to_have_attribute("aria-pressed", "true")
    page.keyboard.type("thống nhất thông qua")
    toolbar_bold.click()
    page.keyboard.type(" Nghị quyết về dự toán ngân sách năm 2027.")
    assert re.search(r"<(b|strong)>thống nhất thông qua</(b|strong)>", area.inner_html()), area.inner_html()
    expect(page.locator("[data-test=save-state]")).to_have_class(re.compile("is-dirty"))
    page.fill("#minutes-number", "14/BB-HĐND")

    with page.expect_response(lambda r: r.request.method == "PUT") as saved:
        page.locator("[data-test=save-minutes]").click()
    assert saved.value.status == 200, saved.value.text()
    body = saved.value.request.post_data_json
    assert body["base_revision"] == 1 and set(body) == {"base_revision", "number", "conclusions"}, body
    assert re.search(r"<(b|strong)>thống nhất thông qua</(b|strong)>", body["conclusions"][str(items[1])])
    expect(page.locator("[data-test=current-revision]")).to_contain_text("2")
    expect(page.locator("[data-test=revision]")).to_have_count(2)
    newest = page.locator("[data-test=revision]").first
    expect(newest).to_have_attribute("data-revision", "2")
    expect(newest.locator("[data-test=revision-change]")).to_contain_text("2")  # "conclusion of item 2"
    expect(page.locator("[data-test=restore-1]")).to_be_visible()

    # The preview: the PDF of the text as it is, in an iframe through a blob: URL.
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/preview")) as preview:
        page.locator("[data-test=preview-minutes]").click()
    assert preview.value.status == 200
    assert preview.value.headers["content-type"] == "application/pdf"
    frame = page.locator("[data-test=preview-frame]")
    expect(frame).to_have_attribute("src", re.compile(r"^blob:"))
    first_preview = frame.get_attribute("src")

    # Typing while the preview is open renders it again a moment after the typing stops.
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/preview"),
                              timeout=20_000) as again:
        _rich(page, items[0]).click()
        page.keyboard.type("Chủ tọa tuyên bố khai mạc kỳ họp.")
    assert again.value.status == 200
    assert again.value.request.post_data_json["conclusions"] == {str(items[0]): "Chủ tọa tuyên bố khai mạc kỳ họp."}
    expect(frame).not_to_have_attribute("src", first_preview)
    expect(frame).to_have_attribute("src", re.compile(r"^blob:"))

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / "minutes-preview.png"))
    page.locator("[data-action=close-preview]").click()
    expect(page.locator("[data-test=preview]")).to_be_hidden()
    _rich(page, items[1]).scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "minutes-editor.png"))
    page.screenshot(path=str(SCREENSHOTS / "minutes-editor-full.png"), full_page=True)
    page.set_viewport_size(PORTRAIT)
    page.screenshot(path=str(SCREENSHOTS / "minutes-editor-768x1024.png"), full_page=True)
    page.set_viewport_size(LANDSCAPE)

    # Restore revision 1 (the unsaved opening text is given up: the confirmation says so and is accepted).
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/restore")) as restored:
        page.locator("[data-test=restore-1]").click()
    assert restored.value.status == 200
    expect(page.locator("[data-test=revision]")).to_have_count(3)
    expect(page.locator("[data-test=revision]").first).to_have_attribute("data-revision", "3")
    expect(_rich(page, items[1])).to_have_text("")
    expect(page.locator("#minutes-number")).not_to_have_value("14/BB-HĐND")
    expect(page.locator("[data-test=save-state]")).not_to_have_class(re.compile("is-dirty"))

    # A save on top of an older revision is refused with the reason and a way to reload.
    staff, _ = api_client(live_server, "vanphong")
    minutes_id = page.locator("[data-minutes]").get_attribute("data-minutes-id")
    staff.put(f"{live_server.url}/api/v1/minutes/{minutes_id}", json={"location": "Hội trường B", "base_revision": 3},
              timeout=30).raise_for_status()
    page.fill("#minutes-subject", "Kỳ họp thứ 14 (sửa)")
    with page.expect_response(lambda r: r.request.method == "PUT") as stale:
        page.locator("[data-test=save-minutes]").click()
    assert stale.value.status == 409
    expect(page.locator("[data-test=editor-error]")).to_be_visible()
    expect(page.locator("[data-test=reload-minutes]")).to_be_visible()
    page.locator("[data-test=reload-minutes]").click()
    expect(page.locator("#minutes-location")).to_have_value("Hội trường B")
    expect(page.locator("[data-test=revision]")).to_have_count(4)


def test_secretary_then_chair_sign_and_the_file_verifies(page, live_server, secretary, held_meeting, tmp_path):
    for username in (secretary, "chutich"):
        run_cabinet(live_server.env, "certs", "issue", username, "--passphrase-file", "-", input=PASSPHRASE[username])
    meeting_id = held_meeting["id"]
    secretary_api, _ = api_client(live_server, secretary)
    secretary_api.post(f"{live_server.url}/api/v1/meetings/{meeting_id}/minutes", timeout=30).raise_for_status()

    log_in(page, secretary)
    page.goto(f"/meetings/{meeting_id}/minutes")
    page.locator("[data-test=open-sign]").click()
    panel = page.locator("[data-test=sign-panel]")
    expect(panel.locator("[data-test=empty-section]")).to_have_count(4)  # untouched: every part is empty
    panel.locator("[data-test=confirm-empty]").check()
    panel.locator("[data-test=passphrase]").fill("not-the-passphrase")
    with page.expect_response(lambda r: r.url.endswith("/sign")) as refused:
        panel.locator("[data-test=sign]").click()
    assert refused.value.status == 403
    expect(panel.locator("[data-test=sign-error][role=alert]")).to_be_visible()
    expect(page.locator("[data-test=minutes-status]")).to_have_class(re.compile("badge--minutes-draft"))

    panel.locator("[data-test=passphrase]").fill(PASSPHRASE[secretary])
    with page.expect_response(lambda r: r.url.endswith("/sign"), timeout=90_000) as signed:
        panel.locator("[data-test=sign]").click()
    assert signed.value.status == 200
    expect(page.locator("[data-test=minutes-status]")).to_have_class(re.compile("badge--minutes-signing"))
    expect(page.locator("[data-test=signature]")).to_have_count(1)
    expect(page.locator("[data-test=sign-panel]")).to_have_count(0)
    expect(page.locator("[data-test=minutes-editor]")).to_have_count(0)
    expect(page.locator("[data-test=correction-panel]")).to_be_visible()
    expect(page.locator("[data-test=minutes-notice]")).to_be_visible()
    log_out(page)

    log_in(page, "chutich")
    page.goto(f"/meetings/{meeting_id}/minutes")
    page.locator("[data-test=open-sign]").click()
    page.locator("[data-test=confirm-empty]").check()
    page.locator("[data-test=passphrase]").fill(PASSPHRASE["chutich"])
    with page.expect_response(lambda r: r.url.endswith("/sign"), timeout=90_000) as signed:
        page.locator("[data-test=sign]").click()
    assert signed.value.status == 200
    expect(page.locator("[data-test=minutes-status]")).to_have_class(re.compile("badge--minutes-signed"))
    expect(page.locator("[data-test=signature]")).to_have_count(2)
    page.screenshot(path=str(SCREENSHOTS / "minutes-signed.png"), full_page=True)

    with page.expect_download() as download:
        page.locator("[data-test=download-pdf]").click()
    signed_pdf = tmp_path / "bien-ban.pdf"
    download.value.save_as(signed_pdf)
    assert signed_pdf.read_bytes().startswith(b"%PDF-")

    # The verification page: from the menu, a non-PDF first, then the signed file.
    page.locator("[data-test=nav-verify]").click()
    not_pdf = tmp_path / "ghi-chu.txt"
    not_pdf.write_text("không phải PDF")
    page.locator("[data-test=verify-file]").set_input_files(str(not_pdf))
    with page.expect_response(lambda r: r.url.endswith("/verify")) as answer:
        page.locator("[data-test=verify-submit]").click()
    assert answer.value.status == 415
    expect(page.locator("[data-test=verify-error]")).to_be_visible()
    expect(page.locator("[data-test=verify-result]")).to_be_hidden()

    page.locator("[data-test=verify-file]").set_input_files(str(signed_pdf))
    with page.expect_response(lambda r: r.url.endswith("/verify"), timeout=60_000) as answer:
        page.locator("[data-test=verify-submit]").click()
    assert answer.value.status == 200
    expect(page.locator("[data-test=verify-error]")).to_be_hidden()
    rows = page.locator("[data-test=verify-row]")
    expect(rows).to_have_count(2)
    expect(page.locator("[data-test=verify-verdict]")).to_have_attribute("data-verdict", "success")
    expect(rows.first).to_contain_text(SECRETARY[1])
    expect(rows.nth(1)).to_contain_text("Lê Anh Xuân")
    expect(rows.locator("[data-test=verify-integrity].chip--ok")).to_have_count(2)
    expect(rows.locator("[data-test=verify-trust].chip--ok")).to_have_count(2)
    page.screenshot(path=str(SCREENSHOTS / "verify.png"), full_page=True)


def test_the_page_follows_changes_made_elsewhere(page, shoot, live_server, secretary, held_meeting):
    """Another secretary (vanphong, through the API) drafts and saves while the secretary's page is open: it
    shows each change by itself; its own save is not taken for someone else's; with unsaved changes of its
    own it warns instead of reloading, and keeps what was typed."""
    meeting_id, items = held_meeting["id"], held_meeting["items"]
    url = f"{live_server.url}/api/v1"
    root = page.locator("[data-minutes]")
    notice = page.locator("[data-test=minutes-notice]")
    log_in(page, secretary)
    page.goto(f"/meetings/{meeting_id}/minutes")
    expect(page.locator("[data-test=no-minutes]")).to_be_visible()
    expect(root).to_have_attribute("data-live", "online")
    staff, _ = api_client(live_server, "vanphong")
    drafted = staff.post(f"{url}/meetings/{meeting_id}/minutes", timeout=30)
    assert drafted.status_code == 201, drafted.text
    minutes_id = drafted.json()["id"]
    expect(page.locator("[data-test=minutes-editor]")).to_be_visible()
    expect(notice).to_have_text("Biên bản vừa được thay đổi ở nơi khác; đây là phiên bản 1.")

    expect(root).to_have_attribute("data-live", "online")
    staff.put(f"{url}/minutes/{minutes_id}", json={"base_revision": 1, "opening": "<p>Khai mạc lúc 8 giờ.</p>"},
              timeout=30).raise_for_status()
    expect(root).to_have_attribute("data-revision", "2")
    expect(notice).to_have_text("Biên bản vừa được thay đổi ở nơi khác; đây là phiên bản 2.")
    expect(page.locator("[data-test=rich-opening]")).to_have_text("Khai mạc lúc 8 giờ.")

    # The page's own save: revision 3, no reload and no warning.
    expect(root).to_have_attribute("data-live", "online")
    page.evaluate("window.stillTheSamePage = true")
    _rich(page, items[0]).click()
    page.keyboard.type("Thông qua chương trình kỳ họp.")
    page.locator("[data-test=save-minutes]").click()
    expect(page.locator("[data-test=save-state]")).to_have_text("Đã lưu thành phiên bản 3.")
    page.wait_for_timeout(2500)  # the event of its own save has come and been checked
    assert page.evaluate("window.stillTheSamePage === true")
    expect(page.locator("[data-test=editor-error]")).to_be_hidden()

    # Unsaved text on the page, and someone else saves: a warning, the text stays.
    _rich(page, items[1]).click()
    page.keyboard.type("Kết luận đang viết dở")
    staff.put(f"{url}/minutes/{minutes_id}", json={"base_revision": 3, "closing": "<p>Bế mạc kỳ họp.</p>"},
              timeout=30).raise_for_status()
    alert = page.locator("[data-test=editor-error]")
    expect(alert).to_contain_text("Trong lúc đó đã có người lưu phiên bản mới hơn (4)")
    expect(page.locator("[data-test=reload-minutes]")).to_be_visible()
    expect(_rich(page, items[1])).to_contain_text("Kết luận đang viết dở")
    assert page.evaluate("window.stillTheSamePage === true")
    expect(root).to_have_attribute("data-revision", "3")
    shoot(page, "minutes-changed-elsewhere")
