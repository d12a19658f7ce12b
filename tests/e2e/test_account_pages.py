"""Issue 13 (accounts) in a real browser against a real `cabinet serve` that sends e-mail to a real SMTP
server: a member who forgot the password asks on the login page, reads the mail in the Maildir, follows
the link, sets a new password and logs in with it; a member makes a private calendar link, a calendar
client fetches it (and gets 304 for its current copy), a new link ends the old address."""
from __future__ import annotations

import re
import time

import pytest
import requests

from ..mail_server import SmtpServer
from ..servers import Server, cabinet_env, run_cabinet
from .conftest import PASSWORD, PORTRAIT, expect

pytestmark = pytest.mark.e2e

NEW = "mat-khau-moi-2027"
# The reset link that was used already answers 410 on purpose.
EXPECTED_CONSOLE = re.compile(r"^Failed to load resource: the server responded with a status of (410|422) ")


@pytest.fixture(scope="module")
def mail_server(sync_playwright_factory, tmp_path_factory):
    """A `cabinet serve` with e-mail on (its sender sends the outbox every 15 s), its SMTP server, and a
    member with an address."""
    folder = tmp_path_factory.mktemp("e2e-mail")
    smtp = SmtpServer(folder).start()
    env = cabinet_env(folder / "data", CABINET_SMTP_URL=smtp.url)
    run_cabinet(env, "init-db")
    run_cabinet(env, "create-user", "quantri", "--password-file", "-", "--full-name", "Quản trị hệ thống",
                "--role", "admin", input=PASSWORD)
    server = Server(env, folder / "server.log").start(timeout=60)
    token = requests.post(f"{server.url}/api/v1/auth/token", json={"username": "quantri", "password": PASSWORD},
                          timeout=10).json()["token"]
    requests.post(f"{server.url}/api/v1/users", headers={"Authorization": f"Bearer {token}"}, timeout=10, json={
        "username": "tp.taichinh", "full_name": "Đỗ Thị Hương", "password": PASSWORD,
        "email": "huong@thanhhoa.gov.vn", "roles": ["member"]}).raise_for_status()
    server.smtp = smtp
    yield server
    server.stop()
    smtp.stop()


def _mail_within(smtp: SmtpServer, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if smtp.messages():
            return smtp.messages()[-1]
        time.sleep(0.5)
    raise AssertionError("no mail arrived")


def test_a_member_who_forgot_the_password_sets_a_new_one_from_the_mail(tablet, mail_server, shoot):
    page = tablet()
    page.goto(f"{mail_server.url}/login")
    shoot(page, "accounts13-login-with-forgot")
    page.get_by_role("link", name="Quên mật khẩu?").click()
    expect(page.get_by_role("heading", name="Quên mật khẩu?")).to_be_visible()
    shoot(page, "accounts13-forgot")
    page.fill("#identifier", "tp.taichinh")
    page.get_by_role("button", name="Gửi liên kết").click()
    expect(page.locator("[data-test=reset-sent]")).to_have_text(
        "Nếu tài khoản tồn tại và có địa chỉ e-mail, một liên kết đã được gửi.")
    shoot(page, "accounts13-forgot-sent")

    letter = _mail_within(mail_server.smtp, 40)
    assert letter["To"] == "huong@thanhhoa.gov.vn"
    link = re.search(r"http://localhost:5000(/password/reset/\S+)", letter.get_body(("plain",)).get_content())
    page.goto(mail_server.url + link.group(1))
    expect(page.get_by_role("heading", name="Đặt mật khẩu mới")).to_be_visible()
    shoot(page, "accounts13-reset")
    page.fill("#password", NEW)
    page.fill("#confirm", NEW)
    page.get_by_role("button", name="Lưu mật khẩu mới").click()
    expect(page.get_by_text("Mật khẩu đã được đặt lại. Hãy đăng nhập bằng mật khẩu mới.")).to_be_visible()
    shoot(page, "accounts13-login-after-reset")
    page.fill("#username", "tp.taichinh")
    page.fill("#password", NEW)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Cuộc họp của tôi")).to_be_visible()

    page.goto(mail_server.url + link.group(1))
    expect(page.locator("[data-test=reset-gone]")).to_have_text("Liên kết đã hết hạn hoặc đã được dùng.")
    shoot(page, "accounts13-reset-gone")


def test_a_member_subscribes_a_calendar_and_renews_the_link(browser, mail_server, shoot):
    context = browser.new_context(viewport=PORTRAIT, has_touch=True, base_url=mail_server.url, locale="vi-VN",
                                  timezone_id="Asia/Ho_Chi_Minh")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=mail_server.url)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/login")
    page.fill("#username", "quantri")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.locator("[data-test=my-account]").click()
    page.get_by_role("link", name="Liên kết lịch").click()
    expect(page.get_by_role("heading", name="Liên kết lịch của tôi")).to_be_visible()
    expect(page.locator("[data-test=calendar-state]")).to_have_text("Bạn chưa có liên kết lịch.")
    shoot(page, "accounts13-calendar-none")
    page.get_by_role("button", name="Tạo liên kết lịch").click()
    url = page.locator("[data-test=calendar-url]").input_value()
    assert re.fullmatch(re.escape(mail_server.url) + r"/calendar/[A-Za-z0-9_-]{43}\.ics", url)
    page.locator("[data-test=copy]").click()
    expect(page.locator("[data-test=copy]")).to_have_text("Đã sao chép")
    assert page.evaluate("navigator.clipboard.readText()") == url
    shoot(page, "accounts13-calendar-new")

    fetched = requests.get(url, timeout=10)  # what a calendar does: no cookie, the address is the credential
    assert fetched.status_code == 200 and fetched.headers["Content-Type"].startswith("text/calendar")
    assert fetched.text.startswith("BEGIN:VCALENDAR") and "X-WR-CALNAME:Cabinet — Quản trị hệ thống" in fetched.text
    again = requests.get(url, headers={"If-None-Match": fetched.headers["ETag"]}, timeout=10)
    assert again.status_code == 304 and again.content == b""

    page.goto("/account/calendar")
    expect(page.locator("[data-test=calendar-state]")).to_contain_text("Liên kết lịch đang bật")
    shoot(page, "accounts13-calendar-on")
    page.get_by_role("button", name="Tạo liên kết mới").click()
    renewed = page.locator("[data-test=calendar-url]").input_value()
    assert renewed != url
    assert requests.get(url, timeout=10).status_code == 404, "the old address ends at once"
    assert requests.get(renewed, timeout=10).status_code == 200
    page.goto("/account/calendar")
    page.get_by_role("button", name="Tắt").click()
    expect(page.locator("[data-test=calendar-state]")).to_have_text("Bạn chưa có liên kết lịch.")
    assert requests.get(renewed, timeout=10).status_code == 404
    page.get_by_role("button", name="EN").click()
    expect(page.get_by_role("heading", name="My calendar link")).to_be_visible()
    shoot(page, "accounts13-calendar-none-en")
    context.close()
    assert not errors, errors
