"""The verify page and `cabinet verify` in plain words: who signed and as what, when (Asia/Ho_Chi_Minh),
what changed afterwards, whether the certificate is trusted and where the time came from, under one
verdict line; never one of pyHanko's codes. Files: the minutes signed by the secretary then the chair,
the same file changed afterwards, a PDF signed with a certificate from a foreign CA, an unsigned PDF and
a file that is not a PDF."""
from __future__ import annotations

import datetime as dt
import html
import io
import re
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from pyhanko.pdf_utils.generic import StreamObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from cabinet.cli import cli
from cabinet.extensions import db
from cabinet.pdf.sign import sign_pdf
from cabinet.services import certificates, minutes, minutes_signing

from .. import factories
from ..documents_helpers import SAMPLES
from ..minutes_helpers import held_session
from ..pyhanko_helpers import foreign_signer, local_tsa

PASS = {"secretary": "thu-ky-ky-so-2026", "chair": "chu-toa-ky-so-2026"}
RAW_CODE = re.compile(r"[A-Z_]{6,}:|INTACT|UNTRUSTED|UNTOUCHED|EXTENDED|ACCEPTABLE_MODIFICATIONS|"
                      r"ILLEGAL_MODIFICATIONS|\b(disallowed|entire_revision|entire_file|form_filling)\b")
VN = ZoneInfo("Asia/Ho_Chi_Minh")
UNSIGNED = SAMPLES / "to-trinh-do-thi-thong-minh.pdf"


@pytest.fixture()
def signed(make):
    """The minutes of a held meeting, signed by the secretary, then the chair (tests/minutes_helpers.py)."""
    held = held_session(make)
    for role in ("secretary", "chair"):
        certificates.issue_demo_certificate(held[role], PASS[role])
    record = minutes.generate_minutes(held["secretary"], held["meeting"])
    db.session.commit()
    before = dt.datetime.now(dt.timezone.utc)
    for role in ("secretary", "chair"):
        minutes_signing.sign_minutes(held[role], record, PASS[role], confirm_empty=True)
        db.session.commit()
    after = dt.datetime.now(dt.timezone.utc)
    return {**held, "pdf": minutes_signing.signed_pdf(record), "between": (before, after)}


