"""An administrator stores a signer's PKCS#12 from the account page; bad files and wrong passphrases are
refused with a message and nothing stored; the upload is on the audit log."""
import datetime
import io

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from cabinet.extensions import db
from cabinet.models import AuditEntry
from cabinet.services import certificates

from ..factories import csrf_token, login


def _p12(common_name: str, passphrase: str) -> bytes:
    """A PKCS#12 as a certification authority hands it over: key and certificate, under a passphrase."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), True)
            .sign(key, hashes.SHA256()))
    return pkcs12.serialize_key_and_certificates(b"signer", key, cert, None,
                                                 serialization.BestAvailableEncryption(passphrase.encode()))


def test_admin_uploads_a_signers_certificate(app, client, make):
    admin = make.user("admin")
    chair = make.user("member", full_name="Nguyễn Văn Chủ Tọa")
    data = _p12("Nguyễn Văn Chủ Tọa", "mat-khau-chung-thu")
    login(client, admin)
    page = client.get(f"/admin/users/{chair.id}")
    assert page.status_code == 200 and 'data-test="certificate-form"' in page.get_data(as_text=True)
    token = csrf_token(client, f"/admin/users/{chair.id}")

    def send(payload, passphrase):
        return client.post(f"/admin/users/{chair.id}/certificate", content_type="multipart/form-data",
                           data={"csrf_token": token, "passphrase": passphrase,
                                 "p12": (io.BytesIO(payload), "chu-toa.p12")}, follow_redirects=True)

    refused = send(data, "sai-mat-khau")
    assert certificates.certificate_info(chair) is None
    assert "mật khẩu" in refused.get_data(as_text=True).lower()
    assert certificates.certificate_info(chair) is None
    assert send(b"not a certificate", "x").status_code == 200 and certificates.certificate_info(chair) is None
    stored = send(data, "mat-khau-chung-thu")
    assert stored.status_code == 200 and certificates.certificate_info(chair)["status"] == "valid"
    assert certificates.load_signer(chair, "mat-khau-chung-thu").subject_name == "Nguyễn Văn Chủ Tọa"
    assert db.session.query(AuditEntry).filter_by(action="certificate.upload").count() == 1


def test_only_administrators_upload(app, client, make):
    member = make.user("member")
    target = make.user("member")
    login(client, member)
    token = csrf_token(client, "/verify")
    answer = client.post(f"/admin/users/{target.id}/certificate", data={"csrf_token": token})
    assert answer.status_code == 403
