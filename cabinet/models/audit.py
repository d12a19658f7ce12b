"""The audit log (nhật ký kiểm tra): who did what, when (UTC) and from where, one row per change or access.

Rows are only ever appended. Each row holds the SHA-256 of its own content and of the row before it, so
editing, deleting or reordering a row breaks the chain from there on (`cabinet audit verify`). Ids are
given by the writer (head + 1, under a lock), never by a sequence, so they have no gaps: a missing id is a
deleted row. The writer is `cabinet.services.audit`; nothing else inserts here.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime

GENESIS_HASH = "0" * 64  # the prev_hash of the first row


class AuditEntry(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # No foreign keys: deleting a user or a meeting must never touch (or be refused by) the log.
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    remote_addr: Mapped[str | None] = mapped_column(String(45), nullable=True)
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str | None] = mapped_column(String(80), nullable=True)
    object_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    meeting_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    details: Mapped[str] = mapped_column(Text, default="{}")  # JSON text, hashed as stored
    # Unique: two rows can never claim the same predecessor, so the chain cannot fork even if a lock failed.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action}>"
