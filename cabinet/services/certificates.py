"""Signing certificates: a local demo CA, each user's PKCS#12, the trust roots for verification.

Files only, no table, under DATA_DIR/signing/:
  ca/ca.pem, ca/ca-key.pem   the demo CA ("Cabinet Demo CA", EC P-256, 10 years), made on first use.
                              Its key is PEM encrypted with a key derived (HKDF-SHA256) from SECRET_KEY,
                              file mode 0600: a copy of the folder cannot issue without the secret key
                              (which lives in the data folder too unless CABINET_SECRET_KEY is set).
                              A changed SECRET_KEY locks it (Conflict demo_ca_locked).
  users/<id>.p12             the user's key + certificate (+ chain), encrypted under the user's
                              passphrase (never stored), mode 0600; <id>.pem and <id>.json beside it.
  trusted/*.pem|*.crt|*.cer  further roots a deployment trusts (e.g. the national root CA).
Demo certificates are for demos and tests; real ones are uploaded as PKCS#12 by an administrator.
A wrong passphrase is NotAllowed (403, code wrong_passphrase): the request is well formed, the
credential does not unlock the key. Callers should rate-limit attempts as they do for passwords.
"""
from __future__ import annotations

import base64
import datetime as dt
import fcntl
import json
import logging
import os
from contextlib import contextmanager
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..pdf.sign import Pkcs12Error, Pkcs12Signer, Signer, WrongPassphrase, load_certificates
from .errors import BadInput, Conflict, Invalid, NotAllowed

log = logging.getLogger(__name__)
CA_NAME = "Cabinet Demo CA"
CA_DAYS = 3650
MAX_DAYS = 3650
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # id-kp-documentSigning (RFC 9336)
CLOCK_SKEW = dt.timedelta(minutes=5)


def _root() -> Path:
    return Path(current_app.config["DATA_DIR"]) / "signing"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@contextmanager
def _locked():
    """One writer at a time across processes (first-use CA creation, replacing a user's files)."""
    root = _root()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write atomically (temp file + rename), so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _ca_key_password() -> bytes:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return base64.b64encode(HKDF(algorithm=hashes.SHA256(), length=32, salt=b"cabinet-signing",
                                 info=b"demo CA private key").derive(secret))


def _ca() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """The demo CA, created on first use; raises Conflict(demo_ca_locked) if SECRET_KEY changed."""
    folder = _root() / "ca"
    with _locked():
        if not (folder / "ca.pem").exists():
            _create_ca(folder)
    cert = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())
    try:
        key = serialization.load_pem_private_key((folder / "ca-key.pem").read_bytes(), _ca_key_password())
    except (ValueError, TypeError) as exc:
        raise Conflict(_l("The demo certificate authority cannot be opened: the secret key has changed."),
                       code="demo_ca_locked") from exc
    return cert, key


def _create_ca(folder: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Cabinet"),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")])
    now = _now()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - CLOCK_SKEW).not_valid_after(now + dt.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    encryption = serialization.BestAvailableEncryption(_ca_key_password())
    _write(folder / "ca-key.pem", key.private_bytes(serialization.Encoding.PEM,
                                                    serialization.PrivateFormat.PKCS8, encryption), 0o600)
    _write(folder / "ca.pem", cert.public_bytes(serialization.Encoding.PEM))
    log.info("created the demo CA in %s", folder)


def _user_files(user) -> tuple[Path, Path, Path]:
    folder = _root() / "users"
    return folder / f"{user.id}.p12", folder / f"{user.id}.pem", folder / f"{user.id}.json"


def _check_passphrase(passphrase) -> bytes:
    if not isinstance(passphrase, str) or not passphrase:
        raise BadInput(_l("Enter the passphrase of the signing certificate."), code="passphrase_required",
                       field="passphrase")
    return passphrase.encode()


def _check_validity(cert: x509.Certificate) -> None:
    now = _now()
    if cert.not_valid_after_utc <= now:
        raise Conflict(_l("The signing certificate expired on %(date)s.",
                          date=cert.not_valid_after_utc.strftime("%d/%m/%Y")), code="certificate_expired")
    if cert.not_valid_before_utc > now:
        raise Conflict(_l("The signing certificate is not valid before %(date)s.",
                          date=cert.not_valid_before_utc.strftime("%d/%m/%Y")),
                       code="certificate_not_yet_valid")


def _make_demo_p12(user, passphrase: bytes, not_before: dt.datetime, not_after: dt.datetime) -> bytes:
    """A PKCS#12 holding a new RSA-2048 key (like Vietnamese public CAs' tokens) certified by the demo CA."""
    ca_cert, ca_key = _ca()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, user.full_name),
                         x509.NameAttribute(NameOID.USER_ID, user.username),
                         x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_cert_sign=False,
                                         crl_sign=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False),
                           critical=True)
            .add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                           critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    return pkcs12.serialize_key_and_certificates(user.username.encode(), key, cert, [ca_cert],
                                                 serialization.BestAvailableEncryption(passphrase))


