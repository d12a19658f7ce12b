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
          .serial_number(1).not_valid_before(now - dt.timedelta(days=1))
          .not_valid_after(now + dt.timedelta(days=90))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(root).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                           critical=True)
            .sign(ca_key, hashes.SHA256()))
    p12 = pkcs12.serialize_key_and_certificates(b"x", key, cert, [ca],
                                                serialization.BestAvailableEncryption(b"pin"))
    return Pkcs12Signer(p12, "pin")


def local_tsa(name: str = "TSA thử nghiệm"):
    """An RFC 3161 time-stamping authority on 127.0.0.1 (pyHanko's DummyTimeStamper behind http.server),
    as a context manager that yields its URL."""
    import contextlib
    import datetime as dt
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from asn1crypto import keys, tsp, x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    now = dt.datetime.now(dt.timezone.utc)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # DummyTimeStamper is RSA-only
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(7).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .sign(key, hashes.SHA256()))
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=keys.PrivateKeyInfo.load(key.private_bytes(serialization.Encoding.DER,
                                                           serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption())))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 — http.server's name
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            body = stamper.request_tsa_response(request).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    @contextlib.contextmanager
    def serving():
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/"
        finally:
            server.shutdown()
            server.server_close()
    return serving()
