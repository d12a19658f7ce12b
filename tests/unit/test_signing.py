"""Signing the minutes: demo CA and certificate store, PAdES signatures as incremental updates, verification.

Every signature is checked twice: by pyHanko's own validator used directly (the independent reader)
and by our `verify_pdf` report.
"""
from __future__ import annotations

import datetime as dt
import re
import statistics
import time
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from fpdf import FPDF
from pyhanko.pdf_utils.generic import StreamObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pypdf import PdfReader
from pypdf.generic import ContentStream

from cabinet.cli import cli
from cabinet.pdf.sign import NotAPdf, SigningFailed, sign_pdf, verify_pdf
from cabinet.services import certificates
from cabinet.services.errors import BadInput, Conflict, Invalid, NotAllowed

from ..documents_helpers import SAMPLES
from ..pyhanko_helpers import validate_all

FONT = Path(__file__).resolve().parents[2] / "static" / "fonts" / "LiberationSerif-Regular.ttf"
NOW = dt.datetime.now(dt.timezone.utc)


@pytest.fixture()
def store(app, tmp_path, monkeypatch):
    """A data folder of its own: a fresh demo CA and certificate store for every test."""
    monkeypatch.setitem(app.config, "DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data" / "signing"


def minutes_pdf() -> bytes:
    """Two pages of Vietnamese minutes, uncompressed so a test can find and change the page text."""
    pdf = FPDF(unit="pt")
    pdf.set_compression(False)
    pdf.add_font("Liberation", "", str(FONT))
    pdf.set_font("Liberation", size=13)
    for text in ("BIÊN BẢN KỲ HỌP THỨ MƯỜI — Hội đồng nhân dân thành phố Thanh Hóa",
                 "Kỳ họp kết thúc lúc 11 giờ 30 cùng ngày. Chủ tọa và thư ký ký dưới đây."):
        pdf.add_page()
        pdf.multi_cell(0, 18, text)
    return bytes(pdf.output())


def sign_as(pdf: bytes, signer, field: str, box=(60, 80, 280, 160), label="THƯ KÝ") -> bytes:
    return sign_pdf(pdf, signer, field_name=field, page=1, box=box, reason=f"{label.capitalize()} kỳ họp",
                    location="Thanh Hóa", signer_label=label)


def independent(pdf: bytes, store: Path):
    """pyHanko's validator on its own, trusting the demo CA read straight from its file."""
    pem = (store / "ca" / "ca.pem").read_bytes()
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    root = asn1_x509.Certificate.load(der)
    return validate_all(pdf, [root])


def stamp_texts(pdf: bytes) -> list[str]:
    """The text of each signature widget's appearance, as a reader extracts it (its ActualText spans)."""
    reader = PdfReader(BytesIO(pdf))

    def walk(xobject) -> list[str]:
        operations = ContentStream(xobject, reader).operations
        found = [str(operands[1]["/ActualText"]) for operands, operator in operations
                 if operator == b"BDC" and len(operands) > 1 and "/ActualText" in operands[1]]
        for sub in (xobject.get("/Resources") or {}).get("/XObject", {}).values():
            found += walk(sub.get_object())
        return found

    return [" | ".join(walk(annot.get_object()["/AP"]["/N"].get_object()))
            for page in reader.pages for annot in page.get("/Annots") or []
            if annot.get_object().get("/FT") == "/Sig"]


def two_signers(make):
    secretary = make.user("secretariat", full_name="Lê Thị Thư Ký")
    chair = make.user("member", full_name="Nguyễn Văn Chủ Tọa")
    certificates.issue_demo_certificate(secretary, "mật-khẩu-thư-ký")
    certificates.issue_demo_certificate(chair, "mat-khau-chu-toa")
    return (certificates.load_signer(secretary, "mật-khẩu-thư-ký"),
            certificates.load_signer(chair, "mat-khau-chu-toa"))


def signed_twice(make) -> tuple[bytes, bytes, bytes]:
    first, second = two_signers(make)
    original = minutes_pdf()
    once = sign_as(original, first, "ThuKy")
    twice = sign_as(once, second, "ChuToa", box=(320, 80, 540, 160), label="CHỦ TỌA")
    return original, once, twice


def test_secretary_then_chair_both_valid(store, make):
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    original, once, twice = signed_twice(make)
    # Incremental updates: every earlier revision is a byte-for-byte prefix of the next.
    assert once.startswith(original) and twice.startswith(once)

    first, second = independent(twice, store)
    for status in (first, second):
        assert status.intact and status.valid and status.trusted and status.bottom_line
    assert first.signing_cert.subject.native["common_name"] == "Lê Thị Thư Ký"
    assert second.signing_cert.subject.native["common_name"] == "Nguyễn Văn Chủ Tọa"
    assert first.coverage == SignatureCoverageLevel.ENTIRE_REVISION
    assert first.modification_level <= ModificationLevel.FORM_FILLING and first.docmdp_ok
    assert second.coverage == SignatureCoverageLevel.ENTIRE_FILE

    report = verify_pdf(twice, certificates.trust_roots())
    after = dt.datetime.now(dt.timezone.utc)
    assert report["signed"] is True
    sig1, sig2 = report["signatures"]
    assert (sig1["field"], sig1["signer"], sig2["field"], sig2["signer"]) == (
        "ThuKy", "Lê Thị Thư Ký", "ChuToa", "Nguyễn Văn Chủ Tọa")
    for sig in (sig1, sig2):
        assert sig["intact"] and sig["valid"] and sig["trusted"] and not sig["modified_after"]
        signed_at = dt.datetime.fromisoformat(sig["signed_at"])
        assert signed_at.utcoffset() == dt.timedelta(0) and before <= signed_at <= after
    assert sig1["coverage"] == "entire_revision" and sig2["coverage"] == "entire_file"
    assert sig1["reason"] == "Thư ký kỳ họp" and sig1["location"] == "Thanh Hóa"
    assert "UID=" in sig1["subject"] or "User ID" in sig1["subject"]

    first_stamp, second_stamp = stamp_texts(twice)
    assert "Đã ký số bởi: Lê Thị Thư Ký" in first_stamp and "THƯ KÝ" in first_stamp
    assert "Đã ký số bởi: Nguyễn Văn Chủ Tọa" in second_stamp
    assert re.search(r"Thời gian: \d\d:\d\d:\d\d \d\d/\d\d/\d{4} \(GMT\+7\)", first_stamp)


def test_tampering_is_detected(store, make):
    _, _, twice = signed_twice(make)

    # 1. One byte of the page text changed inside the signed bytes.
    at = twice.index(b") Tj")
    flipped = bytearray(twice)
    flipped[at - 1] ^= 0x01
    assert not any(s.intact for s in independent(bytes(flipped), store))
    report = verify_pdf(bytes(flipped), certificates.trust_roots())
    assert [s["intact"] for s in report["signatures"]] == [False, False]

    # 2. A later incremental update that replaces the first page's text (not a signature).
    writer = IncrementalPdfFileWriter(BytesIO(twice))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Contents"] = writer.add_object(StreamObject(stream_data=b"BT /F1 14 Tf 50 700 Td (GIA MAO) Tj ET"))
    writer.update_container(page)
    forged = BytesIO()
    writer.write(forged)
    statuses = independent(forged.getvalue(), store)
    assert all(s.intact and s.modification_level == ModificationLevel.OTHER and not s.bottom_line
               for s in statuses)
    report = verify_pdf(forged.getvalue(), certificates.trust_roots())
    assert all(s["intact"] and s["modified_after"] for s in report["signatures"])
    assert all(s["coverage"] == "entire_revision" for s in report["signatures"])


def snapshot(folder: Path) -> dict:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".lock"}


