"""Meetings, their status moves, agenda, participants and invitation replies."""
from flask import Response, jsonify, request, url_for
from flask_login import current_user

from ..services import agenda, calendar, meetings, participants
from . import api_bp, commit, json_body
from .serializers import agenda_json, item_json, meeting_json, participant_json, state_json


@api_bp.get("/meetings")
def list_meetings():
    items = meetings.list_meetings_for(current_user)
    return jsonify({"items": [meeting_json(current_user, m) for m in items]})


@api_bp.post("/meetings")
def create_meeting():
    meeting = meetings.create_meeting(current_user, json_body())
    commit()
    return jsonify(meeting_json(current_user, meeting, detail=True)), 201


@api_bp.get("/meetings/<int:meeting_id>")
def get_meeting(meeting_id):
    return jsonify(meeting_json(current_user, meetings.get_meeting(current_user, meeting_id), detail=True))


@api_bp.patch("/meetings/<int:meeting_id>")
def update_meeting(meeting_id):
    data = json_body()
    meeting = meetings.update_meeting(current_user, meetings.get_meeting(current_user, meeting_id), data)
    commit()
    return jsonify(meeting_json(current_user, meeting, detail=True))


@api_bp.delete("/meetings/<int:meeting_id>")
def delete_meeting(meeting_id):
    meetings.delete_meeting(current_user, meetings.get_meeting(current_user, meeting_id))
    commit()
    return "", 204


@api_bp.post("/meetings/<int:meeting_id>/<any(publish, start, adjourn, close):action>")
def move_meeting_status(meeting_id, action):
    meeting = meetings.move_status(current_user, meetings.get_meeting(current_user, meeting_id), action)
    commit()
    return jsonify(meeting_json(current_user, meeting, detail=True))


@api_bp.get("/meetings/<int:meeting_id>/state")
def meeting_state(meeting_id):
    return jsonify(state_json(current_user, meetings.get_meeting(current_user, meeting_id)))


@api_bp.get("/meetings/<int:meeting_id>/calendar.ics")
def meeting_calendar(meeting_id):
    return calendar_response(meetings.get_meeting(current_user, meeting_id))


def calendar_response(meeting) -> Response:
    """The meeting's .ics for the current user (also served by the meeting page)."""
    url = url_for("meetings.detail", meeting_id=meeting.id, _external=True)
    body = calendar.meeting_ics(current_user, meeting, host=request.host.split(":")[0], url=url)
    return Response(body, mimetype=calendar.ICS_MIMETYPE,
                    headers={"Content-Disposition": f'attachment; filename="{calendar.ics_filename(meeting)}"'})


@api_bp.get("/meetings/<int:meeting_id>/agenda")
def get_agenda(meeting_id):
    meeting = meetings.get_meeting(current_user, meeting_id)
    return jsonify({"items": agenda_json(current_user, meeting)})


@api_bp.post("/meetings/<int:meeting_id>/agenda")
def add_agenda_item(meeting_id):
    data = json_body()
    item = agenda.add_item(current_user, meetings.get_meeting(current_user, meeting_id), data)
    commit()
    return jsonify(item_json(item)), 201


@api_bp.patch("/agenda/<int:item_id>")
def update_agenda_item(item_id):
    data = json_body()
    item = agenda.update_item(current_user, agenda.get_item(current_user, item_id), data)
    commit()
    return jsonify(item_json(item))


@api_bp.delete("/agenda/<int:item_id>")
def delete_agenda_item(item_id):
    agenda.delete_item(current_user, agenda.get_item(current_user, item_id))
    commit()
    return "", 204


@api_bp.get("/meetings/<int:meeting_id>/participants")
def list_participants(meeting_id):
    meeting = meetings.get_meeting(current_user, meeting_id)
    return jsonify({"items": [participant_json(p) for p in meeting.participants]})


@api_bp.post("/meetings/<int:meeting_id>/participants")
def add_participant(meeting_id):
    data = json_body()
    meeting = meetings.get_meeting(current_user, meeting_id)
    participant = participants.add_participant(current_user, meeting, data.get("user_id"), data.get("role"))
    commit()
    return jsonify(participant_json(participant)), 201


@api_bp.patch("/participants/<int:participant_id>")
def update_participant(participant_id):
    data = json_body()
    participant = participants.change_role(
        current_user, participants.get_participant(current_user, participant_id), data.get("role"))
    commit()
    return jsonify(participant_json(participant))


@api_bp.delete("/participants/<int:participant_id>")
def remove_participant(participant_id):
    participants.remove_participant(current_user, participants.get_participant(current_user, participant_id))
    commit()
    return "", 204


@api_bp.post("/meetings/<int:meeting_id>/rsvp")
def rsvp(meeting_id):
    data = json_body()
    meeting = meetings.get_meeting(current_user, meeting_id)
    participant = participants.reply_to_invitation(current_user, meeting, data.get("attending"),
                                                   data.get("reason", ""))
    commit()
    return jsonify(participant_json(participant))
