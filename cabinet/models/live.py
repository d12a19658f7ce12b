"""The live session: where the meeting is, who speaks, and the votes (biểu quyết).

A secret ballot is a participation row that says *that* someone voted (so nobody votes twice) and a
sealed ballot that says what, encrypted under the poll's key, which is never in the database. Both are
written in one transaction — so the database, its WAL or PostgreSQL's xmin tie a voter to a ciphertext,
and nothing more. The per-option counts of a secret poll move once, when the sum is decrypted at close.
(See docs/SECRET_BALLOT.md for the threat model.)
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .meetings import Meeting
from .types import UTCDateTime, utcnow
from .users import User

MAJORITY_RULES = ("simple", "present", "all", "two_thirds")
POLL_STATUSES = ("draft", "open", "closed", "cancelled")
SPEAKER_KINDS = ("speech", "question")
SPEAKER_STATUSES = ("waiting", "speaking", "done", "withdrawn")
DEFAULT_OPTIONS = ["Tán thành", "Không tán thành", "Không biểu quyết"]


class LiveState(db.Model):
    """One row per meeting that has started: the current agenda item and what is being presented."""

    __tablename__ = "live_states"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    current_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="SET NULL"),
                                                        nullable=True)
    presenting_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"),
                                                               nullable=True)
    presenting_page: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SpeakerRequest(db.Model):
    __tablename__ = "speaker_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="SET NULL"), nullable=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20), default="speech")
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    granted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    meeting: Mapped[Meeting] = relationship()
    user: Mapped[User] = relationship(lazy="joined")


OPEN_POLL = text("status = 'open'")


class Poll(db.Model):
    __tablename__ = "polls"
    # One open poll per meeting, kept by the database: two chairs' taps (or two processes) cannot race past
    # the service's check.
    __table_args__ = (Index("ix_polls_one_open_per_meeting", "meeting_id", unique=True,
                            sqlite_where=OPEN_POLL, postgresql_where=OPEN_POLL),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="SET NULL"),
                                                       nullable=True)
    question: Mapped[str] = mapped_column(String(1000))
    options: Mapped[list] = mapped_column(JSON)
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    majority: Mapped[str] = mapped_column(String(20), default="simple")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Frozen at close: the counts the result was computed from, and the bases of the majority rules.
    members_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    present_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # A secret poll's public key (the private one is a file of the data folder until the poll is counted).
    seal_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)

    meeting: Mapped[Meeting] = relationship()
    tallies: Mapped[list[PollTally]] = relationship(cascade="all, delete-orphan", order_by="PollTally.position")


class PollTally(db.Model):
    """How many ballots chose one option: moved with each named ballot; for a secret poll, set once at close
    from the decrypted sum of its sealed ballots."""

    __tablename__ = "poll_tallies"

    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class BallotParticipation(db.Model):
    """That a voter voted (never what, for a secret poll): one per voter and poll."""

    __tablename__ = "ballot_participations"
    __table_args__ = (UniqueConstraint("poll_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    receipt: Mapped[str] = mapped_column(String(64))


class SealedBallot(db.Model):
    """A secret ballot's choice, encrypted under the poll's key (services/sealing.py), with the receipt code
    its voter was given. No voter, no time and no sequence number: the key is (poll, code)."""

    __tablename__ = "sealed_ballots"

    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class NamedBallot(db.Model):
    """What a voter chose in an open (named) poll — published with the result, so it may name them."""

    __tablename__ = "named_ballots"
    __table_args__ = (UniqueConstraint("poll_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")