def _store(user, p12_bytes: bytes, cert: x509.Certificate, source: str) -> dict:
    p12_path, pem_path, json_path = _user_files(user)
    info = _describe(cert) | {"username": user.username, "source": source, "stored_at": _now().isoformat()}
    with _locked():
        _write(p12_path, p12_bytes, 0o600)
        _write(pem_path, cert.public_bytes(serialization.Encoding.PEM))
        _write(json_path, json.dumps(info, ensure_ascii=False, indent=2).encode())
    return _with_status(info)


def _describe(cert: x509.Certificate) -> dict:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return {"subject": cert.subject.rfc4514_string(), "common_name": names[0].value if names else "",
            "issuer": cert.issuer.rfc4514_string(), "serial": format(cert.serial_number, "x"),
            "not_before": cert.not_valid_before_utc.isoformat(),
            "not_after": cert.not_valid_after_utc.isoformat(),
            "sha256": cert.fingerprint(hashes.SHA256()).hex()}


def _with_status(info: dict) -> dict:
    now = _now()
    if dt.datetime.fromisoformat(info["not_after"]) <= now:
        status = "expired"
    elif dt.datetime.fromisoformat(info["not_before"]) > now:
        status = "not_yet_valid"
    else:
        status = "valid"
    return info | {"status": status}


def issue_demo_certificate(user, passphrase: str, days: int = 365) -> dict:
    """Issue `user` a demo-CA certificate stored under `passphrase` (replacing any on file);
    raises BadInput(passphrase_required), Invalid(invalid_days), Conflict(demo_ca_locked)."""
    secret = _check_passphrase(passphrase)
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise Invalid(_l("A certificate is valid for 1 to %(max)s days.", max=MAX_DAYS), code="invalid_days",
                      field="days")
    now = _now()
    p12_bytes = _make_demo_p12(user, secret, now - CLOCK_SKEW, now + dt.timedelta(days=days))
    return _store(user, p12_bytes, pkcs12.load_pkcs12(p12_bytes, secret).cert.certificate, "demo")


def _open_p12(p12_bytes: bytes, secret: bytes) -> Pkcs12Signer:
    try:
        return Pkcs12Signer(p12_bytes, secret)
    except WrongPassphrase as exc:
        raise wrong_passphrase() from exc
    except Pkcs12Error as exc:
        raise Invalid(_l("The file is not a PKCS#12 signing certificate with a private key."),
                      code="not_pkcs12", field="file") from exc


def store_uploaded_certificate(user, p12_bytes: bytes, passphrase: str) -> dict:
    """Keep an administrator's upload of `user`'s PKCS#12 (checked: opens, key + cert, in date);
    raises NotAllowed(wrong_passphrase), Invalid(not_pkcs12), Conflict(certificate_expired or
    certificate_not_yet_valid), BadInput(passphrase_required)."""
    secret = _check_passphrase(passphrase)
    signer = _open_p12(p12_bytes, secret)
    cert = x509.load_der_x509_certificate(signer.certificate.dump())
    _check_validity(cert)
    return _store(user, p12_bytes, cert, "uploaded")


def _stored_info(user) -> dict | None:
    p12_path, _, json_path = _user_files(user)
    if not (p12_path.exists() and json_path.exists()):
        return None
    info = json.loads(json_path.read_text(encoding="utf-8"))
    # Ids may be reused after a user is deleted (SQLite): a file left by someone else is not theirs.
    return info if info.get("username") == user.username else None


def certificate_info(user) -> dict | None:
    """What is on file for `user` (no passphrase needed), with status valid/expired/not_yet_valid."""
    info = _stored_info(user)
    return _with_status(info) if info else None


def load_signer(user, passphrase: str) -> Signer:
    """Open `user`'s certificate; raises Conflict(no_certificate, certificate_expired,
    certificate_not_yet_valid), NotAllowed(wrong_passphrase), BadInput(passphrase_required)."""
    return _open_p12(signing_file(user, passphrase).read_bytes(), passphrase.encode())


def signing_file(user, passphrase) -> Path:
    """`user`'s PKCS#12 file, once every check short of opening it holds (the PDF child opens it to sign,
    wrong_passphrase then); raises as load_signer does."""
    if _stored_info(user) is None:
        raise Conflict(_l("You have no signing certificate yet. Ask an administrator for one."),
                       code="no_certificate")
    _check_passphrase(passphrase)
    p12_path, pem_path, _ = _user_files(user)
    _check_validity(x509.load_pem_x509_certificate(pem_path.read_bytes()))
    return p12_path


def wrong_passphrase() -> NotAllowed:
    return NotAllowed(_l("The passphrase does not open this signing certificate."),
                      code="wrong_passphrase", field="passphrase")


def trust_root_files() -> list[Path]:
    """The files of the trusted roots: the demo CA (if made) and signing/trusted/*.pem|crt|cer."""
    ca_pem = _root() / "ca" / "ca.pem"
    trusted = sorted(path for path in (_root() / "trusted").glob("*")
                     if path.suffix.lower() in (".pem", ".crt", ".cer"))
    return ([ca_pem] if ca_pem.exists() else []) + trusted


def trust_roots() -> list:
    """The certificates in trust_root_files(), as pyHanko takes them (unreadable files are skipped)."""
    return load_certificates(trust_root_files(), skip_unreadable=True)
