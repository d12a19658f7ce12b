"""Việc cần làm in a real browser at tablet size: the top bar's count changes live, on a page without a
meeting, when the secretariat uploads a document; the /inbox page lists it with the meeting, and the link
leads to the document."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ..documents_helpers import sample
from .conftest import LANDSCAPE, PORTRAIT, SCREENSHOTS, api_client, expect, log_in, published_meeting

pytestmark = pytest.mark.e2e
SLOW = 60_000  # the upload waits on the server's PDF check, on a busy two-core machine
SHOTS = Path("/work/shots/inbox13")
TITLE = "Tờ trình về Đề án đô thị thông minh giai đoạn 2026–2030"


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("768x1024", PORTRAIT), ("1024x768", LANDSCAPE)):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)
        path = SCREENSHOTS / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        if SHOTS.parent.exists():  # the workplace's folder for screenshots, where there is one
            SHOTS.mkdir(exist_ok=True)
            shutil.copy(path, SHOTS / path.name)
    page.set_viewport_size(PORTRAIT)


def test_the_badge_counts_up_live_when_a_document_is_uploaded(tablet, live_server):
    meeting_id = published_meeting(live_server, "Phiên họp UBND thành phố tháng 12/2026",
                                   {"tp.taichinh": "member", "chutich": "chair"},
                                   ["Đề án đô thị thông minh", "Kế hoạch đầu tư công năm 2027"])
    page = tablet()
    log_in(page, "tp.taichinh")
    badge = page.locator("[data-test=inbox-count]")
    expect(badge).to_be_visible()  # at least the invitation of the meeting just published
    before = int(badge.inner_text())
    page.wait_for_function("() => document.querySelector('[data-inbox-count]').dataset.updated")  # socket up
    shoot(page, "inbox-badge")

    secretariat, _ = api_client(live_server, "vanphong")
    answer = secretariat.post(f"{live_server.url}/api/v1/meetings/{meeting_id}/documents", timeout=SLOW / 1000,
                              files={"file": ("to-trinh.pdf", sample("to-trinh-do-thi-thong-minh.pdf"),
                                              "application/pdf")}, data={"title": TITLE})
    assert answer.status_code == 201, answer.text
    expect(badge).to_have_text(str(before + 1), timeout=SLOW)  # no reload: pushed over the socket
    expect(badge).to_have_attribute("aria-label", f"{before + 1} việc đang chờ")

    page.locator("[data-test=inbox-link]").click()
    expect(page.get_by_role("heading", name="Việc cần làm")).to_be_visible()
    documents = page.locator("[data-source=documents] [data-test=inbox-entry]", has_text=TITLE)
    expect(documents).to_have_count(1)
    expect(documents).to_contain_text("Phiên họp UBND thành phố tháng 12/2026")
    expect(documents).to_contain_text("Mới")
    expect(page.locator("[data-source=invitations] [data-test=inbox-entry]",
                        has_text="Phiên họp UBND thành phố tháng 12/2026")).to_have_count(1)
    shoot(page, "inbox-page")
    documents.locator("a").click()
    expect(page).to_have_url(f"{live_server.url}/documents/{answer.json()['id']}")
