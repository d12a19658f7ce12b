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
    if not (ROOT / "static" / "vendor" / "sortablejs" / "sortable.esm.js").exists():
        pytest.fail("static/vendor/ is empty: run `sh static/install-vendor.sh` (npm ci + copy) first")
    return playwright.sync_playwright


@pytest.fixture(scope="session")
def live_server(sync_playwright_factory, tmp_path_factory):
    """`cabinet init-db`, the test accounts, then `cabinet serve` on a free port until the session ends."""
    data_dir = tmp_path_factory.mktemp("e2e-data")
    env = cabinet_env(data_dir)
    run_cabinet(env, "init-db")
    for username, (full_name, position, role) in PEOPLE.items():
        run_cabinet(env, "create-user", username, "--password", PASSWORD, "--full-name", full_name,
                    "--position", position, "--role", role)
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

    def take(page, name: str) -> None:
        for label, size in (("768x1024", PORTRAIT), ("1024x768", LANDSCAPE)):
            page.set_viewport_size(size)
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
        page.set_viewport_size(PORTRAIT)

    return take
