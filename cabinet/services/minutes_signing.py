"""Signing the minutes: the secretary first, then the chair, each a PAdES signature in its own visible
block; the chair's is an incremental update of the secretary's file, so the first stays valid.

The first signature locks the minutes (status `signing`), the second completes them (`signed`). Every
signed file is kept (content-addressed) with its SHA-256 on the signature row. Before either signs, the
empty parts of the text are named (`empty_sections`): the signer confirms them or goes back to write them.
"""
from __future__ import annotations

import html
import logging
import re
import tempfile
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import SIGNER_ROLES, Meeting, Minutes, MinutesSignature, User
from ..models.types import utcnow
from ..pdf.runner import WorkerFailed, warm_renderer
from ..storage import store
from . import validation as v
from .errors import Conflict, NotAllowed, Unavailable
from .minutes import announce, lock_minutes, render_pdf
from .minutes_record import agenda_of
from .permissions import meeting_role, require

log = logging.getLogger(__name__)
REASONS = {"secretary": "Thư ký ký xác nhận biên bản", "chair": "Chủ tọa ký xác nhận biên bản"}
LABELS = {"secretary": "THƯ KÝ", "chair": "CHỦ TỌA"}


def next_signer_role(minutes: Minutes) -> str | None:
    signed = {s.role for s in minutes.current.signatures}
    return next((role for role in SIGNER_ROLES if role not in signed), None)


def awaiting_signature(actor: User, meetings: list[Meeting]) -> set[int]:
    """Ids of those of `meetings` whose minutes wait for `actor`'s signature now: their role in the meeting
    is the next signer's. One query for all of them (the meeting list asks for every card)."""
    roles = {m.id: meeting_role(actor, m) for m in meetings if m.status == "closed"}  # signed after the close
    ids = [meeting_id for meeting_id, role in roles.items() if role in SIGNER_ROLES]
    if not ids:
        return set()
    waiting = db.session.scalars(select(Minutes).where(Minutes.meeting_id.in_(ids),
                                                       Minutes.status != "signed"))
    return {m.meeting_id for m in waiting if next_signer_role(m) == roles[m.meeting_id]}


def _has_words(value) -> bool:
    """Whether sanitised rich text says anything: tags, entities, spaces and invisible characters (a
    zero-width space pasted from a word processor) alone do not count."""
    return bool(v.visible(html.unescape(re.sub(r"<[^>]+>", " ", value or ""))).strip())


def empty_sections(minutes: Minutes) -> list[dict]:
    """The parts of the current revision with nothing written in them, in the order of the text: the
    opening, each agenda item's conclusion (numbered as the minutes number it), the closing. The one rule
    both the page's warning and the sign route's refusal use."""
    content = minutes.current.content
    empty = [] if _has_words(content.get("opening")) else [{"section": "opening"}]
    empty += [{"section": "conclusion", "item_id": item["item_id"], "number": item["number"], "title": item["title"]}
              for item in agenda_of(content) if not _has_words(item["conclusion"])]
    if not _has_words(content.get("closing")):
        empty.append({"section": "closing"})
    return empty


def section_label(entry: dict) -> str:
    """An entry of `empty_sections` in the reader's words: "Opening", "Conclusion of item 2 “…”"."""
    if entry["section"] == "opening":
        return str(_l("Opening"))
    if entry["section"] == "closing":
        return str(_l("Closing"))
    return str(_l("Conclusion of item %(number)s “%(title)s”", number=entry["number"], title=entry["title"]))


