"""Sign PDFs (PAdES, visible, always as an incremental update) and verify every signature in a PDF.

Pure functions over bytes with pyHanko: no Flask, no database. Who may sign and where keys live is
the business of `cabinet.services.certificates`; the caller runs these in a worker if the PDF is untrusted.

An incremental update appends to the file and never rewrites earlier bytes, so earlier signatures stay
valid and a PDF/A-3b document keeps its output intent; pyHanko only refreshes ModDate/Producer in both
the Info dictionary and the XMP packet (kept consistent, `pdfaid` untouched) and embeds the stamp font.
"""
from __future__ import annotations

import abc
import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from asn1crypto import keys as asn1_keys, pkcs12 as asn1_pkcs12, x509 as asn1_x509
from cryptography import x509 as pyca_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from .. import resources

log = logging.getLogger(__name__)

FONT_FILE = resources.static_dir() / "fonts" / "LiberationSerif-Regular.ttf"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class NotAPdf(ValueError):
    """The bytes are not a PDF pyHanko can read; `code` says why: not_a_pdf, damaged or encrypted."""

    def __init__(self, message: str, code: str = "not_a_pdf"):
        super().__init__(message)
        self.code = code


class Pkcs12Error(ValueError):
    """A PKCS#12 file that cannot be used for signing (not PKCS#12, or no key and certificate)."""


class WrongPassphrase(Pkcs12Error):
    """The passphrase does not open the PKCS#12 file."""


class SigningFailed(ValueError):
    """The PDF cannot take this signature (field name taken, page or box out of range, locked document)."""


class TimestampFailed(RuntimeError):
    """The time-stamping authority did not answer properly; nothing was signed, the caller may retry."""


class Signer(abc.ABC):
    """Something that can sign: local PKCS#12 today, a provider's remote-signing API later.

    A remote implementation returns a pyHanko `Signer` subclass whose `async_sign_raw` calls the
    provider (pyHanko asks for the certificate first, to build the signed attributes).
    """

    @property
    @abc.abstractmethod
    def certificate(self) -> asn1_x509.Certificate:
        """The signing certificate (asn1crypto, as pyHanko uses it)."""

    @property
    def subject_name(self) -> str:
        """The signer's common name, as shown on the stamp."""
        return common_name(self.certificate)

    @property
    def subject(self) -> str:
        """The certificate's whole subject, readable ("Common Name: …, User ID: …")."""
        return self.certificate.subject.human_friendly

    @abc.abstractmethod
    def pyhanko_signer(self):
        """A `pyhanko.sign.signers.Signer` ready to sign."""


class Pkcs12Signer(Signer):
    """A key and certificate from PKCS#12 bytes; raises WrongPassphrase or Pkcs12Error."""

    def __init__(self, p12_bytes: bytes, passphrase: str | bytes, *, other_certs=()):
        secret = passphrase.encode() if isinstance(passphrase, str) else passphrase
        try:
            asn1_pkcs12.Pfx.load(p12_bytes).native  # parses the structure, before any decryption
        except Exception as exc:
            raise Pkcs12Error("not a PKCS#12 file") from exc
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(p12_bytes, secret or None)
        except (ValueError, TypeError) as exc:
            raise WrongPassphrase("the passphrase does not open this PKCS#12 file") from exc
        if key is None or cert is None:
            raise Pkcs12Error("the PKCS#12 file holds no private key and certificate")
        spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        if key.public_key().public_bytes(*spki) != cert.public_key().public_bytes(*spki):
            raise Pkcs12Error("the private key does not belong to the certificate")
        self._cert = as_asn1_cert(cert)
        self._key = asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        self._chain = [as_asn1_cert(c) for c in list(extra) + list(other_certs)]
        self._signer = None

    @property
    def certificate(self) -> asn1_x509.Certificate:
        return self._cert

    def pyhanko_signer(self):
        from pyhanko_certvalidator.registry import SimpleCertificateStore
        from pyhanko.sign.signers import SimpleSigner
        if self._signer is None:
            self._signer = SimpleSigner(signing_cert=self._cert, signing_key=self._key,
                                        cert_registry=SimpleCertificateStore.from_certs(self._chain))
        return self._signer


