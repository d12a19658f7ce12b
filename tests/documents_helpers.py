"""Shared bits for document tests: the sample files and an upload helper."""
from __future__ import annotations

import io
from pathlib import Path

# shared/ lies beside the checkout, for developers and CI alike (../shared/samples).
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def upload(client, meeting_id: int, data: bytes, name: str = "to-trinh.pdf", **fields):
    form = {"file": (io.BytesIO(data), name), **{k: str(v) for k, v in fields.items()}}
    return client.post(f"/meetings/{meeting_id}/documents", data=form, content_type="multipart/form-data")


def archive_settled(timeout: float = 60) -> None:
    """Wait until the background has extracted every closed meeting's document words (services/archive.py)."""
    import time
    from sqlalchemy import select
    from cabinet.extensions import db
    from cabinet.models import ArchiveEntry
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()  # a fresh look at what the background wrote
        if db.session.scalar(select(ArchiveEntry.id).where(ArchiveEntry.text_pending).limit(1)) is None:
            return
        assert time.monotonic() < deadline, "document words still pending in the archive"
        time.sleep(0.1)
