"""Việc cần làm over the API: what waits for the caller, and its count (the badge)."""
from flask import jsonify

from ..presentation.inbox import entry_json
from ..services import inbox
from ..services.permissions import require
from . import api_bp, caller


@api_bp.get("/inbox")
def get_inbox():
    """The caller's own inbox: it lists only what they may read."""
    require(caller(), "inbox.view")
    entries = inbox.entries_for(caller())
    return jsonify({"count": len(entries), "entries": [entry_json(e) for e in entries]})


@api_bp.get("/inbox/count")
def get_inbox_count():
    """The badge's number alone, cheap (grouped counts, no titles): asked once per socket (re)connection."""
    require(caller(), "inbox.view")
    return jsonify({"count": inbox.count_for(caller())})
