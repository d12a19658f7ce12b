"""What the system recorded of a meeting, as plain data: the machine-readable record embedded in the
minutes PDF (and the dossier), and the source of the minutes' first draft."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..config import DEFAULT_TIMEZONE
from ..extensions import db
from ..models import VOTING_ROLES, Document, Meeting, NamedBallot, Poll, SpeakerRequest
from ..models.types import utcnow
from . import rules

RECORD_FORMAT = "cabinet.meeting-record/1"
SPEAKER_KIND_LABELS = {"speech": "phát biểu", "question": "chất vấn"}
RULE_LABELS = {"simple": "quá nửa số phiếu biểu quyết", "present": "quá nửa số đại biểu có mặt",
               "all": "quá nửa tổng số đại biểu", "two_thirds": "ít nhất hai phần ba tổng số đại biểu"}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _person(participant) -> dict:
    return {"user_id": participant.user_id, "name": participant.user.full_name,
            "position": participant.user.position or ""}


def record_of(meeting: Meeting) -> dict:
    """Attendance, agenda with documents, speakers in order, polls with rule, counts and outcome."""
    people = list(meeting.participants)
    voters = [p for p in people if p.role in VOTING_ROLES]
    by_role = {role: [_person(p) for p in people if p.role == role] for role in ("chair", "secretary")}
    documents = db.session.scalars(select(Document).where(Document.meeting_id == meeting.id)
                                   .order_by(Document.id)).all()
    turns = db.session.scalars(select(SpeakerRequest).where(
        SpeakerRequest.meeting_id == meeting.id, SpeakerRequest.granted_at.is_not(None))
        .order_by(SpeakerRequest.granted_at, SpeakerRequest.id)).all()
    polls = db.session.scalars(select(Poll).where(Poll.meeting_id == meeting.id, Poll.status == "closed")
                               .order_by(Poll.closed_at, Poll.id)).all()
    items = []
    for item in meeting.items:
        items.append({
            "item_id": item.id, "title": item.title, "presenter": item.presenter,
            **_documents_record([d for d in documents if d.agenda_item_id == item.id]),
            "speakers": [{"user_id": t.user_id, "name": t.user.full_name, "kind": t.kind,
                          "granted_at": _iso(t.granted_at), "finished_at": _iso(t.finished_at)}
                         for t in turns if t.item_id == item.id],
            "polls": [_poll_record(p) for p in polls if p.agenda_item_id == item.id]})
    loose = [_poll_record(p) for p in polls if p.agenda_item_id is None]
    return {
        "format": RECORD_FORMAT, "generated_at": _iso(utcnow()),
        "meeting": {"id": meeting.id, "title": meeting.title, "status": meeting.status,
                    "body": meeting.body.name if meeting.body else None, "location": meeting.location,
                    "mode": meeting.mode, "starts_at": _iso(meeting.starts_at), "ends_at": _iso(meeting.ends_at)},
        "chair": by_role["chair"], "secretary": by_role["secretary"],
        "attendance": {
            "expected": len(voters),
            "present": sum(1 for p in voters if rules.is_present(p.attendance)),
            "needed": rules.quorum_needed(len(voters), rules.quorum_ratio(meeting)),
            "room": sum(1 for p in voters if p.attendance == "room"),
            "online": sum(1 for p in voters if p.attendance == "online"),
            "people": [{**_person(p), "role": p.role, "attendance": p.attendance,
                        "reason": p.attendance_reason, "at": _iso(p.attendance_at)} for p in people]},
        "items": items, "other_polls": loose}


def _documents_record(documents: list[Document]) -> dict:
    """The record is one text for every reader (and signed as such): confidential documents are counted,
    never titled, since most who read the minutes are not their named readers."""
    return {"documents": [{"id": d.id, "title": d.title, "version": d.current_version.number,
                           "sha256": d.current_version.sha256, "access": d.access}
                          for d in documents if d.access != "confidential"],
            "confidential_documents": sum(1 for d in documents if d.access == "confidential")}


def without_confidential_titles(record: dict) -> dict:
    """A record drawn before confidential documents were only counted, made like one drawn now."""
    if all("confidential_documents" in item for item in record["items"]):
        return record
    items = []
    for item in record["items"]:
        kept = [d for d in item["documents"] if d.get("access") != "confidential"]
        items.append({**item, "documents": kept,
                      "confidential_documents": len(item["documents"]) - len(kept)})
    return {**record, "items": items}


def _poll_record(poll: Poll) -> dict:
    counts = [t.count for t in poll.tallies]
    data = {"id": poll.id, "question": poll.question, "secret": poll.secret, "majority": poll.majority,
            "options": poll.options, "counts": counts, "members_total": poll.members_total,
            "present_total": poll.present_total, "passed": poll.passed,
            "opened_at": _iso(poll.opened_at), "closed_at": _iso(poll.closed_at)}
    if not poll.secret:  # named polls: who voted what is part of the record; secret polls: counts only
        ballots = db.session.scalars(select(NamedBallot).where(NamedBallot.poll_id == poll.id)
                                     .order_by(NamedBallot.user_id)).all()
        data["ballots"] = [{"user_id": b.user_id, "name": b.user.full_name, "option": poll.options[b.position]}
                           for b in ballots]
    return data


def local(moment_iso: str | None) -> datetime | None:
    return datetime.fromisoformat(moment_iso).astimezone(ZoneInfo(DEFAULT_TIMEZONE)) if moment_iso else None


def date_line(place: str, day: datetime) -> str:
    """"Thanh Hóa, ngày 05 tháng 02 năm 2026": days below 10 and months below 3 take a leading zero."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def percent(count: int, total: int | None) -> str:
    return f"{100 * count / total:.2f}%".replace(".", ",") if total else "—"
