"""The audit log over REST (administrators, archivists): entries newest first, and the chain's check."""
from __future__ import annotations

from flask import jsonify, request

from ..extensions import db
from ..services import audit, audit_anchor
from ..services.permissions import require
from . import api_bp, caller


@api_bp.get("/audit")
def list_audit():
    """`meeting_id`, `actor_id`, `action`, `from`/`to` (YYYY-MM-DD, Vietnam time), `limit` (≤ 500), and
    `before_id` to page on; `next_before_id` is null on the last page."""
    args = request.args
    limit = args.get("limit") or audit.PAGE_SIZE
    reader = caller()
    entries = audit.list_entries(reader, meeting_id=args.get("meeting_id"), actor_id=args.get("actor_id"),
                                 action=args.get("action"), date_from=args.get("from"), date_to=args.get("to"),
                                 before_id=args.get("before_id"), limit=limit)
    more = len(entries) == int(limit) and entries[-1].id > 1
    details = audit.readable_details(reader, entries)
    return jsonify({"items": [audit.entry_json(e, d) for e, d in zip(entries, details)],
                    "next_before_id": entries[-1].id if entries and more else None})


@api_bp.get("/audit/verify")
def verify_audit():
    """Recompute the whole chain and check it against the checkpoints kept outside the database:
    {ok, checked, first_broken: {id, reason} | null, head, checkpoints: {checked, public_key, latest}}."""
    require(caller(), "audit.view")
    return jsonify(audit_anchor.verify(db.session))
