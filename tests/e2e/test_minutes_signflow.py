"""The signing flow on a portrait tablet (768×1024, Chromium): the chair finds "Chờ bạn ký" on the meeting
list and signs in three taps (badge → sign → confirm, the passphrase typed in the dialog); and the chair sends
a draft back with a comment, which the secretary's open page shows by itself (minutes.updated).

Screenshots (what the tablet shows, portrait and landscape) go to test-output/screenshots/signflow-*.png.
"""
from __future__ import annotations

import re

import pytest

from ..servers import run_cabinet
from .conftest import LANDSCAPE, PORTRAIT, SCREENSHOTS, api_client, expect, log_in
from .test_minutes_editor import PASSPHRASE, held_meeting, secretary  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e

COMMENT = "Đề nghị ghi rõ kết luận của chủ tọa ở nội dung 2 và bổ sung phần bế mạc."


def _shoot(page, name: str) -> None:
    """What the tablet shows (the viewport, not the whole page), portrait then landscape; back to portrait."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("768x1024", PORTRAIT), ("1024x768", LANDSCAPE)):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)
        page.screenshot(path=str(SCREENSHOTS / f"signflow-{name}-{label}.png"))
    page.set_viewport_size(PORTRAIT)


class Taps:
    """Counts the taps a person makes (Playwright's tap: a touch, as on the tablet)."""

    def __init__(self):
        self.count = 0

    def __call__(self, locator) -> None:
        self.count += 1
        locator.tap()


def _drafted(live_server, username, meeting_id, *, written: bool) -> int:
    """Minutes drafted by the secretary through the API; `written`: every part filled in."""
    url = f"{live_server.url}/api/v1"
    author, _ = api_client(live_server, username)
    drafted = author.post(f"{url}/meetings/{meeting_id}/minutes", timeout=30)
    drafted.raise_for_status()
    record = drafted.json()
    if written:
        author.put(f"{url}/minutes/{record['id']}", timeout=30, json={
            "base_revision": 1, "opening": "<p>Chủ tọa khai mạc kỳ họp.</p>", "closing": "<p>Bế mạc lúc 11 giờ.</p>",
            "conclusions": {str(i["item_id"]): "<p>Hội đồng thống nhất.</p>" for i in record["content"]["items"]},
        }).raise_for_status()
    return record["id"]


def test_the_chair_signs_in_three_taps_from_the_meeting_list(page, live_server, secretary, held_meeting):
    meeting_id = held_meeting["id"]
    for username in (secretary, "chutich"):
        run_cabinet(live_server.env, "certs", "issue", username, "--passphrase-file", "-", input=PASSPHRASE[username])
    minutes_id = _drafted(live_server, secretary, meeting_id, written=True)
    secretary_api, _ = api_client(live_server, secretary)
    secretary_api.post(f"{live_server.url}/api/v1/minutes/{minutes_id}/sign", timeout=90,
                       json={"passphrase": PASSPHRASE[secretary]}).raise_for_status()

    log_in(page, "chutich")  # lands on "my meetings"
    card = page.locator(f"[data-test=meeting-card][data-meeting-id='{meeting_id}']")
    badge = card.locator("[data-test=awaiting-signature]")
    expect(badge).to_have_text("Chờ bạn ký")
    card.scroll_into_view_if_needed()
    _shoot(page, "list-awaiting")

    tap = Taps()
    tap(badge)
    expect(page).to_have_url(re.compile(rf"/meetings/{meeting_id}/minutes#sign$"))
    open_sign = page.locator("[data-test=open-sign]")
    expect(open_sign).to_be_in_viewport()  # at the top, not 2 300 px down
    expect(open_sign).to_be_focused()
    _shoot(page, "chair-sign-bar")
    tap(open_sign)
    dialog = page.locator("[data-test=sign-panel]")
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-test=empty-warning]")).to_be_hidden()  # everything is written
    dialog.locator("[data-test=passphrase]").fill(PASSPHRASE["chutich"])
    _shoot(page, "chair-sign-dialog")
    with page.expect_response(lambda r: r.url.endswith("/sign"), timeout=90_000) as signed:
        tap(dialog.locator("[data-test=sign]"))
    assert signed.value.status == 200, signed.value.text()
    assert tap.count == 3
    expect(page.locator("[data-test=minutes-status]")).to_have_class(re.compile("badge--minutes-signed"))
    expect(page.locator("[data-test=signature]")).to_have_count(2)
    expect(page.locator("[data-test=sign-bar]")).to_have_count(0)

    page.goto("/meetings/")
    expect(page.locator(f"[data-meeting-id='{meeting_id}'] [data-test=awaiting-signature]")).to_have_count(0)


