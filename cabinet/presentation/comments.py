"""How comments on drafts are shown: status labels for the pages (translated) and for the exported table
(Vietnamese, like every record we issue), and their JSON."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..services.permissions import may
from .json import iso

STATUS_LABELS = {"none": _l("Not yet answered"), "accepted": _l("Accepted"),
                 "partly": _l("Partly accepted"), "explained": _l("Explained")}
# The exported table is a record in Vietnamese, whatever the secretariat's interface language.
STATUS_WORDS = {"none": "Chưa trả lời", "accepted": "Tiếp thu", "partly": "Tiếp thu một phần",
                "explained": "Giải trình"}


def consultation_json(actor, consultation, accepting: bool) -> dict | None:
    if consultation is None:
        return None
    data = {"document_id": consultation.document_id, "open": consultation.is_open, "accepting": accepting,
            "deadline": iso(consultation.deadline), "drafting_unit": consultation.drafting_unit,
            "forwarded_at": iso(consultation.forwarded_at)}
    if may(actor, "draft.manage", consultation.document):
        data["recipients"] = sorted(consultation.recipient_ids)
    return data


def comment_json(actor, comment) -> dict:
    return {"id": comment.id, "document_id": comment.document_id, "version_number": comment.version.number,
            "page": comment.page, "rect": comment.rect or [], "quads": comment.quads or [],
            "quote": comment.quote, "text": comment.text, "mine": comment.user_id == actor.id,
            "author": {"id": comment.user_id, "full_name": comment.user.full_name},
            "created_at": iso(comment.created_at), "updated_at": iso(comment.updated_at),
            "status": comment.status, "status_label": str(STATUS_LABELS[comment.status]),
            "response": comment.response, "responded_at": iso(comment.responded_at),
            "answered": comment.answered}
