"""Minutes (biên bản): one record per meeting, its revisions, and the signatures on a revision.

A revision is immutable once written: editing writes a new one, restoring copies an old one forward.
The first signature locks the minutes; a correction opens a new revision and needs new signatures (the
old signed files stay in the record).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .meetings import Meeting
from .types import UTCDateTime, utcnow
from .users import User

MINUTES_STATUSES = ("draft", "signing", "signed")  # signing: the secretary has signed, the chair not yet
SIGNER_ROLES = ("secretary", "chair")  # in this order


class Minutes(db.Model):
    __tablename__ = "minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship()
    revisions: Mapped[list[MinutesRevision]] = relationship(
        back_populates="minutes", order_by="MinutesRevision.number", cascade="all, delete-orphan")

    @property
    def current(self) -> MinutesRevision:
        return self.revisions[-1]


class MinutesRevision(db.Model):
    __tablename__ = "minutes_revisions"
    __table_args__ = (UniqueConstraint("minutes_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("minutes.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict] = mapped_column(JSON)  # see services/minutes.py: structured fields + sanitised HTML
    change: Mapped[str] = mapped_column(String(300), default="")  # what this revision did, in words
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    text: Mapped[str] = mapped_column(Text, default="")  # plain text of the content, for the archive search
    layout: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # signature boxes of the rendering signed

    minutes: Mapped[Minutes] = relationship(back_populates="revisions")
    author: Mapped[User | None] = relationship()
    signatures: Mapped[list[MinutesSignature]] = relationship(
        back_populates="revision", order_by="MinutesSignature.id", cascade="all, delete-orphan")


class MinutesSignature(db.Model):
    """One signature on one revision; `sha256` names (in the file store) the whole PDF as it stood after it."""

    __tablename__ = "minutes_signatures"
    __table_args__ = (UniqueConstraint("revision_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("minutes_revisions.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    signer_name: Mapped[str] = mapped_column(String(200))
    certificate_subject: Mapped[str] = mapped_column(String(500), default="")
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)

    revision: Mapped[MinutesRevision] = relationship(back_populates="signatures")
    user: Mapped[User | None] = relationship()
