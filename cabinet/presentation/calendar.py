"""A meeting as an iCalendar file, for the API and the meeting page alike."""
from flask import Response, url_for

from ..services import calendar


def calendar_response(actor, meeting) -> Response:
    """The meeting's .ics as `actor` may see it."""
    url = url_for("meetings.detail", meeting_id=meeting.id, _external=True)
    body = calendar.meeting_ics(actor, meeting, host=calendar.uid_host(), url=url)
    return Response(body, mimetype=calendar.ICS_MIMETYPE,
                    headers={"Content-Disposition": f'attachment; filename="{calendar.ics_filename(meeting)}"'})
