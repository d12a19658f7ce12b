"""The archive's search index: one row per searchable thing of a meeting (the meeting itself, its minutes,
each document), with the text folded for search (lower case, no diacritics) so "bien ban" finds "biên bản"."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

ARCHIVE_KINDS = ("meeting", "minutes", "document", "result")  # result: a written consultation's (ref_id = its meeting)


class ArchiveEntry(db.Model):
    __tablename__ = "archive_entries"
    __table_args__ = (UniqueConstraint("kind", "ref_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    ref_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500), default="")
    folded: Mapped[str] = mapped_column(Text, default="")  # title + text, folded: what the full-text index holds
    # A document's words are extracted after the close commits (services/archive.py); until then, its title.
    text_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false(), index=True)
    indexed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def include_name(name, type_, _parent_names) -> bool:
    """Alembic autogenerate: the full-text index lives outside the models (FTS5 table on SQLite, an
    expression index on PostgreSQL: migration 0006), so comparing the models must not see it."""
    if type_ == "table" and name and name.startswith("archive_fts"):
        return False
    return not (type_ == "index" and name == "ix_archive_entries_fts")