def test_wrong_passphrase_is_refused_and_writes_nothing(store, make):
    user = make.user("member", full_name="Trần Thị Đại Biểu")
    with pytest.raises(Conflict) as missing:
        certificates.load_signer(user, "anything")
    assert missing.value.code == "no_certificate" and certificates.certificate_info(user) is None

    info = certificates.issue_demo_certificate(user, "đúng-rồi")
    assert (info["common_name"], info["source"], info["status"]) == ("Trần Thị Đại Biểu", "demo", "valid")
    before = snapshot(store)
    with pytest.raises(NotAllowed) as wrong:
        certificates.load_signer(user, "sai-rồi")
    assert wrong.value.code == "wrong_passphrase" and wrong.value.status == 403
    with pytest.raises(BadInput) as empty:
        certificates.load_signer(user, "")
    assert empty.value.code == "passphrase_required"

    other = make.user("member")
    p12 = (store / "users" / f"{user.id}.p12").read_bytes()
    with pytest.raises(NotAllowed) as upload:
        certificates.store_uploaded_certificate(other, p12, "sai-rồi")
    assert upload.value.code == "wrong_passphrase"
    with pytest.raises(Invalid) as garbage:
        certificates.store_uploaded_certificate(other, b"\x89PNG not a certificate", "x")
    assert garbage.value.code == "not_pkcs12"
    assert snapshot(store) == before and certificates.certificate_info(other) is None
    # The right passphrase still works, and the key file is private to the server's user.
    assert certificates.load_signer(user, "đúng-rồi").subject_name == "Trần Thị Đại Biểu"
    assert (store / "users" / f"{user.id}.p12").stat().st_mode & 0o077 == 0
    assert (store / "ca" / "ca-key.pem").stat().st_mode & 0o077 == 0
    assert b"ENCRYPTED" in (store / "ca" / "ca-key.pem").read_bytes()


