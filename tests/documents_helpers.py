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
