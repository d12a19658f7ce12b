"""Meeting pages (stub: replaced by the full pages)."""
from flask import Blueprint, render_template
from flask_login import current_user, login_required

from ..services import meetings

meetings_bp = Blueprint("meetings", __name__, url_prefix="/meetings")


@meetings_bp.get("/")
@login_required
def index():
    return render_template("meetings/index.html", meetings=meetings.list_meetings_for(current_user))


@meetings_bp.get("/<int:meeting_id>")
@login_required
def detail(meeting_id):
    return render_template("meetings/detail.html", meeting=meetings.get_meeting(current_user, meeting_id))