def as_asn1_cert(cert) -> asn1_x509.Certificate:
    """An asn1crypto certificate (what pyHanko takes) from asn1crypto, pyca/cryptography or DER bytes."""
    if isinstance(cert, pyca_x509.Certificate):
        cert = cert.public_bytes(serialization.Encoding.DER)
    return cert if isinstance(cert, asn1_x509.Certificate) else asn1_x509.Certificate.load(bytes(cert))


def load_certificates(items, *, skip_unreadable: bool = False) -> list[asn1_x509.Certificate]:
    """Certificates from objects, DER/PEM bytes or files (str/Path; a PEM file may hold several)."""
    certs = []
    for item in items:
        try:
            data = Path(item).read_bytes() if isinstance(item, (str, os.PathLike)) else item
            if isinstance(data, (bytes, bytearray)) and b"-----BEGIN" in data:
                certs.extend(map(as_asn1_cert, pyca_x509.load_pem_x509_certificates(bytes(data))))
            else:
                certs.append(as_asn1_cert(data))
        except (ValueError, OSError) as exc:
            if not skip_unreadable:
                raise
            log.warning("skipping an unreadable certificate %s: %s", str(item)[:200], exc)
    return certs


def common_name(cert: asn1_x509.Certificate) -> str:
    """The subject's common name, or the whole subject when it has none."""
    names = cert.subject.native
    return names.get("common_name") or cert.subject.human_friendly


def local_time(moment: datetime) -> str:
    """A moment as Vietnamese people read it: 14:05:09 12/12/2026 (GMT+7)."""
    return moment.astimezone(LOCAL_TZ).strftime("%H:%M:%S %d/%m/%Y (GMT+7)")


def _stamp_font(text: str) -> bytes:
    """The stamp font cut down to `text`, rescaled to 1000 units per em, without hinting.

    pyHanko 0.38 writes /W widths in the font's own units, right only when unitsPerEm is 1000;
    Liberation's 2048 would spread glyphs 2x apart and break PDF/A's width check. Subsetting first
    makes the rescale cheap (~0.05 s instead of ~0.5 s).
    """
    from fontTools import subset, ttLib
    from fontTools.ttLib.scaleUpem import scale_upem
    font = ttLib.TTFont(str(FONT_FILE))
    options = subset.Options()
    options.hinting, options.layout_features, options.notdef_outline = False, ["*"], True
    options.drop_tables += ["FFTM"]  # a FontForge timestamp, which fontTools cannot subset
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    scale_upem(font, 1000)
    out = BytesIO()
    font.save(out)
    return out.getvalue()


def _stamp_style(text: str, font_size: int = 9):
    from pyhanko.pdf_utils.font.api import FontEngineFactory
    try:
        from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
    except ImportError as exc:  # pyHanko's "opentype" extra
        raise RuntimeError("visible signatures need uharfbuzz: pip install 'pyHanko[opentype]'") from exc
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    font_bytes = _stamp_font(text)

    class Factory(FontEngineFactory):
        def create_font_engine(self, writer, obj_stream=None):
            if obj_stream is None and writer.stream_xrefs:
                obj_stream = writer.prepare_object_stream()
            return GlyphAccumulator(writer=writer, font_handle=BytesIO(font_bytes), font_size=font_size,
                                    bcp47_lang_code="vi", obj_stream=obj_stream)

    # The engine's and the box's font sizes must agree, or every line after the first drifts right.
    box_style = TextBoxStyle(font=Factory(), font_size=font_size, leading=font_size + 3)
    return TextStampStyle(stamp_text="%(stamp)s", border_width=1, background=None, text_box_style=box_style)


def _open_writer(pdf_bytes: bytes):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    _check_header(pdf_bytes)
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=False)
    except Exception as exc:
        raise NotAPdf(f"unreadable PDF: {exc}", "damaged") from exc
    if writer.prev.encrypted:
        raise NotAPdf("the PDF is password-protected", "encrypted")
    return writer


