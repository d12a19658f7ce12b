"""Verify the signatures of any uploaded PDF: who signed, when, whether the chain is trusted and whether
the document changed after signing. The file is untrusted: pyHanko reads it in the PDF worker child."""
from __future__ import annotations

import shutil
from typing import BinaryIO

from flask_babel import lazy_gettext as _l

from ..pdf.runner import WorkerFailed, run_pdf_worker
from ..storage import store
from . import certificates
from .documents import receive_upload
from .errors import UnsupportedMedia

ERRORS = {"not_a_pdf": _l("This file is not a PDF."),
          "damaged": _l("The PDF is damaged and cannot be read."),
          "encrypted": _l("The PDF is protected by a password; its signatures cannot be checked.")}


def verify_upload(stream: BinaryIO) -> dict:
    """The signature report of an uploaded file; a non-PDF, damaged or encrypted PDF → 415 with a clear
    message. `receive_upload` already refuses what lacks a PDF header, files over the upload limit and
    empty files."""
    scratch = store().scratch()
    try:
        path = receive_upload(stream, scratch)
        return verify_file(path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def verify_file(path) -> dict:
    try:
        answer = run_pdf_worker({"command": "verify", "source": str(path),
                                 "roots": [str(p) for p in certificates.trust_root_files()]})
    except WorkerFailed:
        answer = {"refused": "damaged"}
    if "refused" in answer:
        code = answer["refused"] if answer["refused"] in ERRORS else "damaged"
        raise UnsupportedMedia(ERRORS[code], code=code)
    return answer
