"""Minutes (biên bản): drafted from the meeting record, edited in revisions, rendered as PDF/A-3b,
signed by the secretary and then the chair (PAdES, the second as an incremental update).

Content of a revision (JSON): header fields (issuer_parent, issuer, number, place, date, subject,
location), opening and closing (sanitised HTML), one entry per agenda item with its conclusion
(sanitised HTML), and `record`: what the system recorded (services/minutes_record.py), which the
secretary does not edit and which travels inside the PDF as `record.json`.
"""
from __future__ import annotations

import copy
import json
import re
from datetime import date

import nh3
from markupsafe import Markup
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..extensions import db
from ..models import SIGNER_ROLES, Meeting, Minutes, MinutesRevision, User
from ..outbox import publish
from . import audit, rules
from . import validation as v
from .errors import Conflict, Invalid, NotFound
from .pdf_render import render_html
from .minutes_record import (RULE_LABELS, SPEAKER_KIND_LABELS, agenda_of, date_line, local, percent, record_of,
                             without_confidential_titles)
from .permissions import require

SESSION_HELD = ("live", "adjourned", "closed")
RICH_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "blockquote"}
HEADER_FIELDS = {"issuer_parent": 200, "issuer": 200, "number": 50, "place": 100, "subject": 500, "location": 300}
MAX_HTML = 100_000


def clean_html(value, field: str) -> str:
    """Rich text from the editor, reduced to paragraphs, emphasis and lists (nothing active survives)."""
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or len(value) > MAX_HTML:
        raise Invalid(_l("The text is too long or not text."), code="invalid_text", field=field)
    return nh3.clean(value, tags=RICH_TAGS, attributes={}, link_rel=None).strip()


