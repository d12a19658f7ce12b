"""A change made offline that the server refuses when the network returns is told to the reader on whatever
page the tablet is on then, until they acknowledge it — not only on the page where it was made. The case:
a member answers a consultation with no network and closes the page; the secretariat closes the
consultation early; the network returns and the member opens "Việc cần làm": the answer is refused (409)
and the page says so, naming the answer and linking to the consultation."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from .conftest import api_client, expect, log_in

pytestmark = pytest.mark.e2e

# Offline on purpose: Chromium logs what it could not fetch then (ERR_FAILED: through the service worker); the
# refused answer is a 409.
EXPECTED_CONSOLE = re.compile(r"^Failed to load resource: (the server responded with a status of 409 "
                              r"|net::ERR_INTERNET_DISCONNECTED|net::ERR_FAILED)")
TITLE = "Xin ý kiến về chủ trương lắp đèn chiếu sáng tuyến đường Hạc Thành"


def test_an_offline_answer_refused_later_is_told_on_the_next_page_until_acknowledged(live_server, tablet, shoot):
    office, _ = api_client(live_server, "vanphong")
    api = f"{live_server.url}/api/v1"
    chair, member = api_client(live_server, "chutich")[1], api_client(live_server, "tp.taichinh")[1]
    made = office.post(f"{api}/consultations", timeout=10, json={
        "title": TITLE, "deadline": (datetime.now(timezone.utc) + timedelta(days=2)).isoformat(),
        "questions": [{"text": "Đồng ý chủ trương lắp đèn chiếu sáng?", "kind": "choice"}],
        "chair_id": chair["id"], "member_ids": [member["id"]]})
    assert made.status_code == 201, made.text
    consultation = made.json()["id"]
    office.post(f"{api}/consultations/{consultation}/send", timeout=10).raise_for_status()

    page = tablet()
    log_in(page, "tp.taichinh")
    page.goto(f"/consultations/{consultation}")
    page.context.set_offline(True)
    page.locator("[data-test=choice-agree]").first.check()
    page.locator("[data-test=submit-answer]").click()
    expect(page.locator("[data-test=answer-status]")).to_contain_text("Mất mạng")
    context = page.context
    page.close()  # the member leaves the page with the answer kept on the tablet

    office.post(f"{api}/consultations/{consultation}/close", timeout=10).raise_for_status()
    context.set_offline(False)
    later = context.new_page()
    later.goto("/inbox")
    notice = later.locator("[data-test=refused-notice]")
    expect(notice).to_be_visible(timeout=20_000)
    expect(notice).to_contain_text(f"Phiếu trả lời “{TITLE}”")
    expect(notice.get_by_role("link", name=f"Phiếu trả lời “{TITLE}”")).to_have_attribute(
        "href", f"/consultations/{consultation}")
    shoot(later, "refused-notice")
    later.reload()
    expect(later.locator("[data-test=refused-notice]")).to_be_visible()  # still there on the next page
    later.locator("[data-test=refused-dismiss]").click()
    expect(later.locator("[data-test=refused-notice]")).to_be_hidden()
    later.reload()
    expect(later.locator("[data-test=inbox-group]").first).to_be_visible()
    expect(later.locator("[data-test=refused-notice]")).to_be_hidden()