def _align_producer(writer) -> None:
    """Keep Info /Producer equal to XMP pdf:Producer (PDF/A): pyHanko sets the XMP one to its name
    but appends its name to an existing Info one, unless that already is its name."""
    from pyhanko.pdf_utils.generic import TextStringObject
    from pyhanko.pdf_utils.metadata.model import VENDOR
    if "/Metadata" not in writer.root:
        return
    try:
        info_ref = writer.trailer.raw_get("/Info")
    except KeyError:
        return
    info = info_ref.get_object()
    if info.get("/Producer") != VENDOR:
        info["/Producer"] = TextStringObject(VENDOR)
        writer.mark_update(info_ref)


def sign_pdf(pdf_bytes: bytes, signer: Signer, *, field_name: str, page: int,
             box: tuple[float, float, float, float], reason: str, location: str, signer_label: str,
             tsa_url: str | None = None) -> bytes:
    """Add a visible PAdES signature in a new field, incrementally.

    Raises NotAPdf, SigningFailed (field taken, bad page or box), TimestampFailed (TSA down: retry).
    """
    from pyhanko.sign import fields, signers
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.timestamps import TimestampRequestError
    from pyhanko.pdf_utils.layout import LayoutError

    writer = _open_writer(pdf_bytes)
    _align_producer(writer)
    if any(name == field_name for name, _, _ in fields.enumerate_sig_fields(writer.prev)):
        raise SigningFailed(f"the PDF already has a signature field named {field_name!r}")
    pages = int(writer.prev.root["/Pages"]["/Count"])
    if not -pages <= page < pages:
        raise SigningFailed(f"page {page} is out of range (the PDF has {pages} pages)")
    x1, y1, x2, y2 = (float(v) for v in box)
    if x2 <= x1 or y2 <= y1:
        raise SigningFailed("the signature box must be given as x1, y1, x2, y2 with x1 < x2 and y1 < y2")

    meta = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None, location=location or None)
    timestamper = None
    if tsa_url:
        from pyhanko.sign.timestamps.requests_client import HTTPTimeStamper
        timestamper = HTTPTimeStamper(tsa_url, timeout=15)
    lines = [signer_label, f"Đã ký số bởi: {signer.subject_name}",
             f"Thời gian: {local_time(datetime.now(timezone.utc))}", f"Lý do: {reason}" if reason else ""]
    stamp = "\n".join(line for line in lines if line)
    pdf_signer = signers.PdfSigner(
        meta, signer.pyhanko_signer(), timestamper=timestamper, stamp_style=_stamp_style(stamp),
        new_field_spec=fields.SigFieldSpec(field_name, on_page=page, box=(x1, y1, x2, y2)))
    params = {"stamp": stamp}  # passed as a parameter, so a % in a name or label is harmless
    try:
        out = outside_event_loop(pdf_signer.sign_pdf, writer, appearance_text_params=params)
    except TimestampRequestError as exc:
        raise TimestampFailed(str(exc)) from exc
    except (SigningError, LayoutError) as exc:
        raise SigningFailed(str(exc)) from exc
    return out.getvalue()


def sign_file(job: dict) -> dict:
    """The PDF child's side of signing (worker.py), so pyHanko never runs on the server's event loop
    (0.2–0.3 s a signature, every tablet waiting): open the PKCS#12, sign `source` into `target`."""
    try:
        signer = Pkcs12Signer(Path(job["p12"]).read_bytes(), job["passphrase"])
    except WrongPassphrase:
        return {"refused": "wrong_passphrase"}
    try:
        signed = sign_pdf(Path(job["source"]).read_bytes(), signer, **job["placement"])
    except TimestampFailed as exc:
        return {"refused": "timestamp_failed", "detail": str(exc)}
    except (SigningFailed, NotAPdf) as exc:
        return {"refused": "signing_failed", "detail": str(exc)}
    Path(job["target"]).write_bytes(signed)
    return {"signed": True, "subject": signer.subject}