def plain_text(content: dict) -> str:
    """Every word of the minutes, for the archive's full-text search."""
    parts = [content.get(k, "") for k in HEADER_FIELDS] + [content.get("opening", ""), content.get("closing", "")]
    for item in content.get("items", []):
        parts += [item.get("title", ""), item.get("conclusion", "")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", " ".join(parts))).strip()


def get_minutes(actor: User, minutes_id) -> Minutes:
    minutes = db.session.get(Minutes, minutes_id) if v.is_id(minutes_id) else None
    if minutes is None:
        raise NotFound(_l("Minutes not found."), code="minutes_not_found")
    require(actor, "minutes.view", minutes.meeting)
    return minutes


def minutes_of(meeting: Meeting) -> Minutes | None:
    return db.session.scalar(select(Minutes).where(Minutes.meeting_id == meeting.id))


def lock_minutes(minutes: Minutes) -> Minutes:
    """Hold the minutes row until commit (a no-op write: a row lock on PostgreSQL, the write lock on SQLite),
    so two editors or two signers cannot both act on the same revision."""
    db.session.execute(update(Minutes).where(Minutes.id == minutes.id).values(status=Minutes.status)
                       .execution_options(synchronize_session=False))
    db.session.refresh(minutes)
    return minutes


def generate_minutes(actor: User, meeting: Meeting) -> Minutes:
    """The first draft, from what the system recorded; once per meeting (edit it afterwards)."""
    require(actor, "minutes.manage", meeting)
    if meeting.status not in SESSION_HELD:
        raise Conflict(_l("Minutes are drafted once the session has started."), code="session_not_held")
    if minutes_of(meeting) is not None:
        raise Conflict(_l("This meeting already has minutes; edit them instead."), code="minutes_exist")
    record = record_of(meeting)
    body = meeting.body
    content = {
        "issuer_parent": "", "issuer": (body.name if body else current_app.config["ORGANISATION"]).upper(),
        "number": f"…/BB-{body.short_name}" if body and body.short_name else "…/BB",
        "place": current_app.config["ORGANISATION_PLACE"],
        "date": local(record["meeting"]["started_at"] or record["meeting"]["starts_at"]).date().isoformat(),
        "subject": meeting.title, "location": meeting.location,
        "opening": "", "closing": "",
        "items": [{"item_id": i["item_id"], "title": i["title"], "conclusion": ""} for i in record["items"]],
        "record": record}
    minutes = Minutes(meeting_id=meeting.id, status="draft")
    minutes.revisions.append(MinutesRevision(number=1, content=content, text=plain_text(content),
                                             author_id=actor.id, change="Drafted from the meeting record"))
    db.session.add(minutes)
    db.session.flush()
    announce(minutes)
    return minutes


def edit_minutes(actor: User, minutes: Minutes, data: dict, base_revision=None) -> MinutesRevision:
    """A new revision with the edited fields. `base_revision` (the number the editor started from) must be
    the current one, so one secretary's save never silently overwrites another's."""
    require(actor, "minutes.manage", minutes.meeting)
    lock_minutes(minutes)
    if minutes.status != "draft":
        raise Conflict(_l("The minutes are signed and locked; open a correction to change them."),
                       code="minutes_locked")
    current = minutes.current
    base = v.integer(base_revision, "base_revision", required=False)
    if base is not None and base != current.number:
        raise Conflict(_l("Someone saved a newer revision (%(number)s) meanwhile; reload it first.",
                          number=current.number), code="stale_revision")
    content, changed = _edited(current.content, data, minutes.meeting)
    return _new_revision(actor, minutes, content, "Edited: " + ", ".join(changed))


def _edited(content: dict, data: dict, meeting: Meeting) -> tuple[dict, list[str]]:
    """A copy of `content` with the edits in `data` validated and applied, and the names of what changed."""
    content = copy.deepcopy(content)
    changed = []
    for field, limit in HEADER_FIELDS.items():
        if field in data:
            content[field] = v.text(data[field], field, max_length=limit, required=field in ("issuer", "subject"))
            changed.append(field)
    if "date" in data:
        try:
            content["date"] = date.fromisoformat(str(data["date"])).isoformat()
        except ValueError:
            raise Invalid(_l("Give the date as YYYY-MM-DD."), code="invalid_date", field="date")
        changed.append("date")
    for field in ("opening", "closing"):
        if field in data:
            content[field] = clean_html(data[field], field)
            changed.append(field)
    if "refresh_record" in data and v.boolean(data["refresh_record"], "refresh_record"):
        content["record"] = record_of(meeting)
        content["items"] = _items_following(content["record"], content["items"])
        changed.append("record")
    conclusions = data.get("conclusions") or {}
    if not isinstance(conclusions, dict):
        raise Invalid(_l("Conclusions are given per agenda item."), code="invalid_conclusions", field="conclusions")
    items = {str(i["item_id"]): i for i in content["items"]}
    for item_id, text in conclusions.items():
        if str(item_id) not in items:
            raise Invalid(_l("The agenda item is not on this meeting's agenda."), code="unknown_item",
                          field="conclusions")
        items[str(item_id)]["conclusion"] = clean_html(text, "conclusions")
        changed.append(f"conclusion {item_id}")
    if not changed:
        raise Invalid(_l("Nothing to change."), code="nothing_changed")
    return content, changed


def redraw_record_at_close(actor: User, meeting: Meeting) -> None:
    """Minutes drafted during the session take the record as the session closed (its closing time, the last
    votes), as a new revision: otherwise they would be signed without them unless the secretary thought of
    drawing the record again. Signed or signing minutes are left alone (a correction is the way)."""
    record = minutes_of(meeting)
    if record is None or record.status != "draft":
        return
    lock_minutes(record)
    content = copy.deepcopy(record.current.content)
    content["record"] = record_of(meeting)
    content["items"] = _items_following(content["record"], content["items"])
    _new_revision(actor, record, content, "Edited: record")


def _items_following(record: dict, items: list[dict]) -> list[dict]:
    """The minutes' items after the record was drawn again: one per agenda item in the agenda's order,
    conclusions kept; an item gone from the agenda stays only if the secretary wrote a conclusion for it."""
    written = {str(i["item_id"]): i for i in items}
    following = [{"item_id": i["item_id"], "title": i["title"],
                  "conclusion": written.get(str(i["item_id"]), {}).get("conclusion", "")} for i in record["items"]]
    known = {str(i["item_id"]) for i in record["items"]}
    return following + [i for i in items if str(i["item_id"]) not in known and i.get("conclusion")]


def preview_revision(actor: User, minutes: Minutes, data: dict) -> MinutesRevision:
    """The current revision with unsaved edits applied, not stored: what the editor's preview shows."""
    require(actor, "minutes.manage", minutes.meeting)
    try:
        content = _edited(minutes.current.content, data, minutes.meeting)[0]
    except Invalid as err:
        if err.code != "nothing_changed":
            raise
        content = minutes.current.content
    return MinutesRevision(number=minutes.current.number, content=content)


def _new_revision(actor: User, minutes: Minutes, content: dict, change: str) -> MinutesRevision:
    revision = MinutesRevision(number=minutes.current.number + 1, content=content, text=plain_text(content),
                               author_id=actor.id, change=change[:300])
    minutes.revisions.append(revision)
    db.session.flush()
    announce(minutes)
    return revision


def restore_revision(actor: User, minutes: Minutes, number) -> MinutesRevision:
    """Copy an older revision forward as the newest (history is never rewritten)."""
    require(actor, "minutes.manage", minutes.meeting)
    lock_minutes(minutes)
    if minutes.status != "draft":
        raise Conflict(_l("The minutes are signed and locked; open a correction to change them."),
                       code="minutes_locked")
    number = v.integer(number, "revision", minimum=1)
    old = next((r for r in minutes.revisions if r.number == number), None)
    if old is None:
        raise NotFound(_l("No such revision."), code="revision_not_found")
    return _new_revision(actor, minutes, copy.deepcopy(old.content), f"Restored revision {number}")


def open_correction(actor: User, minutes: Minutes, reason) -> MinutesRevision:
    """Signed minutes are never changed in place: a correction is a new revision that needs new signatures."""
    require(actor, "minutes.manage", minutes.meeting)
    lock_minutes(minutes)
    if minutes.status == "draft":
        raise Conflict(_l("The minutes are not signed yet; edit them directly."), code="minutes_not_locked")
    reason = v.text(reason, "reason", max_length=250)
    minutes.status = "draft"
    return _new_revision(actor, minutes, copy.deepcopy(minutes.current.content), f"Correction: {reason}")


RETURNED = "Returned: "  # how a revision the chair sent back names itself in `change`; the comment follows
COMMENT_MAX = 300 - len(RETURNED)


def return_minutes(actor: User, minutes: Minutes, comment) -> MinutesRevision:
    """The chair sends the minutes back to the secretary with a comment, instead of signing them: a new draft
    revision, a copy of the current one, so a secretary's signature stays on the revision it was made on and
    is no longer the current one (history is never rewritten). Refused once both have signed."""
    require(actor, "minutes.return", minutes.meeting)
    lock_minutes(minutes)
    if minutes.status == "signed":
        raise Conflict(_l("The minutes are signed by the secretary and the chair; open a correction to "
                          "change them."), code="already_signed")
    comment = v.text(comment, "comment", max_length=COMMENT_MAX)
    previous = minutes.current
    superseded = [s.role for s in previous.signatures]
    minutes.status = "draft"
    revision = _new_revision(actor, minutes, copy.deepcopy(previous.content), RETURNED + comment)
    audit.record(db.session, "minutes.return", actor=actor, obj=minutes, meeting_id=minutes.meeting_id,
                 details={"comment": comment, "from_revision": previous.number, "revision": revision.number,
                          "signatures_superseded": superseded})
    return revision


def returned_note(minutes: Minutes) -> dict | None:
    """The chair's comment while the revision they sent back is still the current one (the secretary's next
    save supersedes it): {"comment", "by", "at", "revision"}; else None."""
    current = minutes.current
    if not current.change.startswith(RETURNED):
        return None
    return {"comment": current.change.removeprefix(RETURNED), "by": current.author.full_name if current.author
            else "", "at": current.created_at, "revision": current.number}


def announce(minutes: Minutes) -> None:
    """Tell the meeting's tablets and its signers' inboxes, and keep the archive's copy of the words current."""
    from .archive import index_minutes
    from .notifications import inbox_changed
    index_minutes(minutes)
    inbox_changed(meetings=[minutes.meeting_id], roles=SIGNER_ROLES)  # whose turn to sign it may have moved
    publish(db.session, minutes.meeting, "minutes.updated", {"minutes_id": minutes.id, "status": minutes.status,
                                                             "revision": minutes.current.number})


# --- the PDF ------------------------------------------------------------------------------------------


def document_view(content: dict, *, draft: bool) -> dict:
    """What the PDF template places: every label and number decided here, the template stays dumb.
    Rich text was sanitised when it was saved (clean_html), so it is marked safe here."""
    record = without_confidential_titles(content["record"])
    attendance = record["attendance"]
    chair = ", ".join(p["name"] for p in record["chair"]) or "…"
    secretary = ", ".join(p["name"] for p in record["secretary"]) or "…"
    needed = attendance.get("needed")  # records drawn before the rule was recorded: two thirds
    needed = needed if needed is not None else rules.quorum_needed(attendance["expected"], rules.DEFAULT_QUORUM)
    needed_note = f"đủ số đại biểu để tiến hành (cần {needed})" if attendance["expected"] and \
        attendance["present"] >= needed else f"chưa đủ số đại biểu cần thiết (cần {needed})"
    return {
        "draft": draft, "title": "BIÊN BẢN", "issuer_parent": content["issuer_parent"],
        "issuer_lines": issuer_lines(content["issuer"]), "issuer": content["issuer"],
        "number": content["number"], "place_date": date_line(content["place"], date.fromisoformat(content["date"])),
        "subject": content["subject"], "location": content["location"] or "…",
        "time_line": time_line(record["meeting"], record.get("session", [])),
        "chair": chair, "secretary": secretary, "chair_name": chair, "secretary_name": secretary,
        "attendance": {**attendance, "quorum_line": needed_note,
                       "absent": [{"name": p["name"], "reason": p["reason"]} for p in attendance["people"]
                                  if p["attendance"] == "absent"]},
        "opening": Markup(content.get("opening", "")), "closing": Markup(content.get("closing", "")),
        "closing_line": "Biên bản được lập xong và thông qua tại cuộc họp.",
        "agenda": [{"item_id": item["item_id"], "number": item["number"], "level": item["level"],
                    "title": item["title"], "conclusion": Markup(item["conclusion"]),
                    "documents": [d["title"] for d in item["documents"]] + (
                        [f"{item['confidential_documents']} tài liệu mật"] if item["confidential_documents"] else []),
                    "speakers": [{"name": s["name"], "kind_label": SPEAKER_KIND_LABELS.get(s["kind"], "")}
                                 for s in item["speakers"]],
                    "polls": [_poll_view(p) for p in item["polls"]]}
                   for item in agenda_of(content)]}


def time_line(meeting: dict, session: list[dict]) -> str:
    """"bắt đầu lúc 21 giờ 30 ngày 04/12/2026 (theo kế hoạch: 08 giờ 00 ngày 07/12/2026); tạm dừng lúc
    22 giờ 05, tiếp tục lúc 22 giờ 20; kết thúc lúc 23 giờ 10": what happened, the plan beside it when
    they differ. The day is said again only when it changes. Records drawn before the session's moves were
    kept (or of a session not yet started) give the planned times."""
    planned, planned_end = local(meeting["starts_at"]), local(meeting["ends_at"])
    if not meeting.get("started_at"):
        return f"bắt đầu lúc {_clock(planned)} {_day(planned)}" + \
            (f", kết thúc lúc {_clock(planned_end)} {_day(planned_end)}" if planned_end else "")
    words = {"started": "bắt đầu", "adjourned": "tạm dừng", "resumed": "tiếp tục", "closed": "kết thúc"}
    parts, day = [], None
    for event in session:
        if event["kind"] == "started" and parts:
            continue  # started once; a later start is a resumption
        moment = local(event["at"])
        said = f"{words[event['kind']]} lúc {_clock(moment)}" + (f" {_day(moment)}" if moment.date() != day else "")
        day = moment.date()
        if event["kind"] == "started" and _clock(moment) + _day(moment) != _clock(planned) + _day(planned):
            said += f" (theo kế hoạch: {_clock(planned)} {_day(planned)})"
        parts.append(said)
    return "; ".join(parts)


def _clock(moment) -> str:
    return f"{moment:%H} giờ {moment:%M}"


def _day(moment) -> str:
    return f"ngày {moment:%d/%m/%Y}"


def issuer_lines(issuer: str) -> list[str]:
    """"ỦY BAN NHÂN DÂN / THÀNH PHỐ THANH HÓA": the kind of body on its own line, as such names are set."""
    for kind in ("ỦY BAN NHÂN DÂN", "HỘI ĐỒNG NHÂN DÂN", "UỶ BAN NHÂN DÂN"):
        if issuer.upper().startswith(kind + " "):
            return [issuer[:len(kind)], issuer[len(kind) + 1:]]
    return [issuer]


NOT_VOTED = "Không tham gia biểu quyết"


def _poll_view(poll: dict) -> dict:
    """Each option's votes and those who did not vote, counted against all members (as the law reads a
    result), with the votes the rule needed."""
    total = poll["members_total"]
    rows = [{"label": label, "count": count, "percent": percent(count, total)}
            for label, count in zip(poll["options"], poll["counts"])]
    if poll.get("did_not_vote") is not None:
        rows.append({"label": NOT_VOTED, "count": poll["did_not_vote"], "percent": percent(poll["did_not_vote"], total)})
    needed = poll.get("needed")
    return {"question": poll["question"], "secret": poll["secret"], "rule": RULE_LABELS[poll["majority"]],
            "needed": f"cần ít nhất {needed} phiếu {poll['options'][0].lower()}" if needed else "",
            "members_total": total, "present_total": poll["present_total"], "rows": rows,
            "outcome": "thông qua" if poll["passed"] else "không thông qua",
            "named": _names_by_option(poll)}


def _names_by_option(poll: dict) -> list[dict]:
    """A named poll's voters listed under each option chosen, in the options' order, then those who did not
    vote (one paragraph per option reads better, and lays out far faster, than a table row per voter)."""
    ballots = poll.get("ballots") or []
    groups = [{"label": label, "names": [b["name"] for b in ballots if b["option"] == label]}
              for label in poll["options"]]
    groups.append({"label": NOT_VOTED, "names": [p["name"] for p in poll.get("not_voted", [])]})
    return [group for group in groups if group["names"]]


def render_pdf(revision: MinutesRevision, *, draft: bool) -> tuple[bytes, dict]:
    """(PDF/A-3b bytes, signature boxes) for a revision, rendered in the PDF worker child process so the
    live session's event loop never waits on layout."""
    # The template alone, without the web pages' context (no request here: the CLI and benchmarks render too).
    template = current_app.jinja_env.get_template("minutes/minutes_pdf.html")
    html = template.render(doc=document_view(revision.content, draft=draft))
    record = json.dumps(without_confidential_titles(revision.content["record"]), ensure_ascii=False, indent=1)
    attachments = [{"name": "record.json", "content": record,
                    "description": "Meeting record (attendance, polls, results)"}]
    return render_html(html, attachments, _l("The minutes could not be rendered; try again."))