def test_the_chair_sends_a_draft_back_and_the_secretary_sees_the_comment(browser, page, live_server,
                                                                         secretary, held_meeting):
    meeting_id = held_meeting["id"]
    run_cabinet(live_server.env, "certs", "issue", secretary, "--passphrase-file", "-", input=PASSPHRASE[secretary])
    _drafted(live_server, secretary, meeting_id, written=False)

    # The secretary's page is open, and warns about the untouched draft before signing.
    log_in(page, secretary)
    page.goto(f"/meetings/{meeting_id}/minutes")
    expect(page.locator("[data-minutes]")).to_have_attribute("data-live", "online")
    page.locator("[data-test=open-sign]").tap()
    dialog = page.locator("[data-test=sign-panel]")
    expect(dialog.locator("[data-test=empty-section]")).to_have_count(4)
    expect(dialog.locator("[data-test=empty-section]").nth(2)).to_contain_text(
        "Kết luận nội dung 2 “Nghị quyết về dự toán ngân sách năm 2027”")
    dialog.locator("[data-test=passphrase]").fill(PASSPHRASE[secretary])
    dialog.locator("[data-test=sign]").tap()  # not confirmed: refused on the page, nothing sent
    expect(dialog.locator("[data-test=sign-error]")).to_contain_text("đánh dấu ô xác nhận")
    expect(dialog.locator("[data-test=confirm-empty]")).to_be_focused()
    _shoot(page, "empty-warning")
    dialog.locator("[data-test=cancel-sign]").tap()
    expect(dialog).to_be_hidden()
    expect(page.locator("[data-test=sign-bar] [data-test=empty-count]")).to_have_text("Còn 4 phần để trống")

    # The chair, on another tablet, reviews the draft and sends it back with a comment.
    chair_context = browser.new_context(viewport={"width": 768, "height": 1024}, has_touch=True,
                                        base_url=live_server.url, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    chair_context.set_default_timeout(15_000)
    try:
        chair = chair_context.new_page()
        log_in(chair, "chutich")
        chair.goto(f"/meetings/{meeting_id}")
        expect(chair.locator("[data-test=awaiting-signature]")).to_have_count(0)  # the secretary signs first
        chair.locator("[data-test=minutes-link]").tap()
        expect(chair.locator("[data-test=open-sign]")).to_have_count(0)
        chair.locator("[data-test=open-return]").tap()
        panel = chair.locator("[data-test=return-panel]")
        expect(panel).to_be_visible()
        panel.locator("[data-test=send-back]").tap()  # no comment yet: asked for one
        expect(panel.locator("[data-test=return-error]")).to_be_visible()
        panel.locator("[data-test=return-comment]").fill(COMMENT)
        _shoot(chair, "chair-return-dialog")
        with chair.expect_response(lambda r: r.url.endswith("/return")) as returned:
            panel.locator("[data-test=send-back]").tap()
        assert returned.value.status == 200, returned.value.text()
        expect(chair.locator("[data-test=minutes-notice]")).to_contain_text("trả lại thư ký")
        expect(chair.locator("[data-test=revision]").first.locator("[data-test=revision-change]")).to_have_text(
            f"Đã trả lại thư ký: {COMMENT}")
    finally:
        chair_context.close()

    # The secretary's page follows by itself: the comment at the top, the history, back to the editor.
    note = page.locator("[data-test=returned-note]")
    expect(note).to_be_visible(timeout=20_000)
    expect(note.locator("[data-test=returned-comment]")).to_have_text(COMMENT)
    expect(note).to_contain_text("Lê Anh Xuân")
    expect(note).to_be_in_viewport()
    expect(page.locator("[data-test=revision]").first).to_contain_text(f"Đã trả lại thư ký: {COMMENT}")
    expect(page.locator("[data-test=minutes-editor]")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    _shoot(page, "returned")

    # The next saved revision clears the note.
    page.locator("[data-test=rich-closing]").tap()
    page.keyboard.type("Bế mạc kỳ họp lúc 11 giờ 30.")
    with page.expect_response(lambda r: r.request.method == "PUT") as saved:
        page.locator("[data-test=save-minutes]").tap()
    assert saved.value.status == 200
    expect(note).to_have_count(0)
