"""Written consultation (xin ý kiến bằng văn bản): the body decides in writing instead of in a session.

A consultation is a meeting of form "written" — its participants are the members consulted (the chair
among them: the chair also signs the result), its documents go through the documents' pipeline (access,
named readers, stamped copies, offline) — plus what a session does not have: the questions, each member's
answers, the deadline and the result the chair signs. The meeting's status says where it stands: draft
(prepared), published (sent: answers open), closed (the result drawn up).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .meetings import Meeting
from .types import UTCDateTime, utcnow
from .users import User

QUESTION_KINDS = ("choice", "text")  # agree / disagree / other opinion (with text), or free text
ANSWER_CHOICES = ("agree", "disagree", "other")


class Consultation(db.Model):
    __tablename__ = "consultations"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # Whether a member may change an answer until the deadline (the body's ballot rule by default).
    answers_changeable: Mapped[bool] = mapped_column(Boolean, default=False)
    # A choice question is the body's decision when more than this share of ALL members consulted agree.
    pass_ratio: Mapped[float] = mapped_column(Float, default=0.5)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The result as drawn up at the close: frozen, so a later change of names or members leaves it be.
    result: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    result_drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The chair's signature on the result PDF (the signed file in the file store, by SHA-256).
    signed_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    signed_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    signer_name: Mapped[str] = mapped_column(String(200), default="")
    certificate_subject: Mapped[str] = mapped_column(String(500), default="")
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    meeting: Mapped[Meeting] = relationship()
    questions: Mapped[list[ConsultationQuestion]] = relationship(
        cascade="all, delete-orphan", order_by="ConsultationQuestion.position")


class ConsultationQuestion(db.Model):
    __tablename__ = "consultation_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("consultations.meeting_id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20), default="choice")


class ConsultationResponse(db.Model):
    """One member's answer form: when it was sent (and changed), the tablet's id for it (an offline retry
    is recognised), the answers to each question, and the member's signature on the form if they signed it
    (the signed PDF in the file store by SHA-256; dropped when the answer changes: it no longer matches)."""

    __tablename__ = "consultation_responses"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("consultations.meeting_id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(String(64), default="")
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changes: Mapped[int] = mapped_column(Integer, default=0)
    signed_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    signed_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    certificate_subject: Mapped[str] = mapped_column(String(500), default="", server_default="")
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship(lazy="joined")
    answers: Mapped[list[ConsultationAnswer]] = relationship(cascade="all, delete-orphan",
                                                             order_by="ConsultationAnswer.question_id")


class ConsultationAnswer(db.Model):
    __tablename__ = "consultation_answers"
    __table_args__ = (UniqueConstraint("response_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("consultation_responses.id", ondelete="CASCADE"),
                                             index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("consultation_questions.id", ondelete="CASCADE"))
    choice: Mapped[str | None] = mapped_column(String(20), nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
