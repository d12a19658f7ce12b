"""The tablet never misses a vote: the vote banner (static/js/live/vote-banner.js) on the pages a member
may be on during a live meeting, and what the pages show of the votes afterwards.

A member reads a proposal (page 2) when the chair opens a vote through the API: within a second the banner
is over the reader; the member votes from it without leaving the page and the ballot counts. A vote that
closes unvoted takes its banner away. The live page then lists every vote of the meeting, with results
(who did not vote, the approvals needed) and the prepared one; the closed meeting's page states the
attendance and every result. A guest never sees the banner; a member who has not checked in is told to,
checks in from the banner and votes.
"""
from __future__ import annotations

import time

import pytest

from .conftest import PASSWORD, api_client, expect, log_in, published_meeting
from .test_documents_reader import PROPOSAL, READY_MS, open_document

pytestmark = pytest.mark.e2e

TITLE = "Kỳ họp chuyên đề HĐND thành phố: đầu tư công năm 2027"
ITEMS = ["Tờ trình kế hoạch đầu tư công năm 2027", "Tờ trình điều chỉnh dự toán ngân sách"]
QUESTION = "Thông qua Tờ trình kế hoạch đầu tư công năm 2027"
SECOND = "Thông qua Tờ trình điều chỉnh dự toán ngân sách"
PREPARED = "Thông qua Nghị quyết về chương trình giám sát năm 2027"
EXTRA = {"tv.nguyenlan": ("Nguyễn Thị Lan", "member"), "khach.tranminh": ("Trần Văn Minh", "member")}


def _users(server):
    admin, _ = api_client(server, "quantri")
    for username, (full_name, role) in EXTRA.items():
        answer = admin.post(f"{server.url}/api/v1/users", json={
            "username": username, "full_name": full_name, "password": PASSWORD, "roles": [role]}, timeout=10)
        assert answer.status_code in (201, 409), answer.text


@pytest.fixture()
def meeting(live_server):
    """A live meeting: chair, two members (one never checks in), a guest; the proposal uploaded."""
    _users(live_server)
    meeting_id = published_meeting(live_server, TITLE, {"chutich": "chair", "tp.taichinh": "member",
                                                        "tv.nguyenlan": "member", "khach.tranminh": "guest"}, ITEMS)
    url = f"{live_server.url}/api/v1"
    secretariat, _ = api_client(live_server, "vanphong")
    with PROPOSAL.open("rb") as pdf:
        uploaded = secretariat.post(f"{url}/meetings/{meeting_id}/documents",
                                    files={"file": (PROPOSAL.name, pdf, "application/pdf")},
                                    data={"title": "Tờ trình đầu tư công", "access": "participants"}, timeout=60)
    assert uploaded.status_code == 201, uploaded.text
    secretariat.post(f"{url}/meetings/{meeting_id}/start", timeout=10).raise_for_status()
    return {"id": meeting_id, "document_id": uploaded.json()["id"], "url": url}


def _poll(chair, url, meeting_id, question, *, secret=False, open_it=True) -> int:
    created = chair.post(f"{url}/meetings/{meeting_id}/polls", json={"question": question, "secret": secret,
                                                                     "majority": "all"}, timeout=10)
    assert created.status_code == 201, created.text
    if open_it:
        chair.post(f"{url}/polls/{created.json()['id']}/open", timeout=10).raise_for_status()
    return created.json()["id"]