def changed_after_signing(pdf: bytes) -> bytes:
    """An incremental update that replaces the first page's text: not a signature, not form filling."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Contents"] = writer.add_object(StreamObject(stream_data=b"BT /F1 14 Tf 50 700 Td (GIA MAO) Tj ET"))
    writer.update_container(page)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def signed_by_a_stranger() -> bytes:
    return sign_pdf(UNSIGNED.read_bytes(), foreign_signer("Hoàng Thị Ủy Viên"), field_name="UyVien", page=1,
                    box=(60, 80, 280, 160), reason="Đồng ý nội dung tờ trình", location="Thanh Hóa",
                    signer_label="ỦY VIÊN")


def verify_page(app, person, data: bytes, name="bien-ban.pdf", lang=None):
    """(status, the page's text as a person reads it) after posting `data` on /verify."""
    client = app.test_client()
    factories.login(client, person)
    if lang:
        client.set_cookie("cabinet_lang", lang, domain="cabinet.test")
    token = factories.csrf_token(client, "/verify")
    answer = client.post("/verify", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                         content_type="multipart/form-data")
    page = answer.get_data(as_text=True)
    assert not RAW_CODE.search(page), RAW_CODE.search(page)
    return answer.status_code, _text(page)


def _text(page: str) -> str:
    """The page's words, tags dropped and spaces folded."""
    body = page[page.index("<main"):] if "<main" in page else page
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def _times(text: str) -> list[dt.datetime]:
    return [dt.datetime.strptime(f"{hm} {d}", "%H:%M %d/%m/%Y").replace(tzinfo=VN)
            for hm, d in re.findall(r"(\d\d:\d\d) ngày (\d\d/\d\d/\d{4})", text)]


def test_the_signed_minutes_read_as_intact_with_both_signers_and_roles(app, signed):
    status, text = verify_page(app, signed["members"][0], signed["pdf"])
    assert status == 200
    assert "Tài liệu còn nguyên vẹn, 2 chữ ký hợp lệ." in text
    secretary, chair = text.split("Trần Thị Thư Ký — Thư ký")[1].split("Nguyễn Văn Chủ Tọa — Chủ tọa")
    # The secretary's signature saw the chair's added after it; the chair's covers the whole file.
    assert "Thay đổi sau khi ký Sau đó chỉ có thêm chữ ký hoặc điền biểu mẫu — được phép." in secretary
    assert "Thay đổi sau khi ký Không có: tài liệu vẫn đúng như lúc ký." in chair
    for part in (secretary, chair):
        assert "Chứng thư số Dẫn tới chứng thư gốc tin cậy Cabinet Demo CA." in part
        assert "Nguồn thời gian Chỉ theo đồng hồ máy tính của chính người ký (không có dấu thời gian)" in part
        assert "Lý do" in part and "Nguyên vẹn" in part and "Được tin cậy" in part
    before, after = signed["between"]
    times = _times(text)
    assert len(times) == 2
    assert all(before.replace(second=0, microsecond=0) <= t <= after for t in times), (times, before, after)

    status, english = verify_page(app, signed["members"][0], signed["pdf"], lang="en")
    assert status == 200
    assert "The document is intact, 2 valid signatures." in english
    assert "Trần Thị Thư Ký — Secretary" in english and "Nguyễn Văn Chủ Tọa — Chair" in english
    assert "Only later signatures or form filling were added, which is allowed." in english
    assert "Chains to the trusted root Cabinet Demo CA." in english
    assert re.search(r"Signed at \d\d:\d\d on \d\d/\d\d/\d{4}", english)


def test_a_change_after_signing_names_the_signatures_it_breaks(app, signed):
    status, text = verify_page(app, signed["members"][0], changed_after_signing(signed["pdf"]))
    assert status == 200
    assert "Tài liệu đã bị sửa sau chữ ký của Trần Thị Thư Ký và Nguyễn Văn Chủ Tọa." in text
    assert text.count("Đã bị sửa sau chữ ký này theo cách không được phép.") == 2
    assert text.count("Bị thay đổi sau khi ký") == 2 and "Tài liệu còn nguyên vẹn" not in text

    # Bytes flipped inside what the chair signed: the chair's signature no longer matches the file.
    tampered = bytearray(signed["pdf"])
    tampered[tampered.rindex(b"/Producer") + 12] ^= 0x01
    status, text = verify_page(app, signed["members"][0], bytes(tampered))
    assert status == 200
    assert "Tài liệu đã bị sửa sau chữ ký của" in text and "Nguyễn Văn Chủ Tọa." in text
    assert "Đã bị sửa sau chữ ký này theo cách không được phép." in text


def test_a_foreign_certificate_is_named_as_untrusted(app, make):
    status, text = verify_page(app, make.user("member"), signed_by_a_stranger(), name="to-trinh.pdf")
    assert status == 200
    assert ("Tài liệu còn nguyên vẹn, nhưng chứng thư số của Hoàng Thị Ủy Viên không dẫn tới chứng thư gốc "
            "tin cậy nào.") in text
    assert "Chứng thư số Không dẫn tới chứng thư gốc nào mà hệ thống này tin cậy." in text
    assert "Chưa được tin cậy" in text and "Lý do Đồng ý nội dung tờ trình" in text
    assert "Hoàng Thị Ủy Viên —" not in text, "no role: these are not Cabinet's minutes"


def test_a_time_stamped_signature_names_its_authority(app, make):
    before = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0)
    with local_tsa("TSA thử nghiệm Thanh Hóa") as url:
        pdf = sign_pdf(UNSIGNED.read_bytes(), foreign_signer("Hoàng Thị Ủy Viên"), field_name="UyVien",
                       page=1, box=(60, 80, 280, 160), reason="", location="", signer_label="ỦY VIÊN", tsa_url=url)
    status, text = verify_page(app, make.user("member"), pdf)
    assert status == 200
    assert "Nguồn thời gian Tổ chức cấp dấu thời gian TSA thử nghiệm Thanh Hóa" in text
    assert "đồng hồ máy tính" not in text
    (when,) = _times(text)
    assert before <= when <= dt.datetime.now(dt.timezone.utc)


