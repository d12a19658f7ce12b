"""Review 13b: the documents source's grouped count against its list and against an independent reckoning
from may(user, "document.read") — randomized over roles (incl. staff, admin and archivist invited),
access levels, confidential items and sub-items, new versions, reads, withdrawals, disabled accounts,
several meetings in every state (draft, published, live, adjourned, closed, past)."""
import io
import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from cabinet.extensions import db
from cabinet.models import DocumentRead
from cabinet.models.types import utcnow
from cabinet.services import agenda, documents, inbox, participants
from cabinet.services.permissions import may

from ..documents_helpers import sample

PDF = sample("to-trinh-do-thi-thong-minh.pdf")


def _expected(user, meetings, made) -> set[tuple[int, int]]:
    if not user.is_active:
        return set()
    now = utcnow()
    out = set()
    for meeting in meetings:
        end = meeting.ends_at or meeting.starts_at
        live = meeting.status == "live" or (meeting.status in ("published", "adjourned") and end >= now)
        if not live or meeting.participant_for(user) is None:
            continue
        for document in made:
            if document.meeting_id != meeting.id or document.withdrawn_at is not None:
                continue
            if not may(user, "document.read", document):
                continue
            current = document.current_version
            if db.session.scalar(select(DocumentRead.id).where(DocumentRead.version_id == current.id,
                                                               DocumentRead.user_id == user.id)):
                continue
            out.add((document.id, current.number))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_documents_count_list_and_may_agree(make, seed):
    rng = random.Random(seed)
    staff = make.user("secretariat")
    people = [make.user() for _ in range(7)] + [make.user("archivist"), make.user("admin"),
                                                 make.user("secretariat"), make.user("archivist")]
    meetings, made = [], []
    for n, status in enumerate(["published", "published", "live", "adjourned", "closed", "draft", "published"]):
        invited = rng.sample(people, 7)
        roles = {p: rng.choice(["member", "guest", "guest", "secretary", "chair"]) for p in invited}
        if status in ("live", "adjourned", "closed"):
            roles.setdefault(invited[0], "chair")
        meeting = make.meeting(staff, status="draft", items=2, title=f"Phiên {n}")
        for person, role in roles.items():
            participants.add_participant(staff, meeting, person.id, role)
        secret = agenda.add_item(staff, meeting, {"title": "Mật", "confidential": True})
        sub = agenda.add_item(staff, meeting, {"title": "Mục con", "parent_id": secret.id})
        plain_sub = agenda.add_item(staff, meeting, {"title": "Con thường", "parent_id": meeting.items[0].id})
        db.session.commit()
        item_ids = [None, meeting.items[0].id, meeting.items[1].id, secret.id, sub.id, plain_sub.id]
        for d in range(6):
            access = rng.choice(["public", "participants", "confidential"])
            item = rng.choice(item_ids)
            if access == "public" and item in (secret.id, sub.id):
                item = None
            readers = rng.sample([p.id for p in invited], 3) if access == "confidential" else None
            document = documents.upload_document(staff, meeting, io.BytesIO(PDF), filename="a.pdf",
                                                 title=f"Tài liệu {n}.{d}", access=access, agenda_item_id=item,
                                                 readers=readers)
            db.session.commit()
            made.append(document)
        # an item made confidential after documents were attached (a public one may hang under it now)
        if rng.random() < 0.5:
            agenda.update_item(staff, meeting.items[1], {"confidential": True}) if hasattr(agenda, "update_item") \
                else setattr(meeting.items[1], "confidential", True)
            db.session.commit()
        path = {"draft": [], "published": ["publish"], "live": ["publish", "start"],
                "adjourned": ["publish", "start", "adjourn"], "closed": ["publish", "start", "close"]}[status]
        from cabinet.services import meetings as meeting_service
        for move in path:
            meeting_service.move_status(staff, meeting, move)
        db.session.commit()
        meetings.append(meeting)
    # one published meeting lies in the past
    meetings[-1].starts_at = utcnow() - timedelta(days=2)
    meetings[-1].ends_at = utcnow() - timedelta(days=2, hours=-2)
    db.session.commit()
    for document in made:
        for person in people:
            if rng.random() < 0.3 and may(person, "document.read", document):
                documents.record_read(person, document.current_version)
        db.session.commit()
    for document in rng.sample(made, 6):  # new versions after some reads
        if document.meeting.status in ("published", "live", "adjourned") and document.withdrawn_at is None:
            try:
                documents.add_version(staff, document, io.BytesIO(PDF), filename="b.pdf")
                db.session.commit()
            except Exception:  # noqa: BLE001 — not editable in that state
                db.session.rollback()
    for document in rng.sample(made, 4):
        try:
            documents.withdraw_document(staff, document)
            db.session.commit()
        except Exception:  # noqa: BLE001
            db.session.rollback()
    for person in rng.sample(people, 2):
        person.active = False
    db.session.commit()
    db.session.expire_all()

    everyone = [staff, *people]
    counts = {user_id: n for user_id, n in inbox._grouped(inbox._unread_documents([u.id for u in everyone])).items()}
    mismatches = []
    for user in everyone:
        listed = {(e.ref_id, e.extra["version"]) for e in inbox.document_entries(user)} if user.is_active else set()
        expected = _expected(user, meetings, made)
        if counts.get(user.id, 0) != len(listed) or listed != expected:
            mismatches.append((user.username, [r.role for r in user.roles] if hasattr(user, "roles") else "",
                               counts.get(user.id, 0), sorted(listed), sorted(expected)))
    assert not mismatches, mismatches
    assert sum(counts.values()) > 5
