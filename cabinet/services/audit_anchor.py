"""Checkpoints of the audit chain's head, kept outside the database, so that a cut or rewritten tail shows.

The chain alone proves that no row in the middle changed; whoever owns the database can still delete the
last rows, or rewrite everything from some row on with fresh hashes (docs/AUDIT.md). So at each meeting's
close, once a day under `cabinet serve`, and on `cabinet audit checkpoint`, the head (id and hash) is
written as a signed line to DATA_DIR/audit/checkpoints.jsonl, and every dossier carries the file and the
public key. Verifying the chain then checks it against every checkpoint: a checkpointed id no longer in
the table is a cut tail, a different hash there is a rewrite.

The signing key (Ed25519, DATA_DIR/audit/anchor.key, 0600) lives with the data folder, not the database:
it shows that a checkpoint came from this installation, and a dossier exported earlier keeps its copy
wherever the archive keeps it.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
from pathlib import Path

from flask import current_app
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import AuditEntry
from ..models.types import utcnow
from .audit import verify_chain

log = logging.getLogger(__name__)
_HEAD = select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
_key_made = threading.Lock()


def folder() -> Path:
    path = Path(current_app.config["DATA_DIR"]) / "audit"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def checkpoints_path() -> Path:
    return folder() / "checkpoints.jsonl"


def _signing_key() -> SigningKey:
    path = folder() / "anchor.key"
    with _key_made:
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(bytes(SigningKey.generate()))
    return SigningKey(path.read_bytes())


def public_key() -> str:
    return _signing_key().verify_key.encode().hex()


def _signed_part(line: dict) -> bytes:
    return json.dumps({k: line[k] for k in ("id", "hash", "at", "reason")}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False).encode()


def write_checkpoint(reason: str) -> dict | None:
    """Append the chain's current head as a signed line (None when the log is empty). Reads the head on a
    connection of its own, so it may run in an after-commit callback."""
    with db.engine.connect() as connection:
        head = connection.execute(_HEAD).first()
    if head is None:
        return None
    line = {"id": head.id, "hash": head.hash, "at": utcnow().isoformat(), "reason": reason[:200]}
    key = _signing_key()
    line["signature"] = key.sign(_signed_part(line)).signature.hex()
    line["key"] = key.verify_key.encode().hex()
    fd = os.open(checkpoints_path(), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        fcntl.flock(out, fcntl.LOCK_EX)  # several processes append: one whole line at a time
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
        out.flush()
        os.fsync(out.fileno())
    log.info("audit checkpoint %s at entry %s (%s)", line["hash"][:12], line["id"], reason)
    return line


def read_checkpoints() -> list[dict]:
    path = checkpoints_path()
    if not path.exists():
        return []
    lines = []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if text.strip():
            try:
                lines.append(json.loads(text))
            except ValueError:
                lines.append({"line": number, "unreadable": True})
    return lines


def _signature_holds(line: dict, key: str) -> bool:
    try:
        VerifyKey(bytes.fromhex(key)).verify(_signed_part(line), bytes.fromhex(line["signature"]))
        return line.get("key") == key
    except (BadSignatureError, KeyError, ValueError, TypeError):
        return False


def verify(session: Session) -> dict:
    """The chain's own check (audit.verify_chain), then every checkpoint against the table:
    {"ok", "checked", "first_broken", "head", "checkpoints": {"checked", "latest"}}. A checkpoint that
    the table no longer matches is the first broken link unless the chain broke earlier."""
    result = verify_chain(session)
    lines, key = read_checkpoints(), public_key()
    problem = None
    for line in lines:
        if line.get("unreadable") or not _signature_holds(line, key):
            problem = {"id": line.get("id", 0), "reason": "checkpoint signature invalid"}
            break
        stored = session.execute(select(AuditEntry.hash).where(AuditEntry.id == line["id"])).scalar()
        if stored is None:
            problem = {"id": line["id"], "reason": "missing after checkpoint"}
            break
        if stored != line["hash"]:
            problem = {"id": line["id"], "reason": "differs from checkpoint"}
            break
    if problem and (result["first_broken"] is None or problem["id"] < result["first_broken"]["id"]):
        result = {**result, "ok": False, "first_broken": problem}
    latest = lines[-1] if lines and not problem else None
    return {**result, "checkpoints": {"checked": len(lines), "public_key": key,
                                      "latest": {k: latest[k] for k in ("id", "hash", "at", "reason")}
                                      if latest else None}}


def checkpoint_daily(app, every: float = 24 * 3600) -> None:
    """Under `cabinet serve`: a checkpoint at start and then once a day, so a quiet week still has one."""
    from ..extensions import socketio
    while True:
        with app.app_context():
            try:
                write_checkpoint("daily")
            except Exception:  # a full disk must not stop the server; the next day tries again
                log.exception("audit checkpoint failed")
        socketio.sleep(every)
