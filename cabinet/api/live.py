"""The live session over REST: check-in, the current item, presenter mode, speakers and polls.
The same service functions answer the Socket.IO events in realtime/events.py."""
from flask import jsonify

from ..services import ballot_box, live, meetings, polls, speakers
from ..presentation.polls import poll_json, receipts_json
from . import api_bp, caller, json_body
from ..presentation.json import state_json


def _meeting(meeting_id):
    return meetings.get_meeting(caller(), meeting_id)


@api_bp.post("/meetings/<int:meeting_id>/checkin")
def check_in(meeting_id):
    data = json_body()
    summary = live.check_in(caller(), _meeting(meeting_id), data.get("user_id"), data.get("mode", "room"),
                            data.get("reason", ""))
    return jsonify(summary)


@api_bp.get("/meetings/<int:meeting_id>/attendance")
def attendance(meeting_id):
    meeting = _meeting(meeting_id)
    return jsonify({**live.attendance(meeting), "items": [
        {"user_id": p.user_id, "full_name": p.user.full_name, "role": p.role, "attendance": p.attendance,
         "reason": p.attendance_reason} for p in meeting.participants]})


@api_bp.post("/meetings/<int:meeting_id>/agenda/current")
def move_current_item(meeting_id):
    data = json_body()
    meeting = _meeting(meeting_id)
    live.move_current_item(caller(), meeting, data.get("item_id"))
    return jsonify(state_json(caller(), meeting))


@api_bp.post("/meetings/<int:meeting_id>/present")
def present_page(meeting_id):
    data = json_body()
    state = live.present_page(caller(), _meeting(meeting_id), data.get("document_id"), data.get("page"))
    return jsonify({"document_id": state.presenting_document_id, "page": state.presenting_page})


@api_bp.post("/meetings/<int:meeting_id>/speakers")
def request_floor(meeting_id):
    data = json_body()
    meeting = _meeting(meeting_id)
    row = speakers.request_floor(caller(), meeting, data.get("kind", "speech"))
    return jsonify({"id": row.id, **speakers.speakers_json(meeting)}), 201


@api_bp.delete("/speakers/<int:request_id>")
def withdraw_request(request_id):
    speakers.withdraw(caller(), speakers.get_request(caller(), request_id))
    return "", 204


@api_bp.post("/speakers/<int:request_id>/grant")
def grant_floor(request_id):
    data = json_body()
    row = speakers.grant(caller(), speakers.get_request(caller(), request_id), data.get("seconds"))
    return jsonify(speakers.speakers_json(row.meeting))


@api_bp.post("/speakers/<int:request_id>/finish")
def finish_turn(request_id):
    row = speakers.get_request(caller(), request_id)
    speakers.finish(caller(), row)
    return jsonify(speakers.speakers_json(row.meeting))


@api_bp.get("/meetings/<int:meeting_id>/polls")
def list_polls(meeting_id):
    items = polls.list_polls(caller(), _meeting(meeting_id))
    return jsonify({"items": [poll_json(p, caller()) for p in items]})


@api_bp.post("/meetings/<int:meeting_id>/polls")
def create_poll(meeting_id):
    poll = polls.create_poll(caller(), _meeting(meeting_id), json_body())
    return jsonify(poll_json(poll, caller())), 201


@api_bp.get("/polls/<int:poll_id>")
def get_poll(poll_id):
    return jsonify(poll_json(polls.get_poll(caller(), poll_id), caller()))


@api_bp.get("/polls/<int:poll_id>/receipts")
def poll_receipts(poll_id):
    return jsonify(receipts_json(polls.counted_poll(caller(), poll_id)))


@api_bp.post("/polls/<int:poll_id>/<any(open, close):action>")
def move_poll(poll_id, action):
    poll = polls.get_poll(caller(), poll_id)
    (polls.open_poll if action == "open" else polls.close_poll)(caller(), poll)
    return jsonify(poll_json(poll, caller()))


@api_bp.post("/polls/<int:poll_id>/cancel")
def cancel_poll(poll_id):
    data = json_body()
    poll = polls.cancel_poll(caller(), polls.get_poll(caller(), poll_id), data.get("reason"))
    return jsonify(poll_json(poll, caller()))


@api_bp.post("/polls/<int:poll_id>/ballots")
def cast_ballot(poll_id):
    data = json_body()
    receipt = ballot_box.cast(caller(), poll_id, data.get("option"), data.get("key"))  # committed
    return jsonify({"receipt": receipt}), 201
