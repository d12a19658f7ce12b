"""Review 13b: one tablet, two council members. The first answers a consultation with no network and
leaves the tablet without logging out (her session runs out); the second logs in on it. What the first
queued offline must not be sent in the second's name, and her refusals must not be shown to him."""
from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

import pytest

from .conftest import SCREENSHOTS, api_client, expect, log_in

pytestmark = pytest.mark.e2e
EXPECTED_CONSOLE = re.compile(r"^Failed to load resource: (the server responded with a status of (401|403|409) "
                              r"|net::ERR_INTERNET_DISCONNECTED|net::ERR_FAILED)")
TITLE = "Xin ý kiến về phương án nhân sự Phòng Tài chính"


def _consultation(live_server, chair, member):
    office, _ = api_client(live_server, "vanphong")
    api = f"{live_server.url}/api/v1"
    made = office.post(f"{api}/consultations", timeout=10, json={
        "title": TITLE, "deadline": (datetime.now(timezone.utc) + timedelta(days=2)).isoformat(),
        "questions": [{"text": "Đồng ý phương án?", "kind": "choice"}],
        "chair_id": chair["id"], "member_ids": [member["id"]]})
    assert made.status_code == 201, made.text
    consultation = made.json()["id"]
    office.post(f"{api}/consultations/{consultation}/send", timeout=10).raise_for_status()
    return office, api, consultation


def _answer_offline_and_leave(tablet, consultation, choice):
    page = tablet()
    log_in(page, "tp.taichinh")
    page.goto(f"/consultations/{consultation}")
    page.context.set_offline(True)
    page.locator(f"[data-test=choice-{choice}]").first.check()
    page.locator("[data-test=submit-answer]").click()
    expect(page.locator("[data-test=answer-status]")).to_contain_text("Mất mạng")
    context = page.context
    page.close()
    context.clear_cookies()  # her session ran out (no logout: she handed the tablet over)
    return context


def test_an_answer_queued_offline_is_not_sent_in_the_next_users_name(live_server, tablet):
    chair, member = api_client(live_server, "chutich")[1], api_client(live_server, "tp.taichinh")[1]
    office, api, consultation = _consultation(live_server, chair, member)
    context = _answer_offline_and_leave(tablet, consultation, "disagree")
    context.set_offline(False)
    page = context.new_page()
    log_in(page, "chutich")  # the chair, on the same tablet
    page.goto("/inbox")
    expect(page.locator("[data-test=inbox-group]").first).to_be_visible()
    page.wait_for_timeout(2000)  # the outbox flushes on every page load; hers must stay put
    progress = office.get(f"{api}/consultations/{consultation}/progress", timeout=10).json()
    assert progress["answered"] == 0, progress
    # She comes back to the same tablet (her session over, the chair's too): her answer leaves, in her name.
    context.clear_cookies()
    log_in(page, "tp.taichinh")
    deadline = time.monotonic() + 30
    while office.get(f"{api}/consultations/{consultation}/progress", timeout=10).json()["answered"] == 0:
        assert time.monotonic() < deadline, "her kept answer was not sent in her own session"
        time.sleep(0.5)
    mine = api_client(live_server, "tp.taichinh")[0].get(f"{api}/consultations/{consultation}", timeout=10).json()
    assert "disagree" in str(mine), mine
    theirs = api_client(live_server, "chutich")[0].get(f"{api}/consultations/{consultation}", timeout=10).json()
    assert "disagree" not in str(theirs), theirs


def test_the_previous_users_refusal_is_not_shown_to_the_next(live_server, tablet):
    chair, member = api_client(live_server, "chutich")[1], api_client(live_server, "tp.taichinh")[1]
    office, api, consultation = _consultation(live_server, chair, member)
    context = _answer_offline_and_leave(tablet, consultation, "agree")
    office.post(f"{api}/consultations/{consultation}/close", timeout=10).raise_for_status()  # refused: 409
    context.set_offline(False)
    page = context.new_page()
    log_in(page, "chutich")
    page.goto("/inbox")
    expect(page.locator("[data-test=inbox-group]").first).to_be_visible()
    page.wait_for_timeout(2000)  # time for a flush that must not send nor show her refusal
    expect(page.locator("[data-test=refused-notice]")).to_be_hidden()


HOSTILE = 'Lấy ý kiến <img src=x onerror="window.__pwned=1"><b>đậm</b>'


@pytest.mark.parametrize("full", [False, True], ids=["markup", "storage-full"])
def test_a_title_with_markup_and_a_full_storage(live_server, tablet, full):
    chair, member = api_client(live_server, "chutich")[1], api_client(live_server, "tp.taichinh")[1]
    office, _ = api_client(live_server, "vanphong")
    api = f"{live_server.url}/api/v1"
    made = office.post(f"{api}/consultations", timeout=10, json={
        "title": HOSTILE, "deadline": (datetime.now(timezone.utc) + timedelta(days=2)).isoformat(),
        "questions": [{"text": "Đồng ý?", "kind": "choice"}], "chair_id": chair["id"], "member_ids": [member["id"]]})
    assert made.status_code == 201, made.text
    consultation = made.json()["id"]
    office.post(f"{api}/consultations/{consultation}/send", timeout=10).raise_for_status()
    page = tablet()
    log_in(page, "tp.taichinh")
    page.goto(f"/consultations/{consultation}")
    if full:
        page.evaluate("""() => { const chunk = "x".repeat(1 << 20); let i = 0;
            try { for (;;) localStorage.setItem("fill" + i++, chunk); } catch (e) {}
            try { for (let n = 1 << 19; n > 0; n >>= 1) { try { localStorage.setItem("f" + i++, "x".repeat(n)); } catch (e) {} } } catch (e) {} }""")
    page.context.set_offline(True)
    page.locator("[data-test=choice-agree]").first.check()
    page.locator("[data-test=submit-answer]").click()
    expect(page.locator("[data-test=answer-status]")).to_contain_text("Mất mạng")
    office.post(f"{api}/consultations/{consultation}/close", timeout=10).raise_for_status()
    page.context.set_offline(False)
    later = page.context.new_page()
    later.goto("/inbox")
    notice = later.locator("[data-test=refused-notice]")
    expect(later.locator("[data-test=inbox-group]").first).to_be_visible()
    if full:  # nowhere to remember the refusal: the page still works (the consultation page said it itself)
        later.wait_for_timeout(2000)
    else:
        expect(notice).to_contain_text("<b>đậm</b>")  # the title as text
        assert notice.locator("img").count() == 0
        later.screenshot(path=str(SCREENSHOTS / "refusal-markup-title.png"))
    assert later.evaluate("() => window.__pwned") is None
