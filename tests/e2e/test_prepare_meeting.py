"""A meeting prepared and answered in a real browser, at tablet size, in Vietnamese.

The secretariat creates a meeting, builds its agenda (with a sub-item), reorders it from the keyboard
and by dragging, invites a chair and a member, and publishes it; the member then finds it among their
meetings, reads the agenda and replies that they will attend.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from .conftest import PASSWORD

pytestmark = pytest.mark.e2e

TITLE = "Phiên họp thường kỳ tháng 12 của UBND thành phố Thanh Hóa"
ITEMS = ["Khai mạc, thông qua chương trình", "Báo cáo tình hình kinh tế - xã hội",
         "Kết luận của Chủ tịch UBND thành phố"]
SUB_ITEM = "Ý kiến thẩm định của Phòng Tài chính - Kế hoạch"


def expect(locator):
    from playwright.sync_api import expect as playwright_expect
    return playwright_expect(locator)


def log_in(page, username: str) -> None:
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Cuộc họp của tôi")).to_be_visible()


def log_out(page) -> None:
    page.locator("[data-test=logout]").click()
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()


def flash(page):
    return page.locator(".flashes .alert")


def top_level_titles(page) -> list[str]:
    rows = page.locator("[data-test=agenda-edit-list] > li > .edit-item__row [data-test=edit-item-title]")
    return [text.strip() for text in rows.all_inner_texts()]


def add_item(page, title: str, *, presenter: str = "", minutes: str = "", parent: str | None = None,
             confidential: bool = False) -> None:
    form = page.locator("[data-test=add-item-form]")
    form.locator("#title").fill(title)
    if parent:
        form.locator("#parent_id").select_option(label=f"Nội dung con của: {parent}")
    form.locator("#presenter").fill(presenter)
    form.locator("#duration_minutes").fill(minutes)
    if confidential:
        form.locator("#confidential").check()
    form.locator("[data-test=add-item]").click()
    expect(flash(page)).to_contain_text(f"Đã thêm nội dung “{title}” vào chương trình họp.")


def invite(page, full_name: str, role_label: str) -> None:
    form = page.locator("[data-test=add-participant-form]")
    value = form.locator("#user_id option", has_text=full_name).get_attribute("value")
    form.locator("#user_id").select_option(value)
    form.locator("#role").select_option(label=role_label)
    form.locator("[data-test=add-participant]").click()


def drag(page, source, target) -> None:
    """Press on `source`, move in small steps onto the middle of `target`, release (SortableJS fallback)."""
    start, end = source.bounding_box(), target.bounding_box()
    x = start["x"] + start["width"] / 2
    page.mouse.move(x, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(x, start["y"] + start["height"] / 2 - 10, steps=5)
    page.mouse.move(x, end["y"] + end["height"] / 2, steps=25)
    page.mouse.up()


def test_secretariat_prepares_and_member_replies(page, shoot):
    # --- the secretariat logs in and creates the meeting -------------------------------------------
    page.goto("/login")
    shoot(page, "01-login")
    log_in(page, "vanphong")
    expect(page.locator(".topbar__user-name")).to_have_text("Lê Thị Thu Hà")
    page.locator("[data-test=new-meeting]").click()
    expect(page.get_by_role("heading", name="Tạo cuộc họp")).to_be_visible()

    day = (datetime.now() + timedelta(days=21)).strftime("%Y-%m-%d")
    page.fill("#title", TITLE)
    page.fill("#starts_at", f"{day}T08:00")
    page.fill("#ends_at", f"{day}T07:00")  # before the start: refused with the service's message
    page.fill("#location", "Phòng họp số 1, trụ sở UBND thành phố")
    page.select_option("#mode", label="Trực tiếp")
    page.fill("#description", "Phiên họp thường kỳ tháng 12.")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("[data-test=save-meeting]").click()
    assert answer.value.status == 422
    expect(page.locator("[data-test=error]")).to_have_text("Thời gian kết thúc phải sau thời gian bắt đầu.")
    expect(page.locator("#title")).to_have_value(TITLE)  # what was typed is kept
    shoot(page, "02-new-meeting-invalid")
    page.fill("#ends_at", f"{day}T11:30")
    page.locator("[data-test=save-meeting]").click()
    expect(flash(page)).to_contain_text("Đã tạo cuộc họp ở dạng bản nháp.")
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.locator("[data-test=meeting-status]")).to_have_text("bản nháp")
    expect(page.locator("[data-test=meeting-time]")).to_contain_text("08:00–11:30")
    meeting_url = page.url

    # Publishing an empty agenda is refused (409) with the reason.
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("[data-test=move-publish]").click()
    assert answer.value.status == 409
    expect(page.locator("[data-test=error]")).to_have_text(
        "Hãy thêm ít nhất một nội dung vào chương trình họp trước khi phát hành.")

    # --- the agenda: three items, one sub-item -----------------------------------------------------
    page.locator("[data-test=edit-agenda]").first.click()
    expect(page.get_by_role("heading", name="Soạn chương trình họp")).to_be_visible()
    expect(page.locator("[data-test=agenda-empty]")).to_be_visible()
    add_item(page, ITEMS[0], presenter="Lê Anh Xuân", minutes="10")
    add_item(page, ITEMS[1], presenter="Nguyễn Văn Hùng", minutes="45")
    add_item(page, ITEMS[2], presenter="Lê Anh Xuân", minutes="15", confidential=True)
    add_item(page, SUB_ITEM, presenter="Đỗ Thị Hương", minutes="15", parent=ITEMS[1])
    assert top_level_titles(page) == ITEMS
    sub_row = page.locator(".edit-item--sub .edit-item__row", has_text=SUB_ITEM)
    expect(sub_row.locator(".agenda__number")).to_have_text("2.1")

    # Keyboard reordering: focus "move up" on the last item and press Enter (a plain form, no JavaScript).
    last_row = page.locator(".edit-item__row", has_text=ITEMS[2])
    # Once the page's scripts have run: app.js puts the focus on the item the last form came back to
    # (#item-<id>), and on a slow machine did so after this focus — the Enter then went to that item.
    page.wait_for_load_state("load")
    last_row.locator("[data-test=move-up]").focus()
    page.keyboard.press("Enter")
    expect(flash(page)).to_contain_text(f"Đã chuyển vị trí nội dung “{ITEMS[2]}”.")
    # Let the page's scripts finish starting (the editor marks itself ready) before walking with Tab.
    expect(page.locator("[data-agenda-editor]")).to_have_attribute("data-state", "ready")
    moved = page.locator("[data-test=agenda-edit-list] > li", has=page.get_by_text(ITEMS[2], exact=True))
    expect(moved).to_be_focused()  # the keyboard user stays on the item just moved …
    page.keyboard.press("Tab")
    expect(moved.locator("[data-test=move-up]")).to_be_focused()  # … and the next Tab reaches its buttons
    assert top_level_titles(page) == [ITEMS[0], ITEMS[2], ITEMS[1]]
    expect(page.locator(".edit-item__row", has_text=ITEMS[1]).locator(".agenda__number")).to_have_text("3")
    expect(sub_row.locator(".agenda__number")).to_have_text("3.1")

    # Drag and drop (SortableJS → PATCH /api/v1/agenda/<id> with the CSRF header): the item goes back down.
    editor = page.locator("[data-agenda-editor]")
    expect(editor).to_have_attribute("data-state", "ready")
    expect(editor).to_have_class(re.compile(r"\bis-sortable\b"))
    handle = page.locator(".edit-item__row", has_text=ITEMS[1]).locator(".drag-handle")
    target = page.locator(".edit-item__row", has_text=ITEMS[2])
    with page.expect_response(lambda r: "/api/v1/agenda/" in r.url and r.request.method == "PATCH") as answer:
        drag(page, handle, target)
    assert answer.value.status == 200, answer.value.text()
    expect(page.locator("[data-test=agenda-message]")).to_have_text("Đã lưu thứ tự mới.")
    expect(page.locator(".edit-item__row", has_text=ITEMS[1]).locator(".agenda__number")).to_have_text("2")
    expect(editor).to_have_attribute("data-state", "ready")
    assert top_level_titles(page) == ITEMS
    expect(sub_row.locator(".agenda__number")).to_have_text("2.1")  # the sub-item moved with its parent
    shoot(page, "03-agenda-editor")

    # --- participants: a chair and a member; inviting twice is refused (409) ------------------------
    page.locator("[data-test=back-to-meeting]").click()
    page.locator("[data-test=edit-participants]").click()
    expect(page.get_by_role("heading", name="Thành phần tham dự")).to_be_visible()
    invite(page, "Lê Anh Xuân", "Chủ tọa")
    expect(flash(page)).to_contain_text("Đã mời Lê Anh Xuân với vai trò Chủ tọa.")
    invite(page, "Đỗ Thị Hương", "Đại biểu")
    expect(flash(page)).to_contain_text("Đã mời Đỗ Thị Hương với vai trò Đại biểu.")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        invite(page, "Lê Anh Xuân", "Đại biểu")
    assert answer.value.status == 409
    expect(page.locator("[data-test=error]")).to_have_text("Lê Anh Xuân đã được mời dự cuộc họp này.")
    expect(page.locator("[data-test=participant]")).to_have_count(2)
    shoot(page, "04-participants")

    # --- publish ---------------------------------------------------------------------------------
    page.goto(meeting_url)
    page.locator("[data-test=move-publish]").click()
    expect(flash(page)).to_have_text("Cuộc họp đã chuyển sang trạng thái “đã phát hành”.")
    expect(page.locator("[data-test=meeting-status]")).to_have_text("đã phát hành")
    shoot(page, "05-meeting-secretariat")
    page.goto("/meetings/")
    expect(page.locator("[data-test=meeting-card]", has_text=TITLE)).to_be_visible()
    shoot(page, "06-my-meetings-secretariat")
    log_out(page)

    # --- the member finds the meeting, reads the agenda and replies ------------------------------------
    log_in(page, "tp.taichinh")
    expect(page.get_by_role("heading", name="Sắp diễn ra")).to_be_visible()
    card = page.locator("[data-test=meeting-card]", has_text=TITLE)
    expect(card).to_contain_text("Vai trò của tôi: Đại biểu")
    expect(card).to_contain_text("Chưa phản hồi")
    expect(card).to_contain_text("Phòng họp số 1, trụ sở UBND thành phố")
    expect(page.locator("[data-test=new-meeting]")).to_have_count(0)  # members do not create meetings
    shoot(page, "07-my-meetings-member")
    card.get_by_role("link", name=TITLE).click()

    expect(page.get_by_role("heading", name="Chương trình họp")).to_be_visible()
    agenda = page.locator("[data-test=agenda]")
    expect(agenda.locator("[data-test=agenda-item]")).to_have_count(4)
    expect(agenda.locator(".agenda__number")).to_have_text(["1", "2", "2.1", "3"])
    expect(agenda).to_contain_text(SUB_ITEM)
    expect(agenda).to_contain_text("Người trình bày: Nguyễn Văn Hùng")
    expect(agenda).to_contain_text("45 phút")
    expect(agenda.locator(".badge--confidential")).to_have_text("Mật")
    people = page.locator("[data-test=participants]")
    expect(people).to_contain_text("Chủ tọa")
    expect(people).to_contain_text("Đại biểu")
    expect(page.locator("[data-test=edit-agenda]")).to_have_count(0)  # nothing to edit for a member
    expect(page.locator("[data-test=move-publish]")).to_have_count(0)

    rsvp = page.locator("[data-test=rsvp]")
    expect(rsvp.get_by_role("heading", name="Phản hồi của tôi")).to_be_visible()
    rsvp.get_by_text("Tôi sẽ tham dự").click()
    rsvp.locator("[data-test=rsvp-submit]").click()
    expect(flash(page)).to_have_text("Đã ghi nhận phản hồi. Xin cảm ơn.")
    expect(page.locator("[data-test=my-rsvp]")).to_have_text("Tham dự")
    expect(page.locator("[data-test=rsvp-yes]")).to_be_checked()
    shoot(page, "08-meeting-member")

    # The same page in English, one tap away; then back to Vietnamese.
    page.get_by_role("button", name="EN").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Agenda")).to_be_visible()
    expect(page.locator("[data-test=my-rsvp]")).to_have_text("Attending")
    page.get_by_role("button", name="VI").click()
    expect(page.get_by_role("heading", name="Chương trình họp")).to_be_visible()

    # The calendar file carries the meeting.
    with page.expect_download() as download:
        page.locator("[data-test=ics]").click()
    from icalendar import Calendar
    with open(download.value.path(), "rb") as ics:
        event = Calendar.from_ical(ics.read()).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == TITLE
    assert str(event["LOCATION"]) == "Phòng họp số 1, trụ sở UBND thành phố"
    log_out(page)


def test_administrator_manages_accounts_and_bodies(page, shoot):
    log_in(page, "quantri")
    page.get_by_role("link", name="Người dùng").click()
    expect(page.get_by_role("heading", name="Người dùng")).to_be_visible()
    shoot(page, "09-admin-users")

    page.locator("[data-test=new-user]").click()
    page.fill("#username", "tp.noivu")
    page.fill("#full_name", "Nguyễn Hữu Quyết")
    page.fill("#position", "Trưởng phòng Nội vụ")
    page.fill("#password", "ngắn")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("[data-test=save-user]").click()
    assert answer.value.status == 422
    expect(page.locator(".field__error")).to_have_text("Mật khẩu phải có ít nhất 8 ký tự.")
    shoot(page, "10-admin-new-user-invalid")
    page.fill("#password", "mat-khau-dai-2026")
    page.locator("[data-test=save-user]").click()
    expect(flash(page)).to_have_text("Đã tạo tài khoản “tp.noivu”.")
    expect(page.locator("table")).to_contain_text("Nguyễn Hữu Quyết")

    page.get_by_role("link", name="Cơ quan").click()
    page.fill("#name", "Ủy ban nhân dân thành phố Thanh Hóa")
    page.fill("#short_name", "UBND TP")
    page.get_by_role("button", name="Tạo cơ quan").click()
    expect(flash(page)).to_have_text("Đã tạo cơ quan “Ủy ban nhân dân thành phố Thanh Hóa”.")
    value = page.locator("#user_id option", has_text="Nguyễn Hữu Quyết").get_attribute("value")
    page.select_option("#user_id", value)
    page.fill("#member-title", "Ủy viên")
    page.get_by_role("button", name="Thêm thành viên").click()
    expect(flash(page)).to_have_text("Đã thêm Nguyễn Hữu Quyết vào cơ quan.")
    expect(page.locator(".people")).to_contain_text("Ủy viên")
    shoot(page, "11-admin-body")