def test_demo_ca_key_needs_the_secret_key(app, store, make, monkeypatch):
    certificates.issue_demo_certificate(make.user("member"), "pw")
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-secret")
    with pytest.raises(Conflict) as locked:
        certificates.issue_demo_certificate(make.user("member"), "pw")
    assert locked.value.code == "demo_ca_locked"


def test_expired_and_future_certificates_are_refused(store, make):
    user = make.user("member", full_name="Phạm Văn Hết Hạn")
    with pytest.raises(Invalid) as days:
        certificates.issue_demo_certificate(user, "pw", days=-1)
    assert days.value.code == "invalid_days"

    expired = certificates._make_demo_p12(user, b"pw", NOW - dt.timedelta(days=400),
                                          NOW - dt.timedelta(days=1))
    with pytest.raises(Conflict) as refused:
        certificates.store_uploaded_certificate(user, expired, "pw")
    assert refused.value.code == "certificate_expired" and certificates.certificate_info(user) is None

    # A certificate that expired while on file: shown as expired, refused for signing.
    certificates._store(user, expired, pkcs12.load_pkcs12(expired, b"pw").cert.certificate, "demo")
    assert certificates.certificate_info(user)["status"] == "expired"
    with pytest.raises(Conflict) as at_load:
        certificates.load_signer(user, "pw")
    assert at_load.value.code == "certificate_expired"

    future = certificates._make_demo_p12(user, b"pw", NOW + dt.timedelta(days=2), NOW + dt.timedelta(days=30))
    with pytest.raises(Conflict) as early:
        certificates.store_uploaded_certificate(user, future, "pw")
    assert early.value.code == "certificate_not_yet_valid"


def national_ca():
    """A CA that is not ours (as a Vietnamese public CA would be) and a PKCS#12 it issued."""
    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                          x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")])
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root = name("Root CA thử nghiệm")
    ca = (x509.CertificateBuilder().subject_name(root).issuer_name(root)
          .public_key(ca_key.public_key()).serial_number(1).not_valid_before(NOW - dt.timedelta(days=1))
          .not_valid_after(NOW + dt.timedelta(days=90))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(name("Hoàng Thị Ủy Viên")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(2).not_valid_before(NOW - dt.timedelta(days=1))
            .not_valid_after(NOW + dt.timedelta(days=30))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                           critical=True)
            .sign(ca_key, hashes.SHA256()))
    p12 = pkcs12.serialize_key_and_certificates(b"uv", key, cert, [ca],
                                                serialization.BestAvailableEncryption(b"ma-pin"))
    return ca, p12


