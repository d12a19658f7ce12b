"""The verify page in a real browser (Chromium, portrait and landscape tablet): a PDF signed by a secretary
and then a chair reads as one verdict line and, per signature, who, as what, when, what changed after
and which root vouches for the certificate; a file that is not a PDF shows the server's message. The
script sends the file without leaving the page and swaps the server's answer in."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cabinet.pdf.sign import Pkcs12Signer, sign_pdf

from ..documents_helpers import SAMPLES
from ..servers import run_cabinet
from .conftest import PASSWORD, PORTRAIT, expect, log_in

pytestmark = pytest.mark.e2e

PASSPHRASE = "ky-so-kiem-tra-2026"
SIGNERS = {"secretary": ("thuky.kiemtra", "Trần Thị Thư Ký"),
           "chair": ("chutoa.kiemtra", "Nguyễn Văn Chủ Tọa")}
RAW_CODE = re.compile(r"[A-Z_]{6,}:|INTACT|UNTRUSTED|UNTOUCHED|EXTENDED|ACCEPTABLE_MODIFICATIONS")
# The one answer the test provokes on purpose: a file that is not a PDF (415).
EXPECTED = re.compile(r"^Failed to load resource: the server responded with a status of 415 ")


@pytest.fixture()
def page(browser, live_server):
    """A portrait tablet, Vietnamese, that fails the test on any console error but the 415 it asks for."""
    context = browser.new_context(viewport=PORTRAIT, has_touch=True, base_url=live_server.url, locale="vi-VN",
                                  timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not EXPECTED.match(message.text) else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"browser console errors: {errors}"


@pytest.fixture(scope="module")
def signed_twice(live_server, tmp_path_factory) -> Path:
    """A PDF signed in the minutes' two fields by two people holding the server's demo certificates."""
    users = Path(live_server.env["CABINET_DATA_DIR"]) / "signing" / "users"
    pdf = (SAMPLES / "to-trinh-do-thi-thong-minh.pdf").read_bytes()
    for n, (role, (username, full_name)) in enumerate(SIGNERS.items()):
        run_cabinet(live_server.env, "create-user", username, "--password-file", "-",
                    "--full-name", full_name, input=PASSWORD)
        run_cabinet(live_server.env, "certs", "issue", username, "--passphrase-file", "-", input=PASSPHRASE)
        info = next(p for p in users.glob("*.json") if json.loads(p.read_text())["username"] == username)
        signer = Pkcs12Signer(info.with_suffix(".p12").read_bytes(), PASSPHRASE)
        pdf = sign_pdf(pdf, signer, field_name=f"Signature_{role}", page=1,
                       box=(60 + 260 * n, 80, 300 + 260 * n, 160), reason="Ký xác nhận biên bản",
                       location="Thanh Hóa", signer_label=role.upper())
    path = tmp_path_factory.mktemp("verify") / "bien-ban-da-ky.pdf"
    path.write_bytes(pdf)
    return path


def test_the_verify_page_says_it_in_words(page, shoot, live_server, signed_twice, tmp_path):
    log_in(page, "tp.taichinh")
    page.goto("/verify")
    not_pdf = tmp_path / "ghi-chu.txt"
    not_pdf.write_text("không phải PDF")
    page.locator("[data-test=verify-file]").set_input_files(str(not_pdf))
    with page.expect_response(lambda r: r.url.endswith("/verify")) as answer:
        page.locator("[data-test=verify-submit]").click()
    assert answer.value.status == 415
    expect(page.locator("[data-test=verify-error]")).to_contain_text("Tệp này không phải PDF.")
    expect(page.locator("[data-test=verify-result]")).to_have_count(0)

    page.locator("[data-test=verify-file]").set_input_files(str(signed_twice))
    with page.expect_response(lambda r: r.url.endswith("/verify"), timeout=60_000) as answer:
        page.locator("[data-test=verify-submit]").click()
    assert answer.value.status == 200
    assert page.url.endswith("/verify")
    expect(page.locator("[data-test=verify-error]")).to_be_hidden()
    expect(page.locator("[data-test=verify-verdict]")).to_have_text(
        "Tài liệu còn nguyên vẹn, 2 chữ ký hợp lệ.")
    rows = page.locator("[data-test=verify-row]")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Trần Thị Thư Ký — Thư ký")
    expect(rows.nth(1)).to_contain_text("Nguyễn Văn Chủ Tọa — Chủ tọa")
    expect(rows.first.locator("[data-test=verify-fact-changes]")).to_contain_text(
        "Sau đó chỉ có thêm chữ ký hoặc điền biểu mẫu — được phép.")
    expect(rows.nth(1).locator("[data-test=verify-fact-certificate]")).to_contain_text(
        "Dẫn tới chứng thư gốc tin cậy Cabinet Demo CA.")
    expect(rows.first.locator("[data-test=verify-fact-when]")).to_contain_text(
        re.compile(r"\d\d:\d\d ngày \d\d/\d\d/\d{4}"))
    assert not RAW_CODE.search(page.locator("main").inner_text())
    shoot(page, "verify-two-signatures")
