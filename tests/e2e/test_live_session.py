"""The live session in four browsers: the chair's console, two members' tablets and the room screen.

The meeting is prepared through the API (a chair and two members invited, published, started by the
secretariat). Then, in real Chromium contexts against a real eventlet server: everyone checks in and the
chair sees the quorum move; the chair moves through the agenda and both tablets follow; a member asks
for the floor, the chair grants it and the screen shows the speaker; the chair opens a secret vote, the
tablets vote (one of them offline when it taps, its ballot leaves once the socket is back), the chair
closes it and all four show the same result; a tablet that drops off after voting comes back, joins
again and still shows that it voted.
"""
from __future__ import annotations

import re

import pytest

from .conftest import (EXPECTED_CONSOLE, LANDSCAPE, PASSWORD, PORTRAIT, SCREENSHOTS, api_client, expect,
                       log_in, published_meeting)
from ..documents_helpers import SAMPLES

pytestmark = pytest.mark.e2e

TITLE = "Phiên họp UBND thành phố tháng 12: kinh tế - xã hội và đầu tư công"
ITEMS = ["Khai mạc, thông qua chương trình", "Tờ trình kế hoạch đầu tư công năm 2027",
         "Báo cáo tình hình kinh tế - xã hội", "Báo cáo công tác cải cách hành chính",
         "Tờ trình điều chỉnh quy hoạch khu đô thị mới", "Báo cáo thu, chi ngân sách 11 tháng",
         "Công tác phòng, chống thiên tai", "Kết luận của Chủ tịch UBND thành phố"]
SECOND_MEMBER = ("pct.xaydung", "Trần Quốc Bình", "Phó Chủ tịch UBND thành phố")
PROPOSAL = SAMPLES / "to-trinh-do-thi-thong-minh.pdf"
DOCUMENT = "Tờ trình Đề án đô thị thông minh"
QUESTION = "Thông qua Tờ trình kế hoạch đầu tư công năm 2027"
NAMED_QUESTION = "Thông qua Báo cáo công tác cải cách hành chính"


