"""pyHanko's own validation, as the independent second reader of our signatures.

Its synchronous API runs asyncio.run(), which refuses to start where an event loop is already running
(Playwright's sync API leaves one in the test process after the browser tests), so it runs in a thread."""
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext


def validate_all(pdf: bytes, roots: list) -> list:
    """The validation status of every signature in `pdf`, trusting `roots` (asn1crypto certificates)."""
    def run():
        reader = PdfFileReader(BytesIO(pdf))
        return [validate_pdf_signature(sig, ValidationContext(trust_roots=roots, allow_fetching=False))
                for sig in reader.embedded_signatures]
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def foreign_signer(name: str, ca_name: str = "Root CA ngoài hệ thống"):
    """A signer whose certificate comes from a CA this Cabinet does not trust (its own self-signed root)."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    from cabinet.pdf.sign import Pkcs12Signer

    now = dt.datetime.now(dt.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ca_name)])
    ca = (x509.CertificateBuilder().subject_name(root).issuer_name(root).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=90))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(root).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .sign(ca_key, hashes.SHA256()))
    p12 = pkcs12.serialize_key_and_certificates(b"x", key, cert, [ca], serialization.BestAvailableEncryption(b"pin"))
    return Pkcs12Signer(p12, "pin")
