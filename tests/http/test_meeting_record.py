"""A closed meeting's page states the session's record: who was in the room, online, absent (with the
reason) or never recorded, and the result of every vote (templates/meetings/_record.html)."""
import re

from cabinet.extensions import db
from cabinet.services import live, meetings

from .. import factories
from ..minutes_helpers import held_session


def _page(app, person, meeting_id) -> str:
    client = app.test_client()
    factories.login(client, person)
    response = client.get(f"/meetings/{meeting_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _group(html: str, key: str) -> str:
    match = re.search(rf'data-attendance="{key}" data-count="(\d+)">(.*?)</div>', html, re.S)
    assert match, key
    return match.group(1), match.group(2)


def test_the_closed_meeting_page_states_attendance_and_every_result(app, make):
    held = held_session(make, close=False)
    meeting, members = held["meeting"], held["members"]
    live.check_in(held["secretariat"], meeting, user_id=members[3].id, mode="online")
    db.session.commit()
    html = _page(app, members[0], meeting.id)
    assert 'data-test="record-attendance"' not in html  # not before the meeting is closed
    meetings.move_status(held["secretariat"], meeting, "close")
    db.session.commit()

    html = _page(app, members[0], meeting.id)
    count, room = _group(html, "room")
    assert count == "4" and "Nguyễn Văn Chủ Tọa" in room and "Phạm Đức Đại Biểu 3" not in room
    count, online = _group(html, "online")
    assert count == "1" and "Phạm Đức Đại Biểu 3" in online
    count, absent = _group(html, "absent")
    assert count == "1" and "Phạm Đức Đại Biểu 4" in absent and "Lý do: Đi công tác tại Hà Nội" in absent
    count, unknown = _group(html, "unknown")
    assert count == "1" and "Trần Thị Thư Ký" in unknown  # the secretary never checked in

    polls = re.findall(r'data-test="record-poll".*?</li>\s*</ol>|data-test="record-poll".*?(?=data-test="record-poll")', html, re.S)
    assert len(polls) == 1
    poll = polls[0]
    assert "Thông qua Nghị quyết về dự toán ngân sách năm 2027?" in poll
    assert 'data-option="Tán thành" data-count="4"' in poll
    assert 'data-option="Không tán thành" data-count="1"' in poll
    assert "Thông qua" in poll and 'data-passed="true"' in html
    assert "66,7%" in poll  # 4 of the 6 voting members (the chair and five members; not the secretary)
    # Who did not vote and the approvals the rule needed (more than half of all 6 members: 4).
    assert 'data-test="record-did-not-vote" data-count="1"' in poll
    assert "Cần 4 phiếu tán thành để thông qua" in poll
    assert "Không tham gia biểu quyết: Phạm Đức Đại Biểu 4" in poll
