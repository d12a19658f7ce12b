"""Reading and annotating documents on a tablet, in a real browser, in Vietnamese.

The secretariat uploads two PDFs through the upload page; a member opens the Vietnamese proposal and
highlights a phrase on page 2, opens the document with mixed page sizes and pins a note on its rotated
page (/Rotate 90), reloads and finds both, and downloads the annotated copies. pypdf then checks that
each annotation sits in the PDF exactly where the text it marks is: the highlight's /QuadPoints enclose
the phrase, the note's /Rect is the stored one, on the rotated page, inside the page.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from .conftest import expect, log_in, log_out, published_meeting

pytestmark = pytest.mark.e2e

SAMPLES = Path("/work/shared/samples")
PROPOSAL = SAMPLES / "to-trinh-do-thi-thong-minh.pdf"
ROTATED = SAMPLES / "mixed-sizes-rotated.pdf"
TITLE = "Phiên họp chuyên đề về Đề án thành phố thông minh"
PHRASE = "Thực hiện Nghị quyết"          # starts a line on page 2 of the proposal
ROTATED_LINE = "nhân dân thành phố xem xét"  # the first line of page 2 of the rotated document
READY_MS = 20_000  # the first page of a stamped copy, while the tablet also keeps the meeting for offline
NOTE = "Đề nghị bổ sung số liệu năm 2025 trước khi trình HĐND."


def text_origin(page, phrase: str) -> tuple[float, float]:
    """Where the first text run containing `phrase` starts on `page` (PDF user space, baseline)."""
    found = []

    def visit(text, cm, tm, font, size):
        if phrase in text and not found:
            x, y = tm[4], tm[5]
            found.append((x * cm[0] + y * cm[2] + cm[4], x * cm[1] + y * cm[3] + cm[5]))

    page.extract_text(visitor_text=visit)
    assert found, f"{phrase!r} is not on the page"
    return found[0]


def quad_boxes(quad_points) -> list[tuple[float, float, float, float]]:
    numbers = [float(n) for n in quad_points]
    boxes = []
    for i in range(0, len(numbers), 8):
        xs, ys = numbers[i:i + 8:2], numbers[i + 1:i + 8:2]
        boxes.append((min(xs), min(ys), max(xs), max(ys)))
    return boxes


def annots(page, subtypes: set[str]) -> list:
    return [a.get_object() for a in page.get("/Annots") or [] if a.get_object()["/Subtype"] in subtypes]


def char_centres(page, needle: str, length: int | None = None) -> dict:
    """Screen positions (client px) of the first and last characters of `needle` in the visible text layer."""
    return page.evaluate("""([needle, length]) => {
        const spans = [...document.querySelectorAll(".pdf-page .textLayer span")]
            .filter((s) => s.firstChild && s.firstChild.nodeType === Node.TEXT_NODE);
        const span = spans.find((s) => s.textContent.includes(needle));
        if (!span) return null;
        const node = span.firstChild;
        const at = span.textContent.indexOf(needle);
        const range = document.createRange();
        const centre = (i) => {
            range.setStart(node, i);
            range.setEnd(node, i + 1);
            const r = range.getBoundingClientRect();
            return [r.left + r.width / 2, r.top + r.height / 2];
        };
        return {first: centre(at), last: centre(at + (length ?? needle.length) - 1)};
    }""", [needle, length])


def open_document(page, document_id: int, page_number: int | None = None) -> None:
    page.goto(f"/documents/{document_id}" + (f"#page={page_number}" if page_number else ""))
    expect(page.locator("[data-viewer]")).to_have_attribute("data-state", "ready", timeout=READY_MS)
    expect(page.locator("[data-viewer]")).to_have_attribute("data-annotations", "loaded", timeout=READY_MS)


def wait_saved(page) -> None:
    expect(page.locator("[data-test=save-status]")).to_have_attribute("data-state", "saved")


def test_member_reads_and_annotates_on_a_tablet(page, shoot, live_server):
    assert PdfReader(ROTATED).pages[1].get("/Rotate") == 90  # the page the note goes on is rotated
    meeting_id = published_meeting(live_server, TITLE, {"chutich": "chair", "tp.taichinh": "member"},
                                   ["Đề án xây dựng thành phố thông minh"])

    # --- the secretariat uploads both PDFs through the upload page ----------------------------------
    log_in(page, "vanphong")
    page.goto(f"/meetings/{meeting_id}")
    page.locator("[data-test=upload-documents]").first.click()
    form = page.locator("#upload-form")
    expect(form).to_be_visible()
    form.locator("input[type=file][name=file]").set_input_files([str(PROPOSAL), str(ROTATED)])
    form.locator("select[name=access]").select_option("participants")
    form.locator("#upload-submit").click()
    expect(page.locator("progress.upload-progress").first).to_be_visible()
    done = page.locator("li.upload-done")
    expect(done).to_have_count(2, timeout=30_000)
    shoot(page, "20-upload-documents")
    ids = {}
    for item in done.all():
        name = item.locator(".upload-item__name").inner_text()
        href = item.locator('a[href^="/documents/"]').get_attribute("href")
        ids[name] = int(re.fullmatch(r"/documents/(\d+)", href).group(1))
    proposal_id, rotated_id = ids[PROPOSAL.name], ids[ROTATED.name]
    log_out(page)

    # --- a member opens the proposal from the meeting page and highlights a phrase on page 2 ----------
    log_in(page, "tp.taichinh")
    page.goto(f"/meetings/{meeting_id}")
    page.locator(f'a[href="/documents/{proposal_id}"]').first.click()
    viewer = page.locator("[data-viewer]")
    expect(viewer).to_have_attribute("data-state", "ready", timeout=READY_MS)
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("[data-test=back-to-meeting]")).to_contain_text("Quay lại cuộc họp")
    expect(page.locator("[data-test=document-version]")).to_have_text("Phiên bản 1")
    expect(page.locator("[data-test=page-input]")).to_have_value("1")
    shoot(page, "21-viewer-page-1", settle_ms=800)

    stage = page.locator("[data-test=stage]").bounding_box()
    page.touchscreen.tap(stage["x"] + stage["width"] - 20, stage["y"] + stage["height"] / 2)  # the right edge
    expect(page.locator("[data-test=page-input]")).to_have_value("2")
    expect(page.locator("[data-test=pdf-page]")).to_have_attribute("data-page-number", "2")

    page.locator("[data-test=tool-highlight]").click()
    expect(page.locator("[data-test=tool-hint]")).to_have_text("Kéo ngón tay qua đoạn văn bản để đánh dấu.")
    where = char_centres(page, PHRASE)
    assert where, "the phrase is not in the text layer of page 2"
    with page.expect_response(lambda r: r.url.endswith(f"/api/v1/documents/{proposal_id}/annotations")
                              and r.request.method == "POST") as answer:
        page.mouse.move(*where["first"])
        page.mouse.down()
        page.mouse.move(*where["last"], steps=12)
        page.mouse.up()
    assert answer.value.status == 201, answer.value.text()
    highlight = answer.value.json()
    assert highlight["kind"] == "highlight" and highlight["page"] == 2 and highlight["shared"] is False
    assert highlight["text"] == PHRASE
    assert len(highlight["quads"]) == 1  # one line
    wait_saved(page)
    expect(page.locator(".annot--highlight")).to_have_count(1)
    page.locator("[data-test=tool-read]").click()
    page.locator("[data-test=toggle-annotations]").click()
    expect(page.locator("[data-test=annotation-item]")).to_have_count(1)
    expect(page.locator("[data-test=annotation-item]")).to_contain_text("Đánh dấu · Trang 2")
    shoot(page, "22-viewer-highlight", settle_ms=800)

    # Search without diacritics finds the Vietnamese words; a result opens its page with the hit marked.
    expected = sum(len(re.findall(r"Nghị\s+quyết\s+Đại\s+hội", p.extract_text())) for p in PdfReader(PROPOSAL).pages)
    page.locator("[data-test=toggle-search]").click()
    page.locator("[data-test=search-input]").fill("nghi quyet dai hoi")
    page.locator("[data-test=search-input]").press("Enter")
    expect(page.locator("[data-test=search-count]")).to_have_text(re.compile(rf"^\d+ / {expected}$"))
    page.locator("[data-test=search-result]", has_text="Trang 3").first.click()
    expect(page.locator("[data-test=page-input]")).to_have_value("3")
    expect(page.locator(".search-hit--current")).to_have_count(1)
    shoot(page, "22b-viewer-search", settle_ms=800)
    page.locator("[data-action=close-search]").click()
    expect(page.locator(".search-hit")).to_have_count(0)

    # --- the rotated document: a note on page 2 (/Rotate 90) ----------------------------------------------
    page.locator("[data-test=back-to-meeting]").click()
    page.locator(f'a[href="/documents/{rotated_id}"]').first.click()
    expect(viewer).to_have_attribute("data-state", "ready", timeout=READY_MS)
    page.locator("[data-test=page-input]").fill("2")
    page.locator("[data-test=page-input]").press("Enter")
    expect(page.locator("[data-test=pdf-page]")).to_have_attribute("data-page-number", "2")
    expect(page.locator("[data-test=pdf-page]")).to_have_attribute("data-rotation", "90")

    page.locator("[data-test=tool-note]").click()
    target = char_centres(page, ROTATED_LINE, 1)
    assert target, "the first line of the rotated page is not in the text layer"
    page.touchscreen.tap(*target["first"])
    dialog = page.locator("[data-test=note-dialog]")
    expect(dialog).to_be_visible()
    dialog.locator("[data-test=note-text]").fill(NOTE)
    with page.expect_response(lambda r: r.url.endswith(f"/api/v1/documents/{rotated_id}/annotations")
                              and r.request.method == "POST") as answer:
        dialog.locator("[data-test=note-save]").click()
    assert answer.value.status == 201, answer.value.text()
    note = answer.value.json()
    assert note["kind"] == "note" and note["page"] == 2 and note["text"] == NOTE
    wait_saved(page)
    expect(page.locator("[data-test=note-marker]")).to_have_count(1)
    shoot(page, "23-viewer-note-rotated", settle_ms=800)

    # --- reload: both are still there ------------------------------------------------------------------
    page.reload()
    expect(viewer).to_have_attribute("data-state", "ready", timeout=READY_MS)
    expect(viewer).to_have_attribute("data-annotations", "loaded", timeout=READY_MS)
    expect(page.locator("[data-test=pdf-page]")).to_have_attribute("data-page-number", "2")
    expect(page.locator("[data-test=note-marker]")).to_have_count(1)
    page.locator("[data-test=toggle-annotations]").click()
    expect(page.locator("[data-test=annotation-text]")).to_have_text(NOTE)
    with page.expect_download() as download:
        page.locator("[data-test=download-annotated]").click()
    rotated_copy = PdfReader(download.value.path())

    open_document(page, proposal_id, 2)
    expect(page.locator(".annot--highlight")).to_have_count(1)
    shoot(page, "24-viewer-highlight-after-reload", settle_ms=800)
    with page.expect_download() as download:
        page.locator("[data-test=download-annotated]").click()
    proposal_copy = PdfReader(download.value.path())

    # --- the annotated copies: real PDF annotations, where the text is ------------------------------------
    page2 = proposal_copy.pages[1]
    marks = annots(page2, {"/Highlight"})
    assert len(marks) == 1, page2.get("/Annots")
    x, y = text_origin(page2, PHRASE)
    boxes = quad_boxes(marks[0]["/QuadPoints"])
    assert len(boxes) == 1
    x1, y1, x2, y2 = boxes[0]
    assert x1 - 1.5 <= x <= x1 + 4, (boxes, x)  # the highlight starts where the phrase starts …
    assert y1 < y < y2, (boxes, y)  # … on its line (the baseline is inside the quad)
    assert 80 < x2 - x1 < 200, boxes  # the phrase, not the whole line (≈ 440 pt)
    assert [round(v, 1) for v in boxes[0]] == [round(v, 1) for v in highlight["quads"][0]]
    assert not any(annots(p, {"/Highlight"}) for i, p in enumerate(proposal_copy.pages) if i != 1)

    rotated_page = rotated_copy.pages[1]
    assert rotated_page.get("/Rotate") == 90
    pins = annots(rotated_page, {"/Text", "/FreeText"})
    assert len(pins) == 1, rotated_page.get("/Annots")
    rect = [float(v) for v in pins[0]["/Rect"]]
    assert rect == pytest.approx(note["rect"], abs=0.05)
    mx1, my1, mx2, my2 = [float(v) for v in rotated_page.mediabox]
    assert mx1 <= rect[0] < rect[2] <= mx2 and my1 <= rect[1] < rect[3] <= my2
    ox, oy = text_origin(rotated_page, ROTATED_LINE)
    assert rect[0] - 3 <= ox <= rect[2] + 3 and rect[1] - 3 <= oy <= rect[3] + 3, (rect, ox, oy)  # where it was tapped
    assert not any(annots(p, {"/Text", "/FreeText"}) for i, p in enumerate(rotated_copy.pages) if i != 1)