def outside_event_loop(function, *args, **kwargs):
    """pyHanko's synchronous calls run asyncio.run(), which refuses to start inside a running event loop
    (a caller that is itself asynchronous, Playwright's sync API in the same process): then the call
    goes to a short-lived thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def _check_header(pdf_bytes: bytes) -> None:
    if not isinstance(pdf_bytes, (bytes, bytearray)) or b"%PDF-" not in bytes(pdf_bytes[:1024]):
        raise NotAPdf("not a PDF file (no %PDF- header)")


def verify_pdf(pdf_bytes: bytes, trust_roots: list, *, other_certs=()) -> dict:
    """Check every signature in a PDF, offline, against `trust_roots` (certificates or PEM/DER files);
    raises NotAPdf."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko_certvalidator import ValidationContext

    _check_header(pdf_bytes)
    try:
        reader = PdfFileReader(BytesIO(bytes(pdf_bytes)), strict=False)
        if reader.encrypted:
            raise NotAPdf("the PDF is password-protected", "encrypted")
        embedded = list(reader.embedded_regular_signatures)
    except NotAPdf:
        raise
    except Exception as exc:
        raise NotAPdf(f"unreadable PDF: {exc}", "damaged") from exc

    roots = load_certificates(trust_roots, skip_unreadable=True)
    others = load_certificates(other_certs, skip_unreadable=True)
    # pyHanko wants nonRepudiation by default; many signing certificates carry digitalSignature only.
    usage = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"})  # either one will do
    reports = []
    for sig in embedded:
        # A fresh context per signature: the certificate cache of one must not vouch for another.
        context = ValidationContext(trust_roots=roots, other_certs=others, allow_fetching=False)
        try:
            status = outside_event_loop(validate_pdf_signature, sig, context, key_usage_settings=usage)
            reports.append(_report(sig, status))
        except Exception as exc:  # a malformed signature is reported as invalid, not as a crash
            log.info("signature %s could not be validated: %s", sig.field_name, exc)
            reports.append(_broken_report(sig, exc))
    return {"signed": bool(reports), "signatures": reports}


def _report(sig, status) -> dict:
    from pyhanko.sign.diff_analysis import ModificationLevel
    cert = status.signing_cert
    ts = status.timestamp_validity
    signed_at = ts.timestamp if ts is not None else status.signer_reported_dt
    level = status.modification_level
    modified_after = (level is None or level > ModificationLevel.FORM_FILLING or status.docmdp_ok is False)
    return {
        "field": sig.field_name,
        "signer": common_name(cert),
        "subject": cert.subject.human_friendly,
        "signed_at": signed_at.astimezone(timezone.utc).isoformat() if signed_at else None,
        "timestamped": ts is not None and ts.intact and ts.valid,
        "intact": bool(status.intact),
        "valid": bool(status.valid),
        "trusted": bool(status.trusted),
        "coverage": status.coverage.name.lower() if status.coverage else "unclear",
        "modified_after": bool(modified_after),
        "modification_level": level.name.lower() if level is not None else None,
        "reason": _sig_text(sig, "/Reason"),
        "location": _sig_text(sig, "/Location"),
        "summary": status.summary(),
        "changes": _changes(status, modified_after),
        "trust_root": _trust_root(status),
        "timestamp_authority": common_name(ts.signing_cert) if ts is not None and ts.signing_cert else None,
    }


def _changes(status, modified_after: bool) -> str:
    """What became of the document after this signature, as a code for people's words
    (cabinet/presentation/signatures.py): none, allowed (only later signatures, form filling or
    signature upkeep) or disallowed (the signed bytes or the pages changed)."""
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    if not status.intact or modified_after:
        return "disallowed"
    return "none" if status.coverage == SignatureCoverageLevel.ENTIRE_FILE else "allowed"


def _trust_root(status) -> str | None:
    """The name of the trusted root the signer's chain ends at, if it ends at one."""
    path = status.validation_path
    if not status.trusted or path is None:
        return None
    name = path.trust_anchor.authority.name
    return name.native.get("common_name") or name.human_friendly


def _broken_report(sig, exc) -> dict:
    return dict.fromkeys(("signer", "subject", "signed_at", "modification_level", "reason", "location",
                          "trust_root", "timestamp_authority")) | {
        "field": getattr(sig, "field_name", None), "timestamped": False, "intact": False, "valid": False,
        "trusted": False, "coverage": "unclear", "modified_after": True, "changes": "unknown",
        "summary": f"INVALID ({type(exc).__name__}: {exc})"}


def _sig_text(sig, key: str) -> str | None:
    try:
        value = sig.sig_object.get(key)
    except Exception:
        return None
    return str(value) if value is not None else None
