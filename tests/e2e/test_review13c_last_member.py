"""Review 13c, on a tablet: in a consultation whose answers cannot change (the default), the last member's
answer draws the result up at once. What does she see — and can she still sign her answer form?"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ..servers import run_cabinet
from .conftest import LANDSCAPE, PORTRAIT, SCREENSHOTS, api_client, expect, log_in

pytestmark = pytest.mark.e2e
PASSPHRASE = "ky-phieu-tra-loi"


def _shoot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("768x1024", PORTRAIT), ("1024x768", LANDSCAPE)):
        page.set_viewport_size(size)
        page.wait_for_timeout(200)
        page.screenshot(path=str(SCREENSHOTS / f"review13c-{name}-{label}.png"), full_page=True)
    page.set_viewport_size(PORTRAIT)


def test_the_last_member_answers_on_the_tablet_and_looks_for_signing(browser, live_server):
    api = f"{live_server.url}/api/v1"
    office, _ = api_client(live_server, "vanphong")
    _member, member_user = api_client(live_server, "tp.taichinh")
    chair, chair_user = api_client(live_server, "chutich")
    deadline = (datetime.now(timezone.utc) + timedelta(days=2)).replace(microsecond=0)
    created = office.post(f"{api}/consultations", json={
        "title": "Dự thảo Nghị quyết về quy chế phối hợp giữa các ban của Hội đồng nhân dân",
        "deadline": deadline.isoformat(), "chair_id": chair_user["id"], "member_ids": [member_user["id"]],
        "questions": [{"text": "Đồng ý thông qua dự thảo Nghị quyết?", "kind": "choice"}]}, timeout=10)
    created.raise_for_status()
    data = created.json()
    cid, (first,) = data["id"], data["questions"]
    office.post(f"{api}/consultations/{cid}/send", timeout=10).raise_for_status()
    chair.put(f"{api}/consultations/{cid}/answers", timeout=10,
              json={"answers": [{"question_id": first["id"], "choice": "agree"}]}).raise_for_status()
    run_cabinet(live_server.env, "certs", "issue", "tp.taichinh", "--passphrase-file", "-", input=PASSPHRASE)

    context = browser.new_context(viewport=PORTRAIT, has_touch=True, base_url=live_server.url, locale="vi-VN",
                                  timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    log_in(page, "tp.taichinh")
    page.goto(f"/consultations/{cid}")
    _shoot(page, "before-answer")
    page.locator("input[value=agree]").first.check()
    page.locator("form button[type=submit], form button").filter(has_text="Gửi").first.click()
    expect(page.locator("[data-test=answered-at]")).to_be_visible(timeout=20_000)  # the page reloads once sent
    # her answer closed the consultation at once; she has a certificate: she may still sign it
    expect(page.locator("[data-test=answer-sign-form]")).to_be_visible()
    _shoot(page, "after-last-answer")
    context.close()
