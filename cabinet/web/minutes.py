"""The minutes pages: drafting, editing (structured fields and rich text), signing or sending back, and
verifying any PDF.

The pages only show; every change travels from static/js/minutes.js and static/js/verify.js to the JSON API
(cabinet/api/minutes.py), which asks the services. The one HTML fragment here (the revision history) is
fetched by the editor after a save or a restore, so the history is rendered in one place only. The verify
page is the exception: a posted file's report is put in words here (cabinet/presentation/signatures.py).
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from markupsafe import Markup
from werkzeug.exceptions import RequestEntityTooLarge

from ..services import agenda, meetings, minutes, minutes_signing
from ..services.errors import BadInput, DomainError
from ..services.minutes import SESSION_HELD, clean_html
from ..services.minutes_record import agenda_of
from ..services.participants import ROLE_LABELS
from ..services.permissions import may, meeting_role, require
from ..presentation.polls import MAJORITY_LABELS
from .helpers import actor

minutes_bp = Blueprint("minutes", __name__)

STATUS_LABELS = {"draft": _l("Draft"), "signing": _l("Being signed"), "signed": _l("Signed")}
KIND_LABELS = {"speech": _l("Speech"), "question": _l("Question")}
# What a revision's `change` names (stored in English by services/minutes.py), in the reader's language.
FIELD_LABELS = {"issuer_parent": _l("parent authority"), "issuer": _l("issuing body"), "number": _l("number"),
                "place": _l("place"), "date": _l("date"), "subject": _l("subject"), "location": _l("venue"),
                "opening": _l("opening"), "closing": _l("closing"), "record": _l("meeting record")}


@minutes_bp.before_request
@login_required
def _logged_in():
    """A login first; the services then decide (404 if the meeting is invisible, 403 if not allowed)."""


@minutes_bp.app_template_global()
def minutes_visible(meeting) -> bool:
    """Whether the meeting page links to the minutes: the session was held and this user may read them."""
    return meeting.status in SESSION_HELD and may(actor(), "minutes.view", meeting)


def change_label(change: str, numbers: dict[str, str]) -> str:
    """"Edited: conclusion 12, number" → "Edited: conclusion of item 1, number", translated."""
    if change == "Drafted from the meeting record":
        return _("Drafted from the meeting record")
    if change.startswith("Restored revision "):
        return _("Restored revision %(number)s", number=change.removeprefix("Restored revision "))
    if change.startswith("Correction: "):
        return _("Correction: %(reason)s", reason=change.removeprefix("Correction: "))
    if change.startswith(minutes.RETURNED):
        return _("Returned to the secretary: %(comment)s", comment=change.removeprefix(minutes.RETURNED))
    if change.startswith("Edited: "):
        parts = []
        for part in change.removeprefix("Edited: ").split(", "):
            if part.startswith("conclusion "):
                item_id = part.removeprefix("conclusion ")
                parts.append(_("conclusion of item %(number)s", number=numbers.get(item_id, item_id)))
            else:
                parts.append(str(FIELD_LABELS.get(part, part)))
        return _("Edited: %(what)s", what=", ".join(parts))
    return change


def _numbers(user, meeting) -> dict[str, str]:
    """Agenda numbers ("1", "1.2") by item id, as this user sees the agenda."""
    return {str(node.item.id): node.number for top in agenda.agenda_tree(user, meeting)
            for node in (top, *top.children)}


def _poll_view(poll: dict) -> dict:
    return {"question": poll["question"], "secret": poll["secret"],
            "rule": MAJORITY_LABELS.get(poll["majority"], poll["majority"]), "passed": poll["passed"],
            "rows": list(zip(poll["options"], poll["counts"])) + (
                [(_("Did not vote"), poll["did_not_vote"])] if poll.get("did_not_vote") is not None else []),
            "members_total": poll["members_total"]}


def _items_view(content: dict, numbers: dict[str, str], *, all_items: bool) -> list[dict]:
    """Each agenda item of the minutes, in the agenda's order and numbered as the PDF numbers it
    (minutes_record.agenda_of), with its conclusion and what was recorded under it. Readers see the items
    of their agenda only (a guest does not see confidential ones); editors see them all."""
    return [{"id": item["item_id"], "number": item["number"], "level": item["level"], "title": item["title"],
             "conclusion": Markup(clean_html(item["conclusion"], "conclusions")),
             "speakers": [{"name": s["name"], "kind": KIND_LABELS.get(s["kind"], s["kind"])}
                          for s in item["speakers"]],
             "polls": [_poll_view(p) for p in item["polls"]]}
            for item in agenda_of(content) if all_items or str(item["item_id"]) in numbers]


def _history_view(record, numbers: dict[str, str]) -> list[dict]:
    return [{"number": r.number, "change": change_label(r.change, numbers), "author": r.author.full_name if r.author
             else "—", "created_at": r.created_at, "signed_by": [ROLE_LABELS[s.role] for s in r.signatures],
             "current": r.id == record.current.id} for r in reversed(record.revisions)]


@minutes_bp.get("/meetings/<int:meeting_id>/minutes")
def minutes_page(meeting_id):
    user = actor()
    meeting = meetings.get_meeting(user, meeting_id)
    require(user, "minutes.view", meeting)
    record = minutes.minutes_of(meeting)
    manage = may(user, "minutes.manage", meeting)
    if record is None:
        return render_template("minutes/page.html", meeting=meeting, record=None, held=meeting.status in SESSION_HELD,
                               may_draft=manage and meeting.status in SESSION_HELD)
    numbers = _numbers(user, meeting)
    revision = record.current
    content = revision.content
    editable = manage and record.status == "draft"
    next_signer = minutes_signing.next_signer_role(record)
    my_role = meeting_role(user, meeting)
    may_sign = next_signer is not None and my_role == next_signer and may(user, "minutes.sign", meeting) \
        and meeting.status == "closed"  # signed once the session is closed (minutes_signing.sign_minutes)
    attendance = content["record"]["attendance"]
    return render_template(
        "minutes/page.html", meeting=meeting, record=record, revision=revision, content=content,
        status_label=STATUS_LABELS.get(record.status, record.status), editable=editable, manage=manage,
        issued_on=date.fromisoformat(content["date"]),
        opening=Markup(clean_html(content.get("opening", ""), "opening")),
        closing=Markup(clean_html(content.get("closing", ""), "closing")),
        items=_items_view(content, numbers, all_items=manage),
        attendance=attendance, absent=[p for p in attendance["people"] if p["attendance"] == "absent"],
        history=_history_view(record, numbers), signatures=revision.signatures, role_labels=ROLE_LABELS,
        next_signer=next_signer, next_signer_label=ROLE_LABELS.get(next_signer) if next_signer else None,
        may_sign=may_sign, may_return=may(user, "minutes.return", meeting) and record.status != "signed",
        empty_sections=[minutes_signing.section_label(e)
                        for e in minutes_signing.empty_sections(record)] if may_sign else [],
        returned=minutes.returned_note(record) if manage or may(user, "minutes.sign", meeting) else None)


@minutes_bp.get("/minutes/<int:minutes_id>/history")
def history_fragment(minutes_id):
    """The revision history alone, for the editor to swap in after a save or a restore."""
    user = actor()
    record = minutes.get_minutes(user, minutes_id)
    editable = may(user, "minutes.manage", record.meeting) and record.status == "draft"
    return render_template("minutes/_history.html", record=record, editable=editable,
                           history=_history_view(record, _numbers(user, record.meeting)))


@minutes_bp.get("/verify")
def verify_page():
    return _verify_page()


@minutes_bp.post("/verify")
def verify_upload():
    """The posted file's signatures in words (static/js/verify.js swaps the result in; without
    JavaScript the form posts here itself). A refused file shows its message with its status."""
    from ..presentation.signatures import explain_report
    from ..services.verification import verify_upload as verify
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        return _verify_page(error=_("The file is larger than %(mb)d MB.",
                                    mb=current_app.config["MAX_UPLOAD_MB"])), 413
    try:
        if upload is None or not upload.filename:
            raise BadInput(_l("Choose a PDF file to verify."), code="file_missing", field="file")
        explained = explain_report(verify(upload.stream))
    except DomainError as err:
        return _verify_page(error=str(err.message)), err.status
    return _verify_page(result=explained, filename=upload.filename)


def _verify_page(**shown):
    return render_template("minutes/verify.html", max_mb=current_app.config["MAX_UPLOAD_MB"], **shown)
