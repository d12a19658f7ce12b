"""A meeting that has been held, for the minutes tests: attendance (one absent with a reason), a question
from the floor, a named poll decided by the majority of all members."""
from cabinet.extensions import db
from cabinet.services import certificates, live, meetings, minutes, polls, speakers


def held_session(make, close: bool = True) -> dict:
    """A meeting that has been held: attendance (one absent with a reason), a question, a named poll; then
    closed, unless `close` is false (the session still sitting)."""
    secretariat = make.user("secretariat", full_name="Lê Thị Văn Phòng")
    chair = make.user("member", full_name="Nguyễn Văn Chủ Tọa")
    secretary = make.user("member", full_name="Trần Thị Thư Ký")
    members = [make.user("member", full_name=f"Phạm Đức Đại Biểu {i}") for i in range(5)]
    meeting = make.meeting(secretariat, status="live", items=2, title="Kỳ họp thứ 12 HĐND thành phố khóa XXII",
                           participants_={chair: "chair", secretary: "secretary", **{m: "member" for m in members}})
    for person in [chair, *members[:4]]:
        live.check_in(person, meeting)
    live.check_in(secretariat, meeting, user_id=members[4].id, mode="absent", reason="Đi công tác tại Hà Nội")
    live.move_current_item(chair, meeting, meeting.items[0].id)
    turn = speakers.request_floor(members[0], meeting, "question")
    db.session.commit()
    speakers.grant(chair, turn, 60)
    speakers.finish(chair, turn)
    poll = polls.create_poll(chair, meeting, {"question": "Thông qua Nghị quyết về dự toán ngân sách năm 2027?",
                                              "majority": "all", "agenda_item_id": meeting.items[0].id})
    db.session.commit()
    polls.open_poll(chair, poll)
    db.session.commit()
    for person, option in zip([chair, *members[:4]], ["Tán thành"] * 4 + ["Không tán thành"]):
        polls.cast_ballot(person, poll, option)
        db.session.commit()
    polls.close_poll(chair, poll)
    db.session.commit()
    if close:
        meetings.move_status(secretariat, meeting, "close")
        db.session.commit()
    return {"meeting": meeting, "secretariat": secretariat, "chair": chair, "secretary": secretary,
            "members": members, "poll": poll}


SIGNING_PASSPHRASES = {"secretary": "thu-ky-ky-so-2026", "chair": "chu-toa-ky-so-2026"}


def drafted_minutes(make) -> dict:
    """A held (closed) session whose secretary and chair have signing certificates, its minutes drafted."""
    held = held_session(make)
    for role in ("secretary", "chair"):
        certificates.issue_demo_certificate(held[role], SIGNING_PASSPHRASES[role])
    record = minutes.generate_minutes(held["secretary"], held["meeting"])
    db.session.commit()
    return {**held, "minutes": record}
