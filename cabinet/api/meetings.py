"""Meetings, their status moves, agenda, participants and invitation replies."""
from flask import jsonify

from ..presentation.calendar import calendar_response
from ..services import agenda, meetings, participants
from . import api_bp, caller, json_body
from ..presentation.json import agenda_json, item_json, meeting_json, participant_json, state_json


@api_bp.get("/meetings")
def list_meetings():
    items = meetings.list_meetings_for(caller())
    return jsonify({"items": [meeting_json(caller(), m) for m in items]})


@api_bp.post("/meetings")
def create_meeting():
    meeting = meetings.create_meeting(caller(), json_body())
    return jsonify(meeting_json(caller(), meeting, detail=True)), 201


@api_bp.get("/meetings/<int:meeting_id>")
def get_meeting(meeting_id):
    return jsonify(meeting_json(caller(), meetings.get_meeting(caller(), meeting_id), detail=True))


@api_bp.patch("/meetings/<int:meeting_id>")
def update_meeting(meeting_id):
    data = json_body()
    meeting = meetings.update_meeting(caller(), meetings.get_meeting(caller(), meeting_id), data)
    return jsonify(meeting_json(caller(), meeting, detail=True))


@api_bp.delete("/meetings/<int:meeting_id>")
def delete_meeting(meeting_id):
    meetings.delete_meeting(caller(), meetings.get_meeting(caller(), meeting_id))
    return "", 204


@api_bp.post("/meetings/<int:meeting_id>/<any(publish, start, adjourn, close):action>")
def move_meeting_status(meeting_id, action):
    meeting = meetings.move_status(caller(), meetings.get_meeting(caller(), meeting_id), action)
    return jsonify(meeting_json(caller(), meeting, detail=True))


@api_bp.get("/meetings/<int:meeting_id>/state")
def meeting_state(meeting_id):
    return jsonify(state_json(caller(), meetings.get_meeting(caller(), meeting_id)))


@api_bp.get("/meetings/<int:meeting_id>/calendar.ics")
def meeting_calendar(meeting_id):
    return calendar_response(caller(), meetings.get_meeting(caller(), meeting_id))


@api_bp.get("/meetings/<int:meeting_id>/agenda")
def get_agenda(meeting_id):
    meeting = meetings.get_meeting(caller(), meeting_id)
    return jsonify({"items": agenda_json(caller(), meeting)})


@api_bp.post("/meetings/<int:meeting_id>/agenda")
def add_agenda_item(meeting_id):
    data = json_body()
    item = agenda.add_item(caller(), meetings.get_meeting(caller(), meeting_id), data)
    return jsonify(item_json(item)), 201


@api_bp.patch("/agenda/<int:item_id>")
def update_agenda_item(item_id):
    data = json_body()
    item = agenda.update_item(caller(), agenda.get_item(caller(), item_id), data)
    return jsonify(item_json(item))


@api_bp.delete("/agenda/<int:item_id>")
def delete_agenda_item(item_id):
    agenda.delete_item(caller(), agenda.get_item(caller(), item_id))
    return "", 204


@api_bp.get("/meetings/<int:meeting_id>/participants")
def list_participants(meeting_id):
    meeting = meetings.get_meeting(caller(), meeting_id)
    return jsonify({"items": [participant_json(p) for p in meeting.participants]})


@api_bp.post("/meetings/<int:meeting_id>/participants")
def add_participant(meeting_id):
    data = json_body()
    meeting = meetings.get_meeting(caller(), meeting_id)
    participant = participants.add_participant(caller(), meeting, data.get("user_id"), data.get("role"))
    return jsonify(participant_json(participant)), 201


@api_bp.patch("/participants/<int:participant_id>")
def update_participant(participant_id):
    data = json_body()
    participant = participants.change_role(
        caller(), participants.get_participant(caller(), participant_id), data.get("role"))
    return jsonify(participant_json(participant))


@api_bp.delete("/participants/<int:participant_id>")
def remove_participant(participant_id):
    participants.remove_participant(caller(), participants.get_participant(caller(), participant_id))
    return "", 204


@api_bp.post("/meetings/<int:meeting_id>/rsvp")
def rsvp(meeting_id):
    data = json_body()
    meeting = meetings.get_meeting(caller(), meeting_id)
    participant = participants.reply_to_invitation(caller(), meeting, data.get("attending"),
                                                   data.get("reason", ""))
    return jsonify(participant_json(participant))
