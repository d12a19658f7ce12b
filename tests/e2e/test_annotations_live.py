"""Annotations made elsewhere appear in an open document without a reload (static/js/viewer/live.js).

A member has the proposal open on a tablet. The chair shares a note on it: it appears, with the chair's
name. The member adds a note from another device (the API with the member's own token): it appears too.
The chair's private note never does. What the member drew on this tablet meanwhile stays.
"""
from __future__ import annotations

import pytest

from .conftest import api_client, expect, log_in, published_meeting
from .test_documents_reader import PROPOSAL, READY_MS, open_document, wait_saved

pytestmark = pytest.mark.e2e

TITLE = "Phiên họp giao ban tháng 12 của UBND thành phố"
SHARED_NOTE = "Đề nghị các đại biểu xem kỹ số liệu tại trang 1."
OWN_NOTE = "Ghi chú từ máy tính ở văn phòng."
PRIVATE_NOTE = "Ghi chú riêng của chủ tọa."
TABLET_NOTE = "Ghi chú viết trên máy tính bảng."


def _note(session, url, document_id, text, *, shared, rect=(100, 600, 130, 630)):
    answer = session.post(f"{url}/documents/{document_id}/annotations", json={
        "page": 1, "kind": "note", "rect": list(rect), "text": text, "shared": shared, "color": "#ffd400"},
        timeout=15)
    assert answer.status_code == 201, answer.text


def test_annotations_made_elsewhere_appear_in_the_open_document(page, shoot, live_server):
    url = f"{live_server.url}/api/v1"
    meeting_id = published_meeting(live_server, TITLE, {"chutich": "chair", "tp.taichinh": "member"},
                                   ["Báo cáo tình hình kinh tế - xã hội tháng 11"])
    secretariat, _ = api_client(live_server, "vanphong")
    with PROPOSAL.open("rb") as pdf:
        uploaded = secretariat.post(f"{url}/meetings/{meeting_id}/documents",
                                    files={"file": (PROPOSAL.name, pdf, "application/pdf")},
                                    data={"title": "Tờ trình đô thị thông minh", "access": "participants"},
                                    timeout=60)
    assert uploaded.status_code == 201, uploaded.text
    document_id = uploaded.json()["id"]
    chair, chair_user = api_client(live_server, "chutich")
    member_elsewhere, _ = api_client(live_server, "tp.taichinh")

    log_in(page, "tp.taichinh")
    open_document(page, document_id)
    viewer = page.locator("[data-viewer]")
    expect(viewer).to_have_attribute("data-live", "online", timeout=READY_MS)
    items = page.locator("[data-test=annotation-item]")
    expect(items).to_have_count(0)
    page.evaluate("window.stillTheSamePage = true")

    # A note drawn on this tablet, saved.
    page.locator("[data-test=tool-note]").click()
    box = page.locator("[data-test=pdf-page]").bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 3)
    page.locator("[data-test=note-text]").fill(TABLET_NOTE)
    page.locator("[data-test=note-save]").click()
    wait_saved(page)
    expect(items).to_have_count(1)

    _note(chair, url, document_id, SHARED_NOTE, shared=True)
    expect(items).to_have_count(2)
    expect(items.filter(has_text=SHARED_NOTE)).to_contain_text(chair_user["full_name"])

    _note(member_elsewhere, url, document_id, OWN_NOTE, shared=False, rect=(300, 500, 330, 530))
    expect(items).to_have_count(3)
    expect(items.filter(has_text=OWN_NOTE)).to_have_count(1)

    loads = viewer.get_attribute("data-annotation-loads")
    _note(chair, url, document_id, PRIVATE_NOTE, shared=False, rect=(400, 400, 430, 430))
    page.wait_for_timeout(1500)  # an event would have been handled by now
    assert viewer.get_attribute("data-annotation-loads") == loads, "a private note of someone else is no event here"
    expect(items).to_have_count(3)
    expect(items.filter(has_text=PRIVATE_NOTE)).to_have_count(0)
    expect(items.filter(has_text=TABLET_NOTE)).to_have_count(1)
    assert page.evaluate("window.stillTheSamePage === true")
    shoot(page, "viewer-annotations-from-elsewhere", settle_ms=800)
