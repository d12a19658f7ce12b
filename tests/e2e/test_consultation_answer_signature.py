"""A member signs their recorded answer on the consultation page, in Chromium against a real `cabinet
serve`: offline the button waits for the network (the server signs), online the passphrase signs it and
the page shows when and with which certificate, with the signed form; a member without a certificate is
told to ask an administrator; the secretariat's page marks who signed. Screenshots portrait and landscape:
test-output/screenshots/sign13-*.png (copied to /work/shots/sign13/)."""
from __future__ import annotations

import io
import re
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from pypdf import PdfReader

from ..servers import run_cabinet
from .conftest import LANDSCAPE, PORTRAIT, SCREENSHOTS, api_client, expect, log_in

pytestmark = pytest.mark.e2e

PASSPHRASE = "ky-phieu-tra-loi"
SHOTS_COPY = Path("/work/shots/sign13")
EXPECTED_CONSOLE = re.compile(r"^Failed to load resource: (the server responded with a status of (409|422) "
                              r"|net::ERR_INTERNET_DISCONNECTED)")


def _shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("768x1024", PORTRAIT), ("1024x768", LANDSCAPE)):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)
        path = SCREENSHOTS / f"sign13-{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        try:
            SHOTS_COPY.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, SHOTS_COPY / path.name)
        except OSError:
            pass  # the copy is for the reviewer's eyes only
    page.set_viewport_size(PORTRAIT)


def _tablet(browser, server):
    context = browser.new_context(viewport=PORTRAIT, has_touch=True, base_url=server.url, locale="vi-VN",
                                  timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and not EXPECTED_CONSOLE.match(m.text) else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


def test_a_member_signs_the_recorded_answer_on_the_page(browser, live_server):
    api = f"{live_server.url}/api/v1"
    office, _ = api_client(live_server, "vanphong")
    member, member_user = api_client(live_server, "tp.taichinh")
    chair, chair_user = api_client(live_server, "chutich")
    deadline = (datetime.now(timezone.utc) + timedelta(days=2)).replace(microsecond=0)
    created = office.post(f"{api}/consultations", json={
        "title": "Dự thảo Nghị quyết về chính sách hỗ trợ chuyển đổi số cấp phường năm 2027",
        "deadline": deadline.isoformat(), "chair_id": chair_user["id"], "member_ids": [member_user["id"]],
        "answers_changeable": True,  # else the second answer draws the result up at once
        "questions": [{"text": "Đồng ý thông qua dự thảo Nghị quyết?", "kind": "choice"},
                      {"text": "Góp ý về mức hỗ trợ cho từng phường", "kind": "text"}]}, timeout=10)
    created.raise_for_status()
    data = created.json()
    cid, (first, second) = data["id"], data["questions"]
    office.post(f"{api}/consultations/{cid}/send", timeout=10).raise_for_status()
    for session, choice, text in ((member, "other", "Đề nghị ưu tiên các phường ven biển, mức hỗ trợ 300 triệu đồng."),
                                  (chair, "agree", "Thống nhất với dự thảo.")):
        session.put(f"{api}/consultations/{cid}/answers", timeout=10, json={"answers": [
            {"question_id": first["id"], "choice": choice, "text": text if choice == "other" else ""},
            {"question_id": second["id"], "text": text}]}).raise_for_status()
    run_cabinet(live_server.env, "certs", "issue", "tp.taichinh", "--passphrase-file", "-", input=PASSPHRASE)

    context, page, errors = _tablet(browser, live_server)
    log_in(page, "tp.taichinh")
    page.goto(f"/consultations/{cid}")
    form = page.locator("[data-test=answer-sign-form]")
    expect(form.get_by_role("button", name="Ký số phiếu trả lời")).to_be_enabled()
    _shoot(page, "button")
    context.set_offline(True)
    expect(form.get_by_role("button", name="Ký số phiếu trả lời")).to_be_disabled()
    expect(form.locator("[data-answer-sign-offline]")).to_contain_text("Ký số cần có mạng")
    _shoot(page, "offline")
    context.set_offline(False)
    expect(form.get_by_role("button", name="Ký số phiếu trả lời")).to_be_enabled()
    page.fill("#answer-passphrase", PASSPHRASE)
    form.get_by_role("button", name="Ký số phiếu trả lời").click()
    signed = page.locator("[data-test=answer-signed]")
    expect(signed).to_contain_text("Đã ký số lúc", timeout=60_000)
    expect(signed).to_contain_text("chứng thư:")
    expect(page.locator("[data-test=answer-pdf]")).to_have_attribute("href", f"/consultations/{cid}/answer.pdf")
    _shoot(page, "signed")
    form_pdf = page.request.get(f"/consultations/{cid}/answer.pdf")
    assert form_pdf.ok and form_pdf.headers["content-type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(form_pdf.body())).pages).split())
    assert "PHIẾU LẤY Ý KIẾN" in text and "Đề nghị ưu tiên các phường ven biển" in text and "Đỗ Thị Hương" in text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "sign13-phieu-lay-y-kien.pdf").write_bytes(form_pdf.body())
    context.close()

    context, page, more = _tablet(browser, live_server)
    log_in(page, "chutich")
    page.goto(f"/consultations/{cid}")
    expect(page.locator("[data-test=no-certificate]")).to_contain_text("quản trị viên")
    expect(page.locator("[data-test=sign-answer]")).to_have_count(0)
    _shoot(page, "no-certificate")
    context.close()

    context, page, yet_more = _tablet(browser, live_server)
    log_in(page, "vanphong")
    page.goto(f"/consultations/{cid}")
    expect(page.locator("[data-test=signed-count]")).to_have_text("1 đã ký số")
    expect(page.locator("[data-test=signed-mark]")).to_have_count(1)
    _shoot(page, "office")
    context.close()
    assert not errors + more + yet_more, f"browser console errors: {errors + more + yet_more}"
