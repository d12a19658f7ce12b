"""Comments on a draft (góp ý dự thảo), in a real browser, in Vietnamese.

The secretariat opens the proposal for comments; a member selects a passage on page 3, presses "Góp ý" and
sends a comment; the secretariat's table lists who, where and what, exports it as CSV (UTF-8 with BOM)
and PDF (landscape A4, read back with pypdf), and marks the comment accepted; the member's open page shows
"Đã tiếp thu" with the answer, without a reload.
"""
from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from .conftest import SCREENSHOTS, api_client, expect, log_in, published_meeting

pytestmark = pytest.mark.e2e

PROPOSAL = Path("/work/shared/samples/to-trinh-do-thi-thong-minh.pdf")
TITLE = "Phiên họp thẩm tra dự thảo Đề án thành phố thông minh"
PHRASE = "Thực hiện Nghị quyết"  # starts a line on page 3 of the proposal
COMMENT = "Đề nghị nêu rõ lộ trình và nguồn kinh phí thực hiện từng giai đoạn."
ANSWER = "Tiếp thu, bổ sung tại mục III của Đề án."
READY_MS = 20_000
SHOTS = Path("/work/shots/comments13")


def select_phrase(page, phrase: str) -> None:
    """Select `phrase` in the page's text layer, as a long press (or a mouse) would."""
    assert page.evaluate("""(phrase) => {
        const span = [...document.querySelectorAll(".pdf-page .textLayer span")]
            .find((s) => s.firstChild && s.firstChild.nodeType === Node.TEXT_NODE && s.textContent.includes(phrase));
        if (!span) return false;
        const at = span.textContent.indexOf(phrase);
        const range = document.createRange();
        range.setStart(span.firstChild, at);
        range.setEnd(span.firstChild, at + phrase.length);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        return true;
    }""", phrase), f"{phrase!r} is not on the page"


def keep(name: str) -> None:
    """Copy the pair of screenshots into the shots folder the task asks for."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label in ("768x1024", "1024x768"):
        shutil.copy(SCREENSHOTS / f"{name}-{label}.png", SHOTS / f"{name}-{label}.png")


def test_a_member_comments_on_page_3_and_sees_it_accepted(live_server, tablet, shoot, tmp_path):
    meeting_id = published_meeting(live_server, TITLE, {"tp.taichinh": "member", "chutich": "chair"},
                                   ["Đề án xây dựng đô thị thông minh"])
    secretariat, _ = api_client(live_server, "vanphong")
    api = f"{live_server.url}/api/v1"
    uploaded = secretariat.post(f"{api}/meetings/{meeting_id}/documents", data={"title": "Dự thảo Đề án đô thị thông minh",
                                                                                "access": "participants"},
                                files={"file": (PROPOSAL.name, PROPOSAL.read_bytes(), "application/pdf")}, timeout=60)
    uploaded.raise_for_status()
    document_id = uploaded.json()["id"]
    secretariat.put(f"{api}/documents/{document_id}/consultation", json={"drafting_unit": "Phòng Tư pháp"},
                    timeout=10).raise_for_status()

    # --- the member comments on a passage of page 3 -------------------------------------------------
    member = tablet()
    log_in(member, "tp.taichinh")
    member.goto(f"/documents/{document_id}#page=3")
    expect(member.locator("[data-viewer]")).to_have_attribute("data-state", "ready", timeout=READY_MS)
    expect(member.locator("[data-test=page-input]")).to_have_value("3")
    expect(member.locator(".pdf-page .textLayer span").first).to_be_attached(timeout=READY_MS)
    select_phrase(member, PHRASE)
    member.locator("[data-test=comment-button]").click()
    dialog = member.locator("[data-test=comment-dialog]")
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-test=comment-where]")).to_have_text(f"“{PHRASE}”")
    dialog.locator("[data-test=comment-text-input]").fill(COMMENT)
    shoot(member, "comments-01-reader-comment-box", settle_ms=600)
    keep("comments-01-reader-comment-box")
    dialog.locator("[data-test=comment-save]").click()
    item = member.locator("[data-test=comment-item]")
    expect(item).to_have_count(1)
    expect(item.locator("[data-test=comment-status]")).to_have_text("Chưa trả lời")
    expect(item.locator("[data-test=comment-text]")).to_have_text(COMMENT)
    expect(item.locator(".viewer-note__go")).to_have_text("Trang 3")
    shoot(member, "comments-02-member-own-comments", settle_ms=600)
    keep("comments-02-member-own-comments")

    # --- the secretariat's table: export, then mark it accepted ----------------------------------
    staff = tablet()
    log_in(staff, "vanphong")
    staff.goto(f"/documents/{document_id}/comments")
    row = staff.locator("[data-test=comment-row]")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(1)).to_contain_text("Đỗ Thị Hương")
    expect(row.locator("td").nth(2)).to_have_text("3")
    expect(row.locator("[data-test=comment-text]")).to_have_text(COMMENT)

    with staff.expect_download() as csv_download:
        staff.locator("[data-test=export-csv]").click()
    raw = Path(csv_download.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("STT,Người góp ý,Trang,Đoạn trích,Nội dung góp ý,Tiếp thu/giải trình")
    assert lines[1].startswith(f"1,Đỗ Thị Hương,3,{PHRASE},{COMMENT},Chưa trả lời")

    row.locator("[data-test=answer-status]").select_option("accepted")
    row.locator("[data-test=answer-response]").fill(ANSWER)
    row.locator("[data-test=answer-save]").click()
    expect(row.locator("[data-test=answer-state]")).to_have_text("Đã lưu")
    shoot(staff, "comments-03-secretariat-table")
    keep("comments-03-secretariat-table")

    with staff.expect_download() as pdf_download:
        staff.locator("[data-test=export-pdf]").click()
    pdf_path = Path(pdf_download.value.path())
    reader = PdfReader(io.BytesIO(pdf_path.read_bytes()))
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    for words in ("BẢNG TỔNG HỢP Ý KIẾN GÓP Ý", "Đỗ Thị Hương", "Phòng Tư pháp", PHRASE, "nguồn kinh phí",
                  "Tiếp thu", "bổ sung tại mục III"):
        assert words in text, words
    if shutil.which("pdftoppm"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf_path),
                        str(SHOTS / "comments-04-table-pdf")], check=True)

    # --- the member's open page hears the answer -----------------------------------------------------
    expect(item.locator("[data-test=comment-status]")).to_have_text("Đã tiếp thu", timeout=15_000)
    expect(item.locator("[data-test=comment-response]")).to_contain_text(ANSWER)
    expect(item.locator("[data-test=comment-delete]")).to_have_count(0)  # answered: no longer changed
    shoot(member, "comments-05-member-sees-accepted", settle_ms=600)
    keep("comments-05-member-sees-accepted")

    # --- the same table in English (Babel): the labels change, the record does not --------------------
    staff.locator("button.lang-switch__btn[lang=en]").first.click()
    expect(staff.get_by_role("heading", name="Comments on the draft")).to_be_visible()
    expect(staff.locator("[data-test=answer-status]")).to_have_value("accepted")
    shoot(staff, "comments-06-secretariat-table-en")
    keep("comments-06-secretariat-table-en")
