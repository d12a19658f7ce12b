"""Browser tests: a real `cabinet serve` (eventlet) in a subprocess, driven by Debian's Chromium (Playwright).

Nothing is installed at run time: without /usr/bin/chromium (or Playwright) these tests are skipped.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ..servers import Server, cabinet_env, run_cabinet

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
PORTRAIT = {"width": 768, "height": 1024}
LANDSCAPE = {"width": 1024, "height": 768}
PASSWORD = "mat-khau-2026"
# Chromium logs every 4xx page as a console error; the tests provoke these two on purpose
# (a refused form is answered 422, a refused state change 409). Anything else fails the test.
EXPECTED_CONSOLE = re.compile(r"^Failed to load resource: the server responded with a status of (409|422) ")

# The people of the browser tests: a secretariat officer who prepares the meeting, a chair, a member.
PEOPLE = {
    "vanphong": ("Lê Thị Thu Hà", "Chánh Văn phòng UBND thành phố", "secretariat"),
    "chutich": ("Lê Anh Xuân", "Chủ tịch UBND thành phố", "member"),
    "tp.taichinh": ("Đỗ Thị Hương", "Trưởng phòng Tài chính - Kế hoạch", "member"),
    "quantri": ("Quản trị hệ thống", "", "admin"),
}


@pytest.fixture(scope="session")
def sync_playwright_factory():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: the browser tests need Debian's chromium package")
    playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    vendor = ROOT / "static" / "vendor"
    if not all((vendor / f).exists() for f in ("sortablejs/sortable.esm.js", "pdfjs/pdf.mjs", "pdfjs/pdf.worker.mjs")):
        pytest.fail("static/vendor/ is empty: run `sh static/install-vendor.sh` (npm ci + copy) first")
    return playwright.sync_playwright


@pytest.fixture(scope="session")
def live_server(sync_playwright_factory, tmp_path_factory):
    """`cabinet init-db`, the test accounts, then `cabinet serve` on a free port until the session ends."""
    data_dir = tmp_path_factory.mktemp("e2e-data")
    env = cabinet_env(data_dir)
    run_cabinet(env, "init-db")
    for username, (full_name, position, role) in PEOPLE.items():
        run_cabinet(env, "create-user", username, "--password-file", "-", "--full-name", full_name,
                    "--position", position, "--role", role, input=PASSWORD)
    server = Server(env, data_dir / "server.log").start(timeout=60)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser(sync_playwright_factory):
    with sync_playwright_factory() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser, live_server):
    """A tablet-sized page (768×1024, touch) that fails the test on any console error (CSP included)."""
    context = browser.new_context(viewport=PORTRAIT, has_touch=True, base_url=live_server.url,
                                  locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not EXPECTED_CONSOLE.match(message.text) else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()
    assert not errors, f"browser console errors: {errors}"


@pytest.fixture()
def shoot():
    """shoot(page, "name"): save the page at 768×1024 and 1024×768 under test-output/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, settle_ms: int = 0) -> None:
        """settle_ms: time for a page that lays itself out again on resize (the PDF viewer re-renders)."""
        for label, size in (("768x1024", PORTRAIT), ("1024x768", LANDSCAPE)):
            page.set_viewport_size(size)
            if settle_ms:
                page.wait_for_timeout(settle_ms)
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
        page.set_viewport_size(PORTRAIT)
        if settle_ms:
            page.wait_for_timeout(settle_ms)

    return take


# --- helpers for the document tests ----------------------------------------------------------------

def expect(locator):
    from playwright.sync_api import expect as playwright_expect
    return playwright_expect(locator)


@pytest.fixture()
def tablet(browser, live_server, request):
    """tablet() → a new page in its own context (768×1024, touch, Vietnamese) that accepts dialogs; any
    console error the test module does not expect (its EXPECTED_CONSOLE, else this file's) fails the test."""
    yield from tablets_on(browser, live_server, getattr(request.module, "EXPECTED_CONSOLE", EXPECTED_CONSOLE))


def tablets_on(browser, server, expected):
    """The tablet fixture's body for any server (a module with a server of its own yields from it)."""
    contexts, errors = [], []

    def open_tablet():
        context = browser.new_context(viewport=PORTRAIT, has_touch=True, base_url=server.url,
                                      locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: errors.append(message.text)
                if message.type == "error" and not expected.match(message.text) else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("dialog", lambda dialog: dialog.accept())
        return page

    yield open_tablet
    for context in contexts:
        context.close()
    assert not errors, f"browser console errors: {errors}"


def log_in(page, username: str) -> None:
    """Log in through the login page (Vietnamese) and land on "my meetings"."""
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Cuộc họp của tôi")).to_be_visible()


def log_out(page) -> None:
    page.locator("[data-test=logout]").click()
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()


def api_client(server, username: str):
    """A requests session with a Bearer token for `username`, and the user's JSON (to set things up fast)."""
    import requests

    session = requests.Session()
    answer = session.post(f"{server.url}/api/v1/auth/token", json={"username": username, "password": PASSWORD},
                          timeout=10)
    answer.raise_for_status()
    session.headers["Authorization"] = f"Bearer {answer.json()['token']}"
    return session, answer.json()["user"]


def published_meeting(server, title: str, members: dict[str, str], items: list[str]) -> int:
    """A meeting made by the secretariat through the API: agenda items, participants ({username: role}), published."""
    from datetime import datetime, timedelta, timezone

    secretariat, _ = api_client(server, "vanphong")
    api = f"{server.url}/api/v1"
    starts = (datetime.now(timezone.utc) + timedelta(days=10)).replace(microsecond=0)
    meeting = secretariat.post(f"{api}/meetings", json={"title": title, "starts_at": starts.isoformat(),
                                                         "location": "Phòng họp số 1"}, timeout=10)
    meeting.raise_for_status()
    meeting_id = meeting.json()["id"]
    for item in items:
        secretariat.post(f"{api}/meetings/{meeting_id}/agenda", json={"title": item}, timeout=10).raise_for_status()
    for username, role in members.items():
        user_id = api_client(server, username)[1]["id"]
        secretariat.post(f"{api}/meetings/{meeting_id}/participants", json={"user_id": user_id, "role": role},
                         timeout=10).raise_for_status()
    secretariat.post(f"{api}/meetings/{meeting_id}/publish", timeout=10).raise_for_status()
    return meeting_id