class Tablet:
    """One browser context (its own cookies: one person) with a page that fails the test on console errors."""

    def __init__(self, browser, server, username: str, viewport=PORTRAIT):
        self.context = browser.new_context(viewport=viewport, has_touch=True, base_url=server.url,
                                           locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("requestfailed", lambda request: self.failed.append(
            f"{request.url} {request.failure} offline={self.offline}"))
        self.failed: list[str] = []
        self.page.on("dialog", lambda dialog: dialog.accept())
        self.offline = False
        log_in(self.page, username)

    def _console(self, message):
        if message.type != "error" or EXPECTED_CONSOLE.match(message.text):
            return
        # While the context is offline on purpose, the failed reconnection attempts are expected.
        if self.offline and ("socket.io" in message.text or "ERR_INTERNET_DISCONNECTED" in message.text):
            return
        self.errors.append(message.text)

    def set_offline(self, offline: bool) -> None:
        if not offline:
            self.context.set_offline(False)
            # Reconnection errors logged just before the network came back stay expected a moment more.
            self.page.wait_for_timeout(300)
            self.offline = False
        else:
            self.offline = True
            self.context.set_offline(True)

    def close(self):
        self.context.close()


def live(page):
    return page.locator("[data-live]")


def wait_joined(page, root="[data-live]"):
    expect(page.locator(root)).to_have_attribute("data-state", "online")


def current_item(page):
    return page.locator("[data-test=agenda-item][data-current=true]")


def shoot_page(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("768x1024", PORTRAIT), ("1024x768", LANDSCAPE)):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(PORTRAIT)


@pytest.fixture()
def session_meeting(live_server):
    """Chair (chutich), two members (tp.taichinh and a second one), published and started."""
    admin, _ = api_client(live_server, "quantri")
    username, full_name, position = SECOND_MEMBER
    answer = admin.post(f"{live_server.url}/api/v1/users", json={
        "username": username, "full_name": full_name, "position": position, "password": PASSWORD,
        "roles": ["member"]}, timeout=10)
    assert answer.status_code in (201, 409), answer.text
    meeting_id = published_meeting(live_server, TITLE, {"chutich": "chair", "tp.taichinh": "member",
                                                        username: "member"}, ITEMS)
    secretariat, _ = api_client(live_server, "vanphong")
    with PROPOSAL.open("rb") as pdf:
        secretariat.post(f"{live_server.url}/api/v1/meetings/{meeting_id}/documents",
                         files={"file": (PROPOSAL.name, pdf, "application/pdf")},
                         data={"title": DOCUMENT, "access": "participants"}, timeout=30).raise_for_status()
    secretariat.post(f"{live_server.url}/api/v1/meetings/{meeting_id}/start", timeout=10).raise_for_status()
    return meeting_id


@pytest.fixture()
def four(browser, live_server, session_meeting):
    tablets = {
        "chair": Tablet(browser, live_server, "chutich", LANDSCAPE),
        "a": Tablet(browser, live_server, "tp.taichinh"),
        "b": Tablet(browser, live_server, SECOND_MEMBER[0]),
        "screen": Tablet(browser, live_server, "vanphong", LANDSCAPE),
    }
    yield tablets
    errors = {name: t.errors + t.failed for name, t in tablets.items() if t.errors}
    for tablet in tablets.values():
        tablet.close()
    assert not errors, f"browser console errors: {errors}"


def test_live_session_four_screens(four, session_meeting):
    meeting_id = session_meeting
    chair, a, b, screen = (four[k].page for k in ("chair", "a", "b", "screen"))
    # From the meeting page: participants join the session, the secretariat opens the room screen.
    for page in (chair, a, b):
        page.goto(f"/meetings/{meeting_id}")
        expect(page.locator("[data-test=room-screen]")).to_have_count(0)  # the secretariat's
        page.get_by_role("link", name="Vào phiên họp").click()
        expect(page).to_have_url(re.compile(rf"/meetings/{meeting_id}/live$"))
        expect(page.locator("html")).to_have_attribute("lang", "vi")
        wait_joined(page)
    screen.goto(f"/meetings/{meeting_id}")
    screen.get_by_role("link", name="Màn hình phòng họp").click()
    wait_joined(screen, "[data-screen]")
    expect(screen.locator("[data-test=screen-title]")).to_have_text(TITLE)

    # The member's tablet has no chair controls; the chair's console has them.
    expect(a.locator("[data-test=poll-admin]")).to_have_count(0)
    expect(a.locator("[data-test=move-to-item]")).to_have_count(0)
    expect(chair.locator("[data-test=poll-admin]")).to_be_visible()
    expect(chair.locator("[data-test=attendance-admin]")).to_be_visible()
    expect(chair.locator("[data-test=quorum]")).to_contain_text("Có mặt 0/3")
    expect(chair.locator("[data-test=quorum-state]")).to_have_text("Chưa đủ túc số")

    # --- attendance: everyone checks in, the chair's quorum display moves -------------------------------
    chair.get_by_role("button", name="Điểm danh").click()
    expect(chair.locator("[data-test=quorum]")).to_contain_text("Có mặt 1/3")
    a.get_by_role("button", name="Điểm danh").click()
    expect(a.locator("[data-test=checkin-state]")).to_have_text("Bạn đã điểm danh (tại phòng họp).")
    expect(chair.locator("[data-test=quorum]")).to_contain_text("Có mặt 2/3")
    expect(chair.locator("[data-test=quorum-state]")).to_have_text("Đủ túc số")
    b.get_by_role("button", name="Điểm danh").click()
    expect(chair.locator("[data-test=quorum]")).to_contain_text("Có mặt 3/3")
    expect(screen.locator("[data-test=screen-quorum]")).to_contain_text("Có mặt 3/3")
    expect(chair.locator("[data-test=attendance-row][data-attendance=room]")).to_have_count(3)

    # --- the chair moves through the agenda; both tablets follow ----------------------------------------
    expect(a.locator("[data-test=current-item]")).to_have_text("Chủ tọa chưa chuyển sang nội dung nào.")
    for title in (ITEMS[0], ITEMS[1]):
        chair.locator("[data-test=agenda-item]", has_text=title).locator("[data-test=move-to-item]").click()
        for page in (chair, a, b):
            expect(current_item(page)).to_have_count(1)
            expect(current_item(page)).to_contain_text(title)
        expect(screen.locator("[data-test=screen-current-item]")).to_contain_text(title)
        expect(a.locator("[data-test=current-item]")).to_contain_text(title)

    # A member browsing the agenda away from the current item gets a button back to it.
    chair.locator("[data-test=agenda-item]", has_text=ITEMS[-1]).locator("[data-test=move-to-item]").click()
    expect(current_item(a)).to_contain_text(ITEMS[-1])
    a.set_viewport_size({"width": 768, "height": 360})
    a.locator("[data-test=agenda-item]").first.evaluate("element => element.scrollIntoView({block: 'start'})")
    back = a.locator("[data-test=back-to-current]")
    expect(back).to_be_visible()
    back.click()
    expect(current_item(a)).to_be_in_viewport()
    expect(back).to_be_hidden()
    a.set_viewport_size(PORTRAIT)
    chair.locator("[data-test=agenda-item]", has_text=ITEMS[1]).locator("[data-test=move-to-item]").click()
    expect(current_item(a)).to_contain_text(ITEMS[1])

    # --- presenter mode: the chair shows page 2; a tablet that opted in follows by itself ---------------
    a.locator("[data-test=present-follow]").check()
    expect(a.locator("[data-test=present-banner]")).to_be_hidden()
    present = chair.locator("[data-test=present-form]")
    present.locator("[data-test=present-document]").select_option(label=DOCUMENT)
    present.locator("[data-test=present-page]").fill("2")
    present.locator("[data-test=present-submit]").click()
    banner = b.locator("[data-test=present-banner]")
    expect(banner).to_contain_text("Đang trình chiếu: trang 2")
    expect(b.locator("[data-test=present-open]")).to_have_attribute("href", re.compile(r"^/documents/\d+#page=2$"))
    expect(a).to_have_url(re.compile(r"/documents/\d+#page=2$"))
    expect(a.locator("[data-test=page-input]")).to_have_value("2", timeout=20_000)
    shoot_page(b, "30-live-member-presenting")
    b.locator("[data-test=present-open]").click()
    expect(b.locator("[data-test=page-input]")).to_have_value("2", timeout=20_000)
    for page in (a, b):
        page.goto(f"/meetings/{meeting_id}/live")
        wait_joined(page)
    a.locator("[data-test=present-follow]").uncheck()
    expect(a.locator("[data-test=present-banner]")).to_contain_text("Đang trình chiếu: trang 2")

    # --- the floor: member A asks, the chair grants it, everybody sees the speaker ---------------------
    a.get_by_role("button", name="Đăng ký phát biểu").click()
    expect(a.locator("[data-test=my-request]")).to_have_text("Bạn đã đăng ký (thứ tự 1).")
    entry = chair.locator("[data-test=queue-entry]", has_text="Đỗ Thị Hương")
    expect(entry).to_be_visible()
    b.get_by_role("button", name="Chất vấn").click()
    expect(chair.locator("[data-test=queue-entry]")).to_have_count(2)
    chair.locator("[data-test=grant-seconds]").fill("120")
    entry.locator("[data-test=grant]").click()
    for page in (chair, a, b):
        expect(page.locator("[data-test=current-speaker-name]")).to_have_text("Đỗ Thị Hương")
    expect(a.locator("[data-test=my-request]")).to_have_text("Bạn đang phát biểu.")
    expect(screen.locator("[data-test=screen-speaker-name]")).to_have_text("Đỗ Thị Hương")
    expect(screen.locator("[data-test=screen-speaker]")).not_to_contain_text("null")
    expect(screen.locator("[data-test=screen-countdown]")).to_have_text(re.compile(r"^[12]:\d\d$"))
    expect(screen.locator("[data-test=screen-queue]")).to_contain_text("Trần Quốc Bình")
    shoot_page(a, "34-live-member-speaker")

    # --- a secret vote ----------------------------------------------------------------------------------
    form = chair.locator("[data-test=poll-form]")
    form.locator("[data-test=poll-question]").fill(QUESTION)
    form.locator("[data-test=poll-secret]").check()
    form.locator("[data-test=poll-majority]").select_option(label="Quá nửa tổng số thành viên")
    form.locator("[data-test=poll-create]").click()
    draft = chair.locator("[data-test=draft-poll]", has_text=QUESTION)
    expect(draft).to_contain_text("Bỏ phiếu kín")
    draft.locator("[data-test=open-poll]").click()
    for page in (chair, a, b):
        expect(page.locator("[data-test=poll-question-text]")).to_have_text(QUESTION)
        expect(page.locator("[data-test=vote-option]")).to_have_count(3)
        expect(page.locator("[data-test=poll-progress]")).to_have_text("Đã có 0/3 đại biểu biểu quyết")
    expect(screen.locator("[data-test=screen-progress]")).to_have_text("Đã có 0/3 đại biểu biểu quyết")
    expect(a.locator("[data-test=poll-card]")).to_contain_text("Quá nửa tổng số thành viên")

    # Member B's tablet loses the network before it votes: the tap is kept, not lost.
    four["b"].set_offline(True)
    expect(live(b)).to_have_attribute("data-state", "offline")
    b.locator("[data-test=vote-option][data-vote='Tán thành']").click()
    expect(b.locator("[data-test=vote-pending]")).to_have_text("Phiếu của bạn sẽ được gửi ngay khi có kết nối trở lại.")

    # Member A and the chair vote online; the count moves on every screen.
    a.locator("[data-test=vote-option][data-vote='Tán thành']").click()
    expect(a.locator("[data-test=voted]")).to_contain_text("Đã biểu quyết")
    chair.locator("[data-test=vote-option][data-vote='Không tán thành']").click()
    expect(chair.locator("[data-test=voted]")).to_contain_text("Đã biểu quyết")
    expect(screen.locator("[data-test=screen-progress]")).to_have_text("Đã có 2/3 đại biểu biểu quyết")
    expect(chair.locator("[data-test=poll-progress]")).to_have_text("Đã có 2/3 đại biểu biểu quyết")

    # B is back: the socket reconnects, joins again and sends the kept ballot with its key.
    joins_before = int(live(b).get_attribute("data-joins"))
    four["b"].set_offline(False)
    expect(live(b)).to_have_attribute("data-state", "online", timeout=20_000)
    expect(live(b)).to_have_attribute("data-joins", str(joins_before + 1))
    expect(b.locator("[data-test=voted]")).to_contain_text("Đã biểu quyết")
    expect(b.locator("[data-test=vote-option]")).to_have_count(0)
    expect(chair.locator("[data-test=poll-progress]")).to_have_text("Đã có 3/3 đại biểu biểu quyết")

    # A drops off after voting and comes back: the fresh snapshot says it already voted.
    four["a"].set_offline(True)
    expect(live(a)).to_have_attribute("data-state", "offline")
    joins_before = int(live(a).get_attribute("data-joins"))
    four["a"].set_offline(False)
    expect(live(a)).to_have_attribute("data-joins", str(joins_before + 1), timeout=20_000)
    expect(a.locator("[data-test=voted]")).to_contain_text("Đã biểu quyết")
    expect(a.locator("[data-test=vote-option]")).to_have_count(0)
    # ... and so does a reload (a ballot is never offered twice).
    a.reload()
    wait_joined(a)
    expect(a.locator("[data-test=voted]")).to_contain_text("Đã biểu quyết")
    expect(a.locator("[data-test=vote-option]")).to_have_count(0)

    shoot_page(chair, "32-live-chair-poll-open")
    shoot_page(b, "31-live-member-voted")
    shoot_page(screen, "33-live-screen-poll-open")

    # --- the chair closes the vote: the same result on all four -----------------------------------------
    chair.locator("[data-test=close-poll]").click()
    for page in (chair, a, b, screen):
        result = page.locator("[data-test=poll-result]")
        expect(result).to_be_visible()
        expect(page.locator("[data-test=poll-passed]")).to_have_text("Thông qua")  # 2 of 3 members > half
        expect(page.locator("[data-test=result-row][data-option='Tán thành']")).to_have_attribute("data-count", "2")
        expect(page.locator("[data-test=result-row][data-option='Không tán thành']")).to_have_attribute("data-count", "1")
        expect(page.locator("[data-test=result-row][data-option='Không biểu quyết']")).to_have_attribute("data-count", "0")
    expect(a.locator("[data-test=result-row][data-option='Tán thành']")).to_contain_text("66,7% tổng số thành viên")
    expect(a.locator("[data-test=named-ballots]")).to_have_count(0)  # secret: nobody's choice is shown

    shoot_page(a, "35-live-member-result")
    shoot_page(chair, "36-live-chair-result")
    shoot_page(screen, "37-live-screen-result")

    # --- a named vote that closes while B is offline: B's kept ballot is never sent, and B is told -------
    form.locator("[data-test=poll-question]").fill(NAMED_QUESTION)
    expect(form.locator("[data-test=poll-secret]")).not_to_be_checked()
    form.locator("[data-test=poll-majority]").select_option(label="Quá nửa tổng số thành viên")
    form.locator("[data-test=poll-create]").click()
    chair.locator("[data-test=draft-poll]", has_text=NAMED_QUESTION).locator("[data-test=open-poll]").click()
    expect(b.locator("[data-test=poll-question-text]")).to_have_text(NAMED_QUESTION)
    four["b"].set_offline(True)
    expect(live(b)).to_have_attribute("data-state", "offline")
    b.locator("[data-test=vote-option][data-vote='Không biểu quyết']").click()
    expect(b.locator("[data-test=vote-pending]")).to_be_visible()
    a.locator("[data-test=vote-option][data-vote='Tán thành']").click()
    expect(a.locator("[data-test=voted]")).to_be_visible()
    expect(chair.locator("[data-test=poll-progress]")).to_have_text("Đã có 1/3 đại biểu biểu quyết")
    chair.locator("[data-test=close-poll]").click()
    expect(a.locator("[data-test=poll-passed]")).to_have_text("Không thông qua")  # 1 of 3 is not more than half
    four["b"].set_offline(False)
    expect(live(b)).to_have_attribute("data-state", "online", timeout=20_000)
    expect(b.locator("[data-test=live-error]")).to_have_text(
        "Biểu quyết đã kết thúc trước khi phiếu của bạn được gửi: phiếu không được tính.")
    expect(b.locator("[data-test=poll-result]")).to_be_visible()
    for page in (a, b, chair):
        ballots = page.locator("[data-test=named-ballots]")
        expect(ballots).to_contain_text("Đỗ Thị Hương")
        expect(ballots).not_to_contain_text("Trần Quốc Bình")
    shoot_page(b, "38-live-member-named-result")

    # The chair ends the speaker's turn; the screen follows.
    chair.locator("[data-test=finish-speaker]").click()
    expect(screen.locator("[data-test=screen-speaker-name]")).to_have_count(0)
    expect(a.locator("[data-test=current-speaker]")).to_contain_text("Chưa có ai phát biểu.")


def test_live_pages_are_404_for_outsiders(browser, live_server, session_meeting):
    """Someone who is not invited (and not the secretariat) gets 404 for the live page and the screen."""
    admin, _ = api_client(live_server, "quantri")
    answer = admin.post(f"{live_server.url}/api/v1/users", json={
        "username": "ngoai.cuoc", "full_name": "Người Ngoài Cuộc", "password": PASSWORD, "roles": ["member"]},
        timeout=10)
    assert answer.status_code in (201, 409), answer.text
    outsider = Tablet(browser, live_server, "ngoai.cuoc")
    try:
        for path in ("live", "screen"):
            assert outsider.page.goto(f"/meetings/{session_meeting}/{path}").status == 404
    finally:
        outsider.close()
    # Chromium logs each 404 page as a console error: expected here.
    assert all("404" in error for error in outsider.errors), outsider.errors


def test_minutes_saved_during_the_session_do_not_make_tablets_join_again(browser, live_server, session_meeting):
    """The secretary drafts and saves the minutes while the session runs: `minutes.updated` takes a seq
    like any meeting event, so a tablet must count it, not see a gap at the next move and fetch the
    whole state again (with 2000 tablets, 2000 joins for every save)."""
    url = f"{live_server.url}/api/v1"
    member = Tablet(browser, live_server, "tp.taichinh")
    try:
        page = member.page
        page.goto(f"/meetings/{session_meeting}/live")
        wait_joined(page)
        joins = live(page).get_attribute("data-joins")
        secretariat, _ = api_client(live_server, "vanphong")
        minutes = secretariat.post(f"{url}/meetings/{session_meeting}/minutes", timeout=30).json()
        secretariat.put(f"{url}/minutes/{minutes['id']}", json={
            "base_revision": minutes["revision"], "opening": "<p>Chủ tọa khai mạc phiên họp.</p>"},
            timeout=30).raise_for_status()
        chair, _ = api_client(live_server, "chutich")
        items = chair.get(f"{url}/meetings/{session_meeting}/agenda", timeout=10).json()["items"]
        moved = chair.post(f"{url}/meetings/{session_meeting}/agenda/current", json={"item_id": items[2]["id"]},
                           timeout=10).json()
        expect(live(page)).to_have_attribute("data-seq", str(moved["seq"]))
        expect(current_item(page)).to_contain_text(ITEMS[2])
        assert live(page).get_attribute("data-joins") == joins
    finally:
        member.close()
    assert not member.errors, member.errors