def test_a_member_reading_a_document_votes_from_the_banner(page, shoot, live_server, meeting):
    url, meeting_id = meeting["url"], meeting["id"]
    chair, _ = api_client(live_server, "chutich")
    member, member_user = api_client(live_server, "tp.taichinh")
    for session in (chair, member):
        session.post(f"{url}/meetings/{meeting_id}/checkin", json={}, timeout=10).raise_for_status()

    log_in(page, "tp.taichinh")
    open_document(page, meeting["document_id"], 2)
    viewer = page.locator("[data-viewer]")
    expect(viewer).to_have_attribute("data-live", "online", timeout=READY_MS)
    expect(page.locator("[data-test=page-input]")).to_have_value("2")
    page.evaluate("window.stillTheSamePage = true")
    banner = page.locator("[data-test=vote-banner-bar]")
    expect(banner).to_be_hidden()

    # The chair opens a vote: the banner is over the reader within a second.
    poll_id = _poll(chair, url, meeting_id, QUESTION)
    opened = time.monotonic()
    expect(banner).to_be_visible(timeout=1000)
    assert time.monotonic() - opened < 1.0
    expect(page.locator("[data-test=vote-banner-question]")).to_have_text(QUESTION)
    go = page.locator("[data-test=vote-banner-go]")
    expect(go).to_have_text("Biểu quyết ngay")
    expect(go).to_be_in_viewport()
    box = go.bounding_box()
    assert box["height"] >= 60 and box["width"] >= 200, box  # one big tap target
    shoot(page, "vote-banner-reader", settle_ms=800)

    # The member votes from it: the ballot opens over the page, the vote counts, the banner goes.
    go.tap()
    dialog = page.locator("[data-test=vote-dialog]")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(QUESTION)
    expect(dialog.locator("[data-test=banner-vote-option]")).to_have_count(3)
    shoot(page, "vote-banner-ballot", settle_ms=800)
    dialog.locator("[data-test=banner-vote-option][data-vote-option='Tán thành']").tap()
    expect(dialog.locator("[data-test=banner-voted]")).to_contain_text("Đã biểu quyết")
    expect(dialog.locator("[data-test=banner-voted-option]")).to_have_text("Bạn đã chọn: Tán thành")
    expect(banner).to_be_hidden()
    as_member = member.get(f"{url}/polls/{poll_id}", timeout=10).json()
    assert as_member["voted"] is True and as_member["cast"] == 1
    ballots = chair.get(f"{url}/meetings/{meeting_id}/polls", timeout=10).json()["items"]
    assert [p["cast"] for p in ballots if p["id"] == poll_id] == [1]

    # Back to the document: the same page, never reloaded.
    dialog.locator("[data-test=vote-dialog-close]").tap()
    expect(dialog).to_be_hidden()
    expect(page.locator("[data-test=page-input]")).to_have_value("2")
    assert page.url.endswith("#page=2")
    assert page.evaluate("window.stillTheSamePage === true")

    # A vote the member does not answer: its banner goes when the chair closes it.
    chair.post(f"{url}/polls/{poll_id}/close", timeout=10).raise_for_status()
    second = _poll(chair, url, meeting_id, SECOND)
    expect(page.locator("[data-test=vote-banner-question]")).to_have_text(SECOND, timeout=1000)
    chair.post(f"{url}/polls/{second}/close", timeout=10).raise_for_status()
    expect(banner).to_be_hidden()
    _poll(chair, url, meeting_id, PREPARED, open_it=False)

    # The live page lists every vote: both results (who did not vote, the approvals needed) and the prepared one.
    page.goto(f"/meetings/{meeting_id}/live")
    expect(page.locator("[data-live]")).to_have_attribute("data-state", "online")
    items = page.locator("[data-test=poll-list-item]")
    expect(items).to_have_count(3)
    expect(items.nth(0)).to_have_attribute("data-status", "closed")
    expect(items.nth(0)).to_contain_text(QUESTION)
    expect(items.nth(0).locator("[data-test=list-poll-passed]")).to_have_text("Không thông qua")  # 1 of 3 members
    expect(items.nth(0).locator("[data-test=list-result-row][data-option='Tán thành']")).to_have_attribute("data-count", "1")
    expect(items.nth(0).locator("[data-test=list-did-not-vote]")).to_have_attribute("data-count", "2")
    expect(items.nth(0).locator("[data-test=list-votes-needed]")).to_have_text("Cần 2 phiếu tán thành để thông qua")
    expect(items.nth(0).locator("[data-test=list-named-ballots]")).to_contain_text(member_user["full_name"])
    expect(items.nth(0).locator("[data-test=list-not-voted]")).to_contain_text("Nguyễn Thị Lan")
    # The voter checks their receipt against the codes published after the close.
    receipt = as_member.get("receipt")
    assert receipt
    expect(items.nth(0).locator("[data-test=receipt-check]")).to_contain_text(receipt)
    items.nth(0).locator("[data-test=check-receipt]").tap()
    answer = items.nth(0).locator("[data-test=receipt-answer]")
    expect(answer).to_have_attribute("data-counted", "true")
    expect(answer).to_contain_text("có trong danh sách 1 phiếu đã được kiểm")
    expect(items.nth(1)).to_have_attribute("data-status", "closed")
    expect(items.nth(1).locator("[data-test=receipt-check]")).to_have_count(0)  # no ballot, no receipt
    expect(items.nth(1).locator("[data-test=list-did-not-vote]")).to_have_attribute("data-count", "3")
    expect(items.nth(2)).to_have_attribute("data-status", "draft")
    expect(items.nth(2)).to_contain_text("Đã chuẩn bị")
    expect(page.locator("[data-test=vote-banner-bar]")).to_be_hidden()
    shoot(page, "vote-live-poll-list")

    # The meeting closes: its page states who attended and every result.
    secretariat, _ = api_client(live_server, "vanphong")
    secretariat.post(f"{url}/meetings/{meeting_id}/close", timeout=10).raise_for_status()
    page.goto(f"/meetings/{meeting_id}")
    record = page.locator("[data-test=record-attendance]")
    expect(record.locator("[data-test=attendance-group][data-attendance=room]")).to_have_attribute("data-count", "2")
    expect(record.locator("[data-test=attendance-group][data-attendance=unknown]")).to_contain_text("Nguyễn Thị Lan")
    polls = page.locator("[data-test=record-poll]")
    expect(polls).to_have_count(2)
    expect(polls.nth(0).locator("[data-test=record-row][data-option='Tán thành']")).to_have_attribute("data-count", "1")
    expect(polls.nth(0).locator("[data-test=record-did-not-vote]")).to_have_attribute("data-count", "2")
    shoot(page, "vote-closed-meeting-record")