def test_uploaded_certificate_is_trusted_once_its_root_is(store, make):
    user = make.user("member", full_name="Hoàng Thị Ủy Viên")
    ca, p12 = national_ca()
    info = certificates.store_uploaded_certificate(user, p12, "ma-pin")
    assert info["source"] == "uploaded" and info["common_name"] == "Hoàng Thị Ủy Viên"
    assert certificates.certificate_info(user)["sha256"] == info["sha256"]
    signed = sign_as(minutes_pdf(), certificates.load_signer(user, "ma-pin"), "UyVien", label="ỦY VIÊN")

    (sig,) = verify_pdf(signed, certificates.trust_roots())["signatures"]
    assert sig["intact"] and sig["valid"] and not sig["trusted"]
    (store / "trusted").mkdir(parents=True, exist_ok=True)
    (store / "trusted" / "national-root.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (sig,) = verify_pdf(signed, certificates.trust_roots())["signatures"]
    assert sig["trusted"] and sig["signer"] == "Hoàng Thị Ủy Viên"


def test_not_a_pdf_and_unsigned(store):
    for name, code in (("not-a-pdf.pdf", "not_a_pdf"), ("truncated.pdf", "damaged"),
                       ("empty.pdf", "not_a_pdf"), ("html-disguised.pdf", "not_a_pdf"),
                       ("encrypted-password.pdf", "encrypted")):
        with pytest.raises(NotAPdf) as refused:
            verify_pdf((SAMPLES / name).read_bytes(), [])
        assert refused.value.code == code, name
    assert issubclass(NotAPdf, ValueError)
    assert verify_pdf(minutes_pdf(), certificates.trust_roots()) == {"signed": False, "signatures": []}
    assert verify_pdf((SAMPLES / "to-trinh-do-thi-thong-minh.pdf").read_bytes(), [])["signed"] is False


def test_sign_refuses_bad_input_and_reused_field(store, make):
    signer, _ = two_signers(make)
    with pytest.raises(NotAPdf):
        sign_as((SAMPLES / "truncated.pdf").read_bytes(), signer, "X")
    once = sign_as(minutes_pdf(), signer, "ThuKy")
    with pytest.raises(SigningFailed):
        sign_as(once, signer, "ThuKy")
    with pytest.raises(SigningFailed):
        sign_pdf(once, signer, field_name="Y", page=5, box=(0, 0, 10, 10), reason="", location="",
                 signer_label="")


def test_pdfa_output_intent_and_metadata_survive(store, make):
    try:
        from weasyprint import HTML
    except (ImportError, OSError):
        pytest.skip("WeasyPrint is not installed")
    html = (f"<html lang='vi'><head><title>Biên bản kỳ họp</title><style>@font-face{{font-family:L;"
            f"src:url({FONT.as_uri()})}} body{{font-family:L}}</style></head>"
            "<body><h1>BIÊN BẢN</h1></body></html>")
    pdfa = HTML(string=html).write_pdf(pdf_variant="pdf/a-3b")
    first, second = two_signers(make)
    once = sign_pdf(pdfa, first, field_name="A", page=0, box=(60, 80, 280, 160), reason="Thư ký",
                    location="Thanh Hóa", signer_label="THƯ KÝ")
    twice = sign_pdf(once, second, field_name="B", page=0, box=(320, 80, 540, 160), reason="Chủ tọa",
                     location="Thanh Hóa", signer_label="CHỦ TỌA")
    reader = PdfReader(BytesIO(twice))
    root = reader.trailer["/Root"]
    assert "/OutputIntents" in root
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert re.search(r'pdfaid:part(="|>)3', xmp) and re.search(r'pdfaid:conformance(="|>)B', xmp)
    producer = re.search(r'pdf:Producer(?:="|>)([^"<]*)', xmp).group(1)
    assert reader.trailer["/Info"]["/Producer"] == producer  # PDF/A: Info and XMP agree
    fonts = [a.get_object()["/AP"]["/N"].get_object()["/Resources"]["/Font"]["/F1"]
             for a in reader.pages[0]["/Annots"]]
    assert all("/FontFile2" in f["/DescendantFonts"][0]["/FontDescriptor"] for f in fonts)  # embedded
    assert all(s["intact"] and s["trusted"] and not s["modified_after"]
               for s in verify_pdf(twice, certificates.trust_roots())["signatures"])


def test_one_signature_takes(store, make):
    signer, _ = two_signers(make)
    pdf = minutes_pdf()
    times = []
    for i in range(5):
        start = time.perf_counter()
        sign_as(pdf, signer, f"Sig{i}")
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    verify_pdf(sign_as(pdf, signer, "V"), certificates.trust_roots())
    print(f"\none PAdES signature (RSA-2048, visible stamp): median {statistics.median(times) * 1000:.0f} ms "
          f"of {len(times)} (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}); "
          f"sign + verify one: {(time.perf_counter() - start) * 1000:.0f} ms")


def test_cli_issue_show_import_verify(app, store, make, tmp_path):
    secretary = make.user("secretariat", username="thuky.cli", full_name="Lê Thị Thư Ký")
    cli_runner = app.test_cli_runner()

    issued = cli_runner.invoke(cli, ["certs", "issue", "thuky.cli", "--days", "30"], input="bí-mật\nbí-mật\n")
    assert issued.exit_code == 0, issued.output
    assert "bí-mật" not in issued.output  # typed at a hidden prompt, twice: it protects a new key
    assert cli_runner.invoke(cli, ["certs", "issue", "thuky.cli", "--passphrase", "bí-mật"]).exit_code == 2
    assert "Lê Thị Thư Ký" in issued.output and "valid" in issued.output
    shown = cli_runner.invoke(cli, ["certs", "show", "thuky.cli"])
    assert shown.exit_code == 0 and certificates.certificate_info(secretary)["sha256"] in shown.output
    assert cli_runner.invoke(cli, ["certs", "show", "nobody"]).exit_code != 0

    signed = tmp_path / "bien-ban.pdf"
    signed.write_bytes(sign_as(minutes_pdf(), certificates.load_signer(secretary, "bí-mật"), "ThuKy"))
    good = cli_runner.invoke(cli, ["verify", str(signed)])
    assert good.exit_code == 0, good.output
    assert "Lê Thị Thư Ký" in good.output and "Tài liệu còn nguyên vẹn, 1 chữ ký hợp lệ." in good.output
    as_json = cli_runner.invoke(cli, ["verify", "--json", str(signed)])
    assert as_json.exit_code == 0 and '"trusted": true' in as_json.output

    unsigned = tmp_path / "unsigned.pdf"
    unsigned.write_bytes(minutes_pdf())
    assert cli_runner.invoke(cli, ["verify", str(unsigned)]).exit_code == 1
    tampered = bytearray(signed.read_bytes())
    tampered[tampered.index(b") Tj") - 1] ^= 0x01
    signed.write_bytes(bytes(tampered))
    assert cli_runner.invoke(cli, ["verify", str(signed)]).exit_code == 1
    assert cli_runner.invoke(cli, ["verify", str(SAMPLES / "not-a-pdf.pdf")]).exit_code == 2

    member = make.user("member", username="uyvien.cli", full_name="Hoàng Thị Ủy Viên")
    _, p12 = national_ca()
    p12_file = tmp_path / "uv.p12"
    p12_file.write_bytes(p12)
    wrong = cli_runner.invoke(cli, ["certs", "import", "uyvien.cli", str(p12_file)], input="sai\n")
    assert wrong.exit_code != 0 and "wrong_passphrase" in wrong.output
    passphrase_file = tmp_path / "pin"
    passphrase_file.write_text("ma-pin\n")
    imported = cli_runner.invoke(cli, ["certs", "import", "uyvien.cli", str(p12_file),
                                       "--passphrase-file", str(passphrase_file)])
    assert imported.exit_code == 0, imported.output
    assert certificates.certificate_info(member)["source"] == "uploaded"
