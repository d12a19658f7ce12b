"""What the system recorded of a meeting, as plain data: the machine-readable record embedded in the
minutes PDF (and the dossier), and the source of the minutes' first draft."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..config import DEFAULT_TIMEZONE
from ..extensions import db
from ..models import VOTING_ROLES, Document, Meeting, NamedBallot, Poll, SessionEvent, SpeakerRequest
from ..models.types import utcnow
from . import rules
from .agenda import in_order, numbered

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
    documents = db.session.scalars(select(Document).where(  # a withdrawn document is not part of the record
        Document.meeting_id == meeting.id, Document.withdrawn_at.is_(None)).order_by(Document.position, Document.id)).all()
    turns = db.session.scalars(select(SpeakerRequest).where(
        SpeakerRequest.meeting_id == meeting.id, SpeakerRequest.granted_at.is_not(None))
        .order_by(SpeakerRequest.granted_at, SpeakerRequest.id)).all()
    polls = db.session.scalars(select(Poll).where(Poll.meeting_id == meeting.id, Poll.status == "closed")
                               .order_by(Poll.closed_at, Poll.id)).all()
    events = db.session.scalars(select(SessionEvent).where(SessionEvent.meeting_id == meeting.id)
                                .order_by(SessionEvent.at, SessionEvent.id)).all()
    items = []
    for node in in_order(numbered(meeting)):
        item = node.item
        items.append({
            "item_id": item.id, "number": node.number, "parent_id": item.parent_id, "title": item.title,
            "presenter": item.presenter,
            **_documents_record([d for d in documents if d.agenda_item_id == item.id]),
            "speakers": [{"user_id": t.user_id, "name": t.user.full_name, "kind": t.kind,
                          "granted_at": _iso(t.granted_at), "finished_at": _iso(t.finished_at)}
                         for t in turns if t.item_id == item.id],
            "polls": [_poll_record(p, voters) for p in polls if p.agenda_item_id == item.id]})
    loose = [_poll_record(p, voters) for p in polls if p.agenda_item_id is None]
    started = [e.at for e in events if e.kind == "started"]
    closed = [e.at for e in events if e.kind == "closed"]
    return {
        "format": RECORD_FORMAT, "generated_at": _iso(utcnow()),
        "meeting": {"id": meeting.id, "title": meeting.title, "status": meeting.status,
                    "body": meeting.body.name if meeting.body else None, "location": meeting.location,
                    "mode": meeting.mode, "starts_at": _iso(meeting.starts_at), "ends_at": _iso(meeting.ends_at),
                    "started_at": _iso(started[0]) if started else None,
                    "closed_at": _iso(closed[-1]) if closed else None},
        "session": [{"kind": e.kind, "at": _iso(e.at)} for e in events],
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


def _poll_record(poll: Poll, voters: list) -> dict:
    """The result as the law reads it: the rule and the votes it needed, each option's count, and those who
    did not vote (counted; named too when the poll was named)."""
    counts = [t.count for t in poll.tallies]
    cast = sum(counts)
    members = poll.members_total
    data = {"id": poll.id, "question": poll.question, "secret": poll.secret, "majority": poll.majority,
            "options": poll.options, "counts": counts, "members_total": members,
            "present_total": poll.present_total, "cast": cast,
            "did_not_vote": max(0, members - cast) if members is not None else None,
            "needed": rules.votes_needed(poll.majority, members, poll.present_total or 0, cast)
            if members is not None else None,
            "passed": poll.passed, "opened_at": _iso(poll.opened_at), "closed_at": _iso(poll.closed_at)}
    if not poll.secret:  # named polls: who voted what is part of the record; secret polls: counts only
        ballots = db.session.scalars(select(NamedBallot).where(NamedBallot.poll_id == poll.id)
                                     .order_by(NamedBallot.user_id)).all()
        data["ballots"] = [{"user_id": b.user_id, "name": b.user.full_name, "option": poll.options[b.position]}
                           for b in ballots]
        voted = {b.user_id for b in ballots}
        data["not_voted"] = [_person(p) for p in voters if p.user_id not in voted]
    return data


def agenda_of(content: dict) -> list[dict]:
    """The minutes' items in the agenda's order, each with its number (as the record was drawn:
    agenda.numbered), its level, what was recorded under it and the secretary's conclusion. The editor
    and the PDF both read the items from here. Records drawn before numbers were kept are numbered in
    their stored order; an item the secretary concluded that has since left the agenda comes last."""
    recorded = without_confidential_titles(content["record"])["items"]
    written = {str(i["item_id"]): i for i in content["items"]}
    agenda = [{**item, "number": item.get("number") or str(position),
               "level": 1 if item.get("parent_id") else 0,
               "conclusion": written.get(str(item["item_id"]), {}).get("conclusion", "")}
              for position, item in enumerate(recorded, start=1)]
    known = {str(i["item_id"]) for i in recorded}
    agenda += [{"item_id": i["item_id"], "number": "", "level": 0, "title": i["title"], "documents": [],
                "confidential_documents": 0, "speakers": [], "polls": [], "conclusion": i.get("conclusion", "")}
               for i in content["items"] if str(i["item_id"]) not in known and i.get("conclusion")]
    return agenda


def local(moment_iso: str | None) -> datetime | None:
    return datetime.fromisoformat(moment_iso).astimezone(ZoneInfo(DEFAULT_TIMEZONE)) if moment_iso else None


def date_line(place: str, day: datetime) -> str:
    """"Thanh Hóa, ngày 05 tháng 02 năm 2026": days below 10 and months below 3 take a leading zero."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def percent(count: int, total: int | None) -> str:
    return f"{100 * count / total:.2f}%".replace(".", ",") if total else "—"
