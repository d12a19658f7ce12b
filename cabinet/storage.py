"""Content-addressed file storage: files are named by their SHA-256, so the same bytes are stored once.

A small interface (put / path / open / exists / size) so a shared volume or an object store can stand
behind it later; this implementation keeps files on a local (or shared) disk under FILES_DIR.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from flask import current_app

CHUNK = 1024 * 1024


class FileStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, digest: str) -> Path:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError("not a sha256 hex digest")
        return self.root / digest[:2] / digest[2:4] / digest

    def exists(self, digest: str) -> bool:
        return self.path(digest).exists()

    def size(self, digest: str) -> int:
        return self.path(digest).stat().st_size

    def open(self, digest: str) -> BinaryIO:
        return self.path(digest).open("rb")

    def put_file(self, source: Path) -> str:
        """Store a file by moving it into place (same disk) or copying; returns its digest."""
        digest = sha256_file(source)
        target = self.path(digest)
        if target.exists():
            source.unlink(missing_ok=True)
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(source, target)
        except OSError:  # another filesystem: copy through a temporary name, then rename atomically
            with source.open("rb") as src, tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
                while chunk := src.read(CHUNK):
                    tmp.write(chunk)
            os.replace(tmp.name, target)
            source.unlink(missing_ok=True)
        target.chmod(0o400)
        return digest

    def put_bytes(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
                tmp.write(data)
            os.replace(tmp.name, target)
            target.chmod(0o400)
        return digest

    def scratch(self) -> Path:
        """A private folder on the same disk for work in progress (renamed into place when done)."""
        folder = self.root / "tmp"
        folder.mkdir(exist_ok=True)
        return Path(tempfile.mkdtemp(dir=folder))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def store() -> FileStore:
    """The store of the current app."""
    return FileStore(current_app.config["FILES_DIR"])
