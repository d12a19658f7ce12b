"""Minutes: drafted from the record, edited in revisions, rendered as PDF/A-3b (read back with pypdf)."""
import io
import json
import subprocess
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from cabinet.extensions import db
from cabinet.services import minutes
from cabinet.services.errors import Conflict, Invalid, NotAllowed, NotFound

from ..minutes_helpers import held_session

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


@pytest.fixture()
def session(make):
    return held_session(make)


def test_draft_comes_from_the_record(session):
    record = minutes.generate_minutes(session["secretary"], session["meeting"])
    db.session.commit()
    content = record.current.content
    assert record.status == "draft" and record.current.number == 1
    data = content["record"]
    assert data["attendance"]["present"] == 5 and data["attendance"]["expected"] == 6
    absent = [p for p in data["attendance"]["people"] if p["attendance"] == "absent"]
    assert absent[0]["reason"] == "Đi công tác tại Hà Nội"
    first = data["items"][0]
    assert [s["kind"] for s in first["speakers"]] == ["question"]
    assert first["polls"][0]["counts"] == [4, 1, 0] and first["polls"][0]["passed"] is True  # 4 > 6/2
    assert sorted(b["option"] for b in first["polls"][0]["ballots"]) == ["Không tán thành"] + ["Tán thành"] * 4
    with pytest.raises(Conflict) as again:
        minutes.generate_minutes(session["secretariat"], session["meeting"])
    assert again.value.code == "minutes_exist"


def test_only_the_secretary_or_secretariat_drafts(session):
    with pytest.raises(NotAllowed):
        minutes.generate_minutes(session["members"][0], session["meeting"])


def test_edits_are_revisions_sanitised_and_guarded(session):
    record = minutes.generate_minutes(session["secretary"], session["meeting"])
    item = session["meeting"].items[0].id
    minutes.edit_minutes(session["secretary"], record, {
        "conclusions": {str(item): '<p onclick="x()">Thống nhất <strong>thông qua</strong>.</p><script>alert(1)</script>'},
        "number": "12/BB-HĐND"}, base_revision=1)
    db.session.commit()
    current = record.current
    assert current.number == 2 and current.content["number"] == "12/BB-HĐND"
    conclusion = current.content["items"][0]["conclusion"]
    assert conclusion == "<p>Thống nhất <strong>thông qua</strong>.</p>", "script and handlers are removed"
    assert "Thống nhất thông qua" in current.text
    with pytest.raises(Conflict) as stale:
        minutes.edit_minutes(session["secretariat"], record, {"location": "Hội trường A"}, base_revision=1)
    assert stale.value.code == "stale_revision"
    with pytest.raises(Invalid):
        minutes.edit_minutes(session["secretary"], record, {"conclusions": {"999999": "x"}})
    minutes.restore_revision(session["secretary"], record, 1)
    db.session.commit()
    assert record.current.number == 3 and record.current.content["number"] == record.revisions[0].content["number"]
    assert record.current.change == "Restored revision 1"
    with pytest.raises(NotFound):
        minutes.restore_revision(session["secretary"], record, 42)


def test_pdf_is_pdfa_with_vietnamese_text_and_the_record_attached(session, backend):
    record = minutes.generate_minutes(session["secretary"], session["meeting"])
    minutes.edit_minutes(session["secretary"], record, {"opening": "<p>Chủ tọa tuyên bố khai mạc kỳ họp.</p>"})
    db.session.commit()
    pdf, layout = minutes.render_pdf(record.current, draft=False)
    reader = PdfReader(io.BytesIO(pdf))
    text = unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))
    for words in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BIÊN BẢN",
                  "Kỳ họp thứ 12 HĐND thành phố khóa XXII", "Đi công tác tại Hà Nội", "Tán thành",
                  "Chủ tọa tuyên bố khai mạc kỳ họp.", "Trần Thị Thư Ký", "Nguyễn Văn Chủ Tọa"):
        assert words in text, words
    metadata = reader.xmp_metadata
    assert metadata is not None
    xmp = metadata.stream.get_data().decode()
    assert "<pdfaid:part>3</pdfaid:part>" in xmp.replace("pdfaid:part='3'", "<pdfaid:part>3</pdfaid:part>") \
        or 'pdfaid:part="3"' in xmp
    attached = reader.attachments
    assert "record.json" in attached
    embedded = json.loads(attached["record.json"][0])
    assert embedded["format"] == "cabinet.meeting-record/1"
    assert embedded["items"][0]["polls"][0]["counts"] == [4, 1, 0]
    fonts = {str(font) for page in reader.pages for font in
             (page["/Resources"].get("/Font") or {}).values()}
    assert fonts, "fonts are embedded"
    assert set(layout) == {"signature-secretary", "signature-chair"}
    page, x1, y1, x2, y2 = layout["signature-chair"]
    assert 0 <= page < len(reader.pages) and x2 - x1 > 150 and y2 - y1 > 50
    OUTPUT.mkdir(exist_ok=True)
    name = f"minutes-{backend}"
    (OUTPUT / f"{name}.pdf").write_bytes(pdf)
    # Page 1 as an image, to look at (test-output/minutes-*-page1.png): poppler, not our code, draws it.
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(OUTPUT / f"{name}.pdf"),
                    str(OUTPUT / f"{name}-page1")], check=True, timeout=60)
    assert (OUTPUT / f"{name}-page1.png").stat().st_size > 10_000


def test_page_numbers_start_on_page_two_and_drafts_say_so(session):
    meeting = session["meeting"]
    record = minutes.generate_minutes(session["secretary"], meeting)
    long_text = "".join(f"<p>Ý kiến thảo luận số {i}: đề nghị làm rõ nguồn vốn đầu tư công.</p>" for i in range(80))
    minutes.edit_minutes(session["secretary"], record, {"closing": long_text})
    db.session.commit()
    draft, _ = minutes.render_pdf(record.current, draft=True)
    assert "DỰ THẢO" in unicodedata.normalize("NFC", PdfReader(io.BytesIO(draft)).pages[0].extract_text())
    pdf, _ = minutes.render_pdf(record.current, draft=False)
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert "DỰ THẢO" not in unicodedata.normalize("NFC", pages[0].extract_text())
    assert len(pages) >= 3
    lines = [{line.strip() for line in page.extract_text().splitlines()} for page in pages]
    assert "2" in lines[1] and "3" in lines[2]
    assert "1" not in lines[0], "no number on the first page"


def test_the_issuing_body_breaks_after_its_kind():
    assert minutes.issuer_lines("ỦY BAN NHÂN DÂN THÀNH PHỐ THANH HÓA") == ["ỦY BAN NHÂN DÂN", "THÀNH PHỐ THANH HÓA"]
    assert minutes.issuer_lines("SỞ TÀI CHÍNH") == ["SỞ TÀI CHÍNH"]
