"""A meeting, its agenda (one level of sub-items) and its participants."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint, event, select
from sqlalchemy.orm import Mapped, lazyload, mapped_column, object_session, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow
from .users import Body, User

MEETING_STATUSES = ("draft", "published", "live", "adjourned", "closed")
MEETING_MODES = ("in_person", "online", "hybrid")
# How the body takes its decision: in a session, or in writing (lấy ý kiến bằng văn bản — members answer a
# consultation form between meetings; see models/consultations.py). Both have participants and documents.
MEETING_FORMS = ("session", "written")
MEETING_ROLES = ("chair", "secretary", "member", "guest")
VOTING_ROLES = ("chair", "member")
RSVP_STATES = ("pending", "attending", "declined")
ATTENDANCE_STATES = ("unknown", "room", "online", "absent")


class Meeting(db.Model):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id", ondelete="SET NULL"), nullable=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    location: Mapped[str] = mapped_column(String(300), default="")
    mode: Mapped[str] = mapped_column(String(20), default="in_person")
    form: Mapped[str] = mapped_column(String(20), default="session", server_default="session")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    # The meeting's event counter: every published realtime event takes the next number.
    seq: Mapped[int] = mapped_column(Integer, default=0)
    # The quorum ratio the room sat under, frozen when the session starts (the body's may change later).
    quorum_ratio: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    body: Mapped[Body | None] = relationship()
    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="AgendaItem.position")
    participants: Mapped[list[Participant]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="Participant.id")

    def participant_for(self, user: User) -> Participant | None:
        """One indexed lookup, unless the participant list is loaded already: a council of 500 must not
        load 500 rows to check one tablet's rights (every ballot asks)."""
        if "participants" in self.__dict__ or self.id is None or object_session(self) is None:
            return next((p for p in self.participants if p.user_id == user.id), None)
        self.remember_participants([user.id])
        return self.__dict__["_participant_by_user"][user.id]

    def remember_participants(self, user_ids: list[int]) -> None:
        """Look these users up with one query, for participant_for (permission checks ask several times, a
        batch of ballots once for each voter); forgotten whenever the meeting is expired (every commit),
        see _forget_participants below."""
        session = object_session(self)
        if "participants" in self.__dict__ or session is None or self.id is None:
            return
        cache = self.__dict__.setdefault("_participant_by_user", {})
        wanted = {user_id for user_id in user_ids if user_id not in cache}
        if wanted:
            cache.update(dict.fromkeys(wanted))
            cache.update((p.user_id, p) for p in session.scalars(  # the users are loaded already: no join
                select(Participant).options(lazyload(Participant.user))
                .where(Participant.meeting_id == self.id, Participant.user_id.in_(wanted))))


@event.listens_for(Meeting, "expire")
def _forget_participants(meeting: Meeting | None, _attributes) -> None:
    if meeting is not None:  # None: the instance was already garbage-collected
        meeting.__dict__.pop("_participant_by_user", None)


class AgendaItem(db.Model):
    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE"), nullable=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    presenter: Mapped[str] = mapped_column(String(200), default="")
    duration_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)

    meeting: Mapped[Meeting] = relationship(back_populates="items")


SESSION_EVENTS = ("started", "adjourned", "resumed", "closed")


class SessionEvent(db.Model):
    """When the session was started, adjourned, resumed and closed: the minutes state what happened, not
    what was planned."""

    __tablename__ = "session_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


class Participant(db.Model):
    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    rsvp: Mapped[str] = mapped_column(String(20), default="pending")
    rsvp_reason: Mapped[str] = mapped_column(String(1000), default="")
    rsvp_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # During the session: checked in (in the room or online), or absent with a reason.
    attendance: Mapped[str] = mapped_column(String(20), default="unknown", server_default="unknown")
    attendance_reason: Mapped[str] = mapped_column(String(1000), default="", server_default="")
    attendance_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    meeting: Mapped[Meeting] = relationship(back_populates="participants")
    user: Mapped[User] = relationship(lazy="joined")
