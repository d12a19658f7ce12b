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
