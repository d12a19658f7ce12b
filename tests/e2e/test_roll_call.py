"""The chair's roll-call on the live page: someone who never checked in shows as not checked in (the
server's "unknown"), never as "in the room", and "Record" waits for an explicit choice, so that one stray
tap cannot record a wrong attendance.
"""
from __future__ import annotations

import pytest

from .conftest import api_client, expect, log_in, published_meeting

pytestmark = pytest.mark.e2e

TITLE = "Phiên họp thường kỳ UBND thành phố tháng 1"


def test_roll_call_shows_unknown_as_unknown_and_needs_a_choice(page, shoot, live_server):
    url = f"{live_server.url}/api/v1"
    meeting_id = published_meeting(live_server, TITLE, {"chutich": "chair", "tp.taichinh": "member"},
                                   ["Báo cáo tình hình kinh tế - xã hội tháng 12"])
    secretariat, _ = api_client(live_server, "vanphong")
    secretariat.post(f"{url}/meetings/{meeting_id}/start", timeout=10).raise_for_status()
    member, member_user = api_client(live_server, "tp.taichinh")

    log_in(page, "chutich")
    page.goto(f"/meetings/{meeting_id}/live")
    expect(page.locator("[data-live]")).to_have_attribute("data-state", "online")
    row = page.locator(f"[data-test=attendance-row][data-user-id='{member_user['id']}']")
    select = row.locator("[data-test=attendance-select]")
    record = row.locator("[data-test=record-attendance]")

    # Never checked in: shown as such, and nothing to record yet.
    expect(row).to_have_attribute("data-attendance", "none")
    expect(select).to_have_value("none")
    assert select.evaluate("s => s.selectedOptions[0].textContent") == "Chưa điểm danh"
    expect(record).to_be_disabled()
    shoot(page, "roll-call-unknown")

    # The chair chooses "absent", gives the reason and records it.
    select.select_option("absent")
    expect(record).to_be_enabled()
    row.locator("[data-attendance-reason]").fill("Đi công tác tại Hà Nội")
    record.click()
    expect(row).to_have_attribute("data-attendance", "absent")
    people = member.get(f"{url}/meetings/{meeting_id}/attendance", timeout=10).json()["items"]
    mine = next(p for p in people if p["user_id"] == member_user["id"])
    assert (mine["attendance"], mine["reason"]) == ("absent", "Đi công tác tại Hà Nội")
    expect(row.locator("[data-test=attendance-select]")).to_have_value("absent")