def test_the_banner_is_for_voters_only_and_asks_to_check_in_first(browser, shoot, live_server, meeting):
    url, meeting_id = meeting["url"], meeting["id"]
    chair, _ = api_client(live_server, "chutich")
    other, _ = api_client(live_server, "tp.taichinh")
    for present in (chair, other):  # the quorum (2 of 3); tv.nguyenlan has not checked in
        present.post(f"{url}/meetings/{meeting_id}/checkin", json={}, timeout=10).raise_for_status()
    pages, contexts, errors = {}, [], []
    try:
        for username in ("khach.tranminh", "tv.nguyenlan"):
            context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True,
                                          base_url=live_server.url, locale="vi-VN")
            context.set_default_timeout(15_000)
            contexts.append(context)
            pages[username] = context.new_page()
            pages[username].on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            pages[username].on("pageerror", lambda error: errors.append(str(error)))
            log_in(pages[username], username)
            pages[username].goto(f"/meetings/{meeting_id}")
            # The meeting page's own connection has joined: the banner knows the meeting's state.
            expect(pages[username].locator("[data-test=vote-banner]")).to_have_attribute("data-meeting-status", "live")
        guest, member = pages["khach.tranminh"], pages["tv.nguyenlan"]
        page_banner = member.locator("[data-test=vote-banner-bar]")

        poll_id = _poll(chair, url, meeting_id, QUESTION)
        expect(page_banner).to_be_visible(timeout=1000)
        expect(member.locator("[data-test=vote-banner-go]")).to_have_text("Điểm danh để biểu quyết")
        expect(page_banner).to_contain_text("Bạn chưa điểm danh")
        shoot(member, "vote-banner-meeting-page-check-in")
        guest.wait_for_timeout(1000)
        expect(guest.locator("[data-test=vote-banner-bar]")).to_be_hidden()  # a guest cannot vote

        member.locator("[data-test=vote-banner-go]").tap()
        dialog = member.locator("[data-test=vote-dialog]")
        dialog.locator("[data-test=banner-checkin]").tap()
        dialog.locator("[data-test=banner-vote-option][data-vote-option='Không tán thành']").tap()
        expect(dialog.locator("[data-test=banner-voted]")).to_be_visible()
        expect(page_banner).to_be_hidden()
        member_api, _ = api_client(live_server, "tv.nguyenlan")
        assert member_api.get(f"{url}/polls/{poll_id}", timeout=10).json()["voted"] is True
        attendance = member_api.get(f"{url}/meetings/{meeting_id}/attendance", timeout=10).json()
        assert [p["attendance"] for p in attendance["items"] if p["full_name"] == "Nguyễn Thị Lan"] == ["room"]
        shoot(member, "vote-banner-meeting-page-voted")
    finally:
        for context in contexts:
            context.close()
    assert not errors, errors
