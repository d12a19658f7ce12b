"""Comments on a draft document (góp ý dự thảo): the secretariat opens a document for comments, members
comment on a page and passage, the secretariat answers each one (tiếp thu / giải trình).

Kept apart from annotations: a comment is addressed to the drafting unit, seen by its author and the
secretariat only (never shared with the meeting), and outlives the reader's own markings (it is answered).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .documents import Document, DocumentVersion
from .types import UTCDateTime, utcnow
from .users import User

COMMENT_STATUSES = ("none", "accepted", "partly", "explained")


class DraftConsultation(db.Model):
    """A document opened for comments ("dự thảo xin góp ý"), at most one per document."""

    __tablename__ = "draft_consultations"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    drafting_unit: Mapped[str] = mapped_column(String(300), default="")
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the secretariat forwards the table to the drafting unit's users (they may read it from then).
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    document: Mapped[Document] = relationship()
    recipient_rows: Mapped[list[DraftRecipient]] = relationship(cascade="all, delete-orphan")

    @property
    def recipient_ids(self) -> set[int]:
        return {row.user_id for row in self.recipient_rows}


class DraftRecipient(db.Model):
    """A user of the drafting unit to whom the secretariat forwards the table."""

    __tablename__ = "draft_recipients"

    document_id: Mapped[int] = mapped_column(ForeignKey("draft_consultations.document_id", ondelete="CASCADE"),
                                             primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # When they first opened the table since it was last forwarded: their inbox lists it until then.
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()


class DraftComment(db.Model):
    """One member's comment on a page (and passage) of a draft, and the secretariat's answer to it."""

    __tablename__ = "draft_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    page: Mapped[int] = mapped_column(Integer)
    rect: Mapped[list] = mapped_column(JSON, default=list)   # PDF points of the page, as annotations
    quads: Mapped[list] = mapped_column(JSON, default=list)
    quote: Mapped[str] = mapped_column(Text, default="")     # the passage as the member selected it
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="none")
    response: Mapped[str] = mapped_column(Text, default="")
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    document: Mapped[Document] = relationship()
    version: Mapped[DocumentVersion] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    responded_by: Mapped[User | None] = relationship(foreign_keys=[responded_by_id])
    consultation: Mapped[DraftConsultation | None] = relationship(
        primaryjoin="DraftComment.document_id == foreign(DraftConsultation.document_id)", viewonly=True,
        uselist=False)

    @property
    def answered(self) -> bool:
        return self.status != "none" or bool(self.response)