def test_an_unsigned_pdf_and_a_non_pdf(app, make):
    person = make.user("member")
    status, text = verify_page(app, person, (SAMPLES / "bao-cao-kinh-te-xa-hoi-2026.pdf").read_bytes())
    assert status == 200 and "Tệp PDF này không có chữ ký số." in text and "Người ký" not in text
    status, text = verify_page(app, person, (SAMPLES / "not-a-pdf.pdf").read_bytes(), name="x.pdf")
    assert status == 415
    assert "Tệp này không phải PDF. Chỉ có thể tải lên tài liệu PDF." in text and "Kết quả" not in text
    status, text = verify_page(app, person, b"", name="")
    assert status == 400 and "Hãy chọn một tệp PDF để kiểm tra." in text


def test_the_api_keeps_its_codes_and_adds_the_words(app, signed, api):
    changed = io.BytesIO(changed_after_signing(signed["pdf"]))
    answer = api.as_(signed["chair"]).post("/verify", data={"file": (changed, "x.pdf")},
                                           content_type="multipart/form-data")
    report = answer.get_json()
    assert answer.status_code == 200 and report["signed"] is True
    assert report["verdict"] == {
        "kind": "error", "text": "Tài liệu đã bị sửa sau chữ ký của Trần Thị Thư Ký và Nguyễn Văn Chủ Tọa."}
    first, second = report["signatures"]
    assert first["modified_after"] is True and first["changes"] == "disallowed" and "," in first["summary"]
    assert first["trust_root"] == "Cabinet Demo CA" and first["plain"]["role"] == "Thư ký"
    assert [f["key"] for f in second["plain"]["facts"]][:4] == ["when", "clock", "changes", "certificate"]


def test_cli_speaks_vietnamese_and_english_without_codes(app, signed, make, tmp_path):
    runner = app.test_cli_runner()
    files = {"signed": signed["pdf"], "changed": changed_after_signing(signed["pdf"]),
             "stranger": signed_by_a_stranger(),
             "unsigned": (SAMPLES / "bao-cao-kinh-te-xa-hoi-2026.pdf").read_bytes(),
             "not-pdf": (SAMPLES / "not-a-pdf.pdf").read_bytes()}
    results = {}
    for name, data in files.items():
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(data)
        results[name] = runner.invoke(cli, ["verify", str(path)])
        assert not RAW_CODE.search(results[name].output), (name, results[name].output)
    assert results["signed"].exit_code == 0
    output = results["signed"].output
    assert "Tài liệu còn nguyên vẹn, 2 chữ ký hợp lệ." in output
    assert "1. Trần Thị Thư Ký — Thư ký" in output and "2. Nguyễn Văn Chủ Tọa — Chủ tọa" in output
    assert re.search(r"Thời điểm ký: \d\d:\d\d ngày \d\d/\d\d/\d{4}", output)
    assert "Chứng thư số: Dẫn tới chứng thư gốc tin cậy Cabinet Demo CA." in output
    assert results["changed"].exit_code == 1
    assert ("Tài liệu đã bị sửa sau chữ ký của Trần Thị Thư Ký và Nguyễn Văn Chủ Tọa."
            in results["changed"].output)
    assert results["stranger"].exit_code == 1
    assert "không dẫn tới chứng thư gốc tin cậy" in results["stranger"].output
    assert results["unsigned"].exit_code == 1
    assert "Tệp PDF này không có chữ ký số." in results["unsigned"].output
    assert results["not-pdf"].exit_code == 2 and "Tệp này không phải PDF." in results["not-pdf"].output

    english = runner.invoke(cli, ["verify", "--lang", "en", str(tmp_path / "signed.pdf")])
    assert english.exit_code == 0 and not RAW_CODE.search(english.output)
    assert "The document is intact, 2 valid signatures." in english.output
    assert "1. Trần Thị Thư Ký — Secretary" in english.output
    assert re.search(r"Signed at: \d\d:\d\d on \d\d/\d\d/\d{4}", english.output)
    assert "Time from: Only the signer's own computer clock (no time-stamp)" in english.output