def sign_minutes(actor: User, minutes: Minutes, passphrase, *, confirm_empty=False) -> MinutesSignature:
    """Sign the current revision as its next signer. Refused: someone else's turn, already signed by
    both, the session not closed yet (what it records would miss the close and any later vote; closing
    draws a draft's record again, not a signed one's), empty sections not confirmed (409 empty_sections,
    listing them), wrong passphrase, an expired certificate — and then nothing is written."""
    from . import certificates
    require(actor, "minutes.sign", minutes.meeting)
    role = next_signer_role(minutes)
    if role is None:
        raise Conflict(_l("The minutes are already signed by the secretary and the chair."), code="already_signed")
    if meeting_role(actor, minutes.meeting) != role:
        raise NotAllowed(_l("The secretary signs first, then the chair.") if role == "secretary"
                         else _l("The secretary has signed; only the chair signs now."), code="not_your_turn")
    if minutes.meeting.status != "closed":
        raise Conflict(_l("The minutes are signed once the session is closed: until then its record is not "
                          "complete."), code="session_not_closed")
    p12 = certificates.signing_file(actor, passphrase)  # no certificate, no passphrase: said first
    empty = empty_sections(minutes)
    if empty and not v.boolean(confirm_empty, "confirm_empty"):
        raise Conflict(_l("Nothing is written in: %(sections)s. Confirm that the minutes are signed so.",
                          sections="; ".join(section_label(e) for e in empty)),
                       code="empty_sections", details={"empty_sections": empty})
    revision = minutes.current
    if role == "secretary":
        pdf, layout = render_pdf(revision, draft=False)
    else:
        pdf, layout = store().path(revision.signatures[-1].sha256).read_bytes(), revision.layout
    box = layout[f"signature-{role}"]
    placement = {"field_name": f"Signature_{role}", "page": box[0], "box": list(box[1:]), "reason": REASONS[role],
                 "location": revision.content.get("place") or "", "signer_label": LABELS[role],
                 "tsa_url": current_app.config.get("TSA_URL") or None}
    signed, subject = sign_in_child(f"minutes {minutes.id} ({role})", pdf, p12, passphrase, placement)
    digest = store().put_bytes(signed)

    lock_minutes(minutes)  # the revision must still be the current one and this role still unsigned
    if minutes.current.id != revision.id or next_signer_role(minutes) != role:
        raise Conflict(_l("The minutes changed while you were signing; reload and sign again."),
                       code="changed_while_signing")
    row = MinutesSignature(revision_id=revision.id, role=role, user_id=actor.id, signer_name=actor.full_name,
                           certificate_subject=subject[:500], signed_at=utcnow(),
                           sha256=digest, size=len(signed))
    revision.signatures.append(row)
    if role == "secretary":
        revision.layout = layout
    minutes.status = "signing" if next_signer_role(minutes) else "signed"
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_l("The minutes changed while you were signing; reload and sign again."),
                       code="changed_while_signing")
    log.info("minutes %s revision %s signed by %s as %s", minutes.id, revision.number, actor.id, role)
    announce(minutes)
    if minutes.status == "signing":
        from .notifications import minutes_await_signature
        minutes_await_signature(minutes, next_signer_role(minutes))
    return row


def sign_in_child(what: str, pdf: bytes, p12, passphrase: str, placement: dict) -> tuple[bytes, str]:
    """(signed bytes, certificate subject): pyHanko runs in the warm PDF child, never on the event loop
    every tablet waits on. Raises NotAllowed(wrong_passphrase) or Unavailable; nothing is signed then."""
    from . import certificates
    with tempfile.TemporaryDirectory(prefix="signing-") as scratch:
        source, target = Path(scratch) / "unsigned.pdf", Path(scratch) / "signed.pdf"
        source.write_bytes(pdf)
        try:
            answer = warm_renderer.run({"command": "sign", "source": str(source), "target": str(target),
                                        "p12": str(p12), "passphrase": passphrase, "placement": placement})
        except WorkerFailed:
            answer = {"refused": "worker_failed"}
        refused = answer.get("refused")
        if refused == "wrong_passphrase":
            raise certificates.wrong_passphrase()
        if refused == "timestamp_failed":
            log.warning("time-stamping authority failed while %s was signed", what)
            raise Unavailable(_l("The time-stamping service did not answer; nothing was signed. Try again."),
                              code="timestamp_failed")
        if refused:
            log.error("%s could not take its signature: %s %s", what, refused, answer.get("detail", ""))
            raise Unavailable(_l("The signature could not be added; nothing was signed."), code="signing_failed")
        return target.read_bytes(), answer["subject"]


def signed_pdf(minutes: Minutes) -> bytes | None:
    """The latest signed file of the current revision, if any."""
    signatures = minutes.current.signatures
    return store().path(signatures[-1].sha256).read_bytes() if signatures else None
