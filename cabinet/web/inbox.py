"""Việc cần làm: the page of what waits for the user, and the badge's count on every page's top bar."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from ..presentation.inbox import entry_json, grouped
from ..services import inbox
from ..services.permissions import may, require
from .helpers import actor

inbox_bp = Blueprint("inbox", __name__)


@inbox_bp.get("/inbox")
@login_required
def index():
    user = actor()
    require(user, "inbox.view")
    entries = inbox.entries_for(user)
    groups = [{**group, "entries": [{"entry": e, **entry_json(e)} for e in group["entries"]]}
              for group in grouped(entries)]
    return render_template("inbox/index.html", groups=groups, count=len(entries), active_page="inbox")


@inbox_bp.app_context_processor
def inbox_badge():
    """The top bar's count, taken when the page is drawn; `inbox.count` keeps it current afterwards."""
    def count() -> int:
        user = current_user._get_current_object() if current_user.is_authenticated else None
        return inbox.count_for(user) if may(user, "inbox.view") else 0
    return {"inbox_count": count}
