"""Issue 13 (accounts): each member's meetings as a private iCalendar feed that calendars subscribe to. The
address is a long random token (stored as a hash), shown once; a new link or "off" ends the old address at
once (404). The feed holds the meetings the member may see — never drafts, never a confidential agenda
item, nothing older than FEED_PAST —, answers 304 to a calendar whose copy is current, sets no cookie and
is rate limited per address and per token."""
import re
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from cabinet.extensions import db
from cabinet.models import AccountToken, AuditEntry
from cabinet.models.types import utcnow
from cabinet.services import accounts, agenda, meetings

from ..factories import csrf_token, login

SECRET_ITEM = "Phương án kỷ luật cán bộ (mật)"


def _new_link(client) -> str:
    page = client.post("/account/calendar/new", data={"csrf_token": csrf_token(client, "/account/calendar")})
    assert page.status_code == 200
    match = re.search(r'value="(http[^"]+/calendar/[^"]+\.ics)"', page.get_data(as_text=True))
    assert match, "the new address is shown"
    return match.group(1)


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _events(body: bytes) -> dict:
    return {str(e["summary"]): e for e in Calendar.from_ical(body).walk("VEVENT")}


def test_the_feed_holds_my_meetings_and_nothing_confidential(app, make):
    staff = make.user("secretariat")
    member, guest, stranger = make.user(full_name="Đỗ Thị Hương"), make.user(), make.user()
    invited = {member: "member", guest: "guest"}
    upcoming = make.meeting(staff, status="published", title="Phiên họp UBND tháng 12", participants_=invited)
    agenda.add_item(staff, upcoming, {"title": SECRET_ITEM, "confidential": True})
    db.session.commit()
    make.meeting(staff, status="closed", title="Phiên họp tháng 10", participants_=invited,
                 starts_in=timedelta(days=-40))
    make.meeting(staff, status="closed", title="Phiên họp năm ngoái", participants_=invited,
                 starts_in=timedelta(days=-200))
    make.meeting(staff, status="draft", title="Dự thảo chưa gửi", participants_=invited)
    make.meeting(staff, status="published", title="Cuộc họp không mời tôi", participants_={stranger: "member"})
    browser = app.test_client()
    login(browser, member)
    feed_path = _path(_new_link(browser))

    calendar_app = app.test_client(use_cookies=False)  # a phone's calendar: no login, no cookie
    answer = calendar_app.get(feed_path)
    assert answer.status_code == 200 and answer.mimetype == "text/calendar"
    assert "Set-Cookie" not in answer.headers
    assert "private" in answer.headers["Cache-Control"] and "no-store" not in answer.headers["Cache-Control"]
    assert answer.headers["ETag"] and answer.headers["Last-Modified"]
    parsed = Calendar.from_ical(answer.data)
    assert str(parsed["X-WR-CALNAME"]) == "Cabinet — Đỗ Thị Hương"
    assert parsed["REFRESH-INTERVAL"].dt == timedelta(hours=1) and "X-PUBLISHED-TTL" in parsed
    events = _events(answer.data)
    assert set(events) == {"Phiên họp UBND tháng 12", "Phiên họp tháng 10"}
    event = events["Phiên họp UBND tháng 12"]
    assert str(event["uid"]) == f"meeting-{upcoming.id}@localhost" and str(event["status"]) == "CONFIRMED"
    assert "Nội dung 1" in str(event["description"])
    assert "kỷ luật" not in answer.data.decode().replace("\r\n ", ""), "a confidential item leaves nothing"
    assert event["dtstart"].dt == upcoming.starts_at.replace(microsecond=0)

    login(guest_browser := app.test_client(), guest)
    guest_feed = calendar_app.get(_path(_new_link(guest_browser)))
    assert "kỷ luật" not in guest_feed.get_data(as_text=True).replace("\r\n ", "")
    assert set(_events(guest_feed.data)) == {"Phiên họp UBND tháng 12", "Phiên họp tháng 10"}


def test_a_calendar_with_the_current_copy_gets_304_and_a_change_updates_the_same_entry(app, make):
    staff = make.user("secretariat")
    member = make.user()
    meeting = make.meeting(staff, status="published", title="Phiên họp thường kỳ", participants_={member: "member"})
    meeting.updated_at = utcnow() - timedelta(minutes=5)  # the calendar's copy is from a while ago
    db.session.commit()
    browser = app.test_client()
    login(browser, member)
    feed_path = _path(_new_link(browser))
    phone = app.test_client(use_cookies=False)
    first = phone.get(feed_path)
    again = phone.get(feed_path)
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"], "byte-stable"
    unchanged = phone.get(feed_path, headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.data == b""
    before = _events(first.data)["Phiên họp thường kỳ"]

    meetings.update_meeting(staff, meeting, {"location": "Hội trường tầng 3",
                                             "starts_at": meeting.starts_at + timedelta(hours=1)})
    db.session.commit()
    changed = phone.get(feed_path, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    after = _events(changed.data)["Phiên họp thường kỳ"]
    assert after["uid"] == before["uid"], "the same entry, updated in place"
    assert after["sequence"] > before["sequence"]
    assert str(after["location"]) == "Hội trường tầng 3"


def test_a_new_link_ends_the_old_one_and_off_ends_it_all(app, make):
    member = make.user()
    browser = app.test_client()
    login(browser, member)
    phone = app.test_client(use_cookies=False)
    page = browser.get("/account/calendar")
    assert page.status_code == 200 and "Bạn chưa có liên kết lịch." in page.get_data(as_text=True)
    old = _path(_new_link(browser))
    assert phone.get(old).status_code == 200
    shown_again = browser.get("/account/calendar").get_data(as_text=True)
    assert old.split("/")[-1] not in shown_again, "the address is shown once only"
    assert "Liên kết lịch đang bật" in shown_again
    new = _path(_new_link(browser))
    assert phone.get(old).status_code == 404 and phone.get(new).status_code == 200
    off = browser.post("/account/calendar/off", data={"csrf_token": csrf_token(browser, "/account/calendar")})
    assert off.status_code == 302
    assert phone.get(new).status_code == 404
    raw = new.rsplit("/", 1)[1].removesuffix(".ics")
    stored = db.session.scalars(select(AccountToken.token_hash)).all()
    assert len(stored) == 2 and raw not in stored and all(len(h) == 64 for h in stored), "hashes only"
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("user.calendar%"))).all()
    assert sorted(actions) == ["user.calendar_feed_new", "user.calendar_feed_new", "user.calendar_feed_off"]
    assert raw not in str(db.session.scalars(select(AuditEntry.details)).all())


def test_the_feed_ends_with_the_account(app, make):
    admin, member = make.user("admin"), make.user()
    browser = app.test_client()
    login(browser, member)
    feed_path = _path(_new_link(browser))
    accounts.update_user(admin, member, {"active": False})
    db.session.commit()
    assert app.test_client(use_cookies=False).get(feed_path).status_code == 404


def test_pages_need_a_login_and_forms_a_csrf_token(app, make):
    client = app.test_client()
    assert client.get("/account/calendar").status_code == 302
    assert client.post("/account/calendar/new").status_code in (302, 400)
    login(client, make.user())
    assert client.post("/account/calendar/new").status_code == 400, "no CSRF token"
    assert db.session.scalar(select(AccountToken.id)) is None


def test_guessing_addresses_is_404_then_rate_limited(app, make):
    phone = app.test_client(use_cookies=False)
    app.config["CALENDAR_RATE_LIMIT"] = "5 per minute"
    try:
        answers = [phone.get(f"/calendar/doan-{i}-{'x' * 40}.ics").status_code for i in range(6)]
    finally:
        app.config["CALENDAR_RATE_LIMIT"] = "120 per hour"
    assert answers == [404] * 5 + [429]
    assert phone.get("/calendar/khac.ics", environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code == 404, \
        "another address is not held back"


def test_one_feed_fetched_too_often_is_held_back(app, make):
    member = make.user()
    browser = app.test_client()
    login(browser, member)
    feed_path = _path(_new_link(browser))
    app.config["CALENDAR_TOKEN_RATE_LIMIT"] = "3 per minute"
    try:
        answers = [app.test_client(use_cookies=False).get(feed_path, environ_base={"REMOTE_ADDR": f"10.0.0.{i}"})
                   .status_code for i in range(4)]
    finally:
        app.config["CALENDAR_TOKEN_RATE_LIMIT"] = "30 per hour"
    assert answers == [200, 200, 200, 429]


def test_the_feed_is_documented_beside_the_api(client):
    """The feed lies outside /api/v1 (calendars fetch it): its path names its own server, no login."""
    feed = client.get("/api/v1/openapi.json").get_json()["paths"]["/calendar/{token}.ics"]
    assert feed["servers"] == [{"url": "/"}] and feed["get"]["security"] == []
    assert set(feed["get"]["responses"]) == {"200", "304", "404", "429"}


def test_consultation_deadlines_are_in_the_feed_of_those_asked_not_as_meetings(app, make):
    from cabinet.services import consultations
    staff, chair, member, other = make.user("secretariat"), make.user(), make.user(), make.user()
    asked = consultations.create_consultation(staff, {
        "title": "Dự thảo Nghị quyết về phí đỗ xe", "deadline": utcnow() + timedelta(days=2), "chair_id": chair.id,
        "member_ids": [member.id], "questions": [{"text": "Đồng ý?", "kind": "choice"}]})
    consultations.create_consultation(staff, {
        "title": "Bản nháp chưa gửi", "deadline": utcnow() + timedelta(days=3), "chair_id": chair.id,
        "member_ids": [member.id], "questions": [{"text": "Đồng ý?", "kind": "choice"}]})
    consultations.send(staff, asked)
    db.session.commit()
    calendar_app = app.test_client(use_cookies=False)
    login(browser := app.test_client(), member)
    events = _events(calendar_app.get(_path(_new_link(browser))).data)
    assert set(events) == {"Hạn trả lời xin ý kiến: Dự thảo Nghị quyết về phí đỗ xe"}, "drafts stay out; not a meeting"
    event = events["Hạn trả lời xin ý kiến: Dự thảo Nghị quyết về phí đỗ xe"]
    assert str(event["uid"]) == f"consultation-{asked.meeting_id}@localhost"
    assert event["dtend"].dt == asked.deadline.replace(microsecond=0)
    assert f"/consultations/{asked.meeting_id}" in str(event["url"])
    login(stranger := app.test_client(), other)
    assert _events(calendar_app.get(_path(_new_link(stranger))).data) == {}


def test_a_meeting_is_one_event_whether_downloaded_mailed_or_in_the_feed(app, make, api):
    """The downloaded .ics took its UID's host from the request (an address typed on the local network), the
    mail and the feed from CABINET_BASE_URL: the member's calendar showed the meeting twice."""
    staff, member = make.user("secretariat"), make.user()
    meeting = make.meeting(staff, status="published", participants_={member: "member"})
    app.config["BASE_URL"] = "https://cabinet.thanhhoa.gov.vn"
    try:
        downloaded = api.as_(member).get(f"/meetings/{meeting.id}/calendar.ics",
                                         base_url="http://192.168.10.5:8080")
        assert downloaded.status_code == 200
        from cabinet.services import calendar, notifications
        mailed = calendar.meeting_ics(member, meeting, host=notifications.uid_host(), url="x", for_mail=True)
        feed = calendar.feed(member, host=calendar.uid_host(), base_url=app.config["BASE_URL"]).body
        uids = {str(Calendar.from_ical(body).walk("VEVENT")[0]["uid"]) for body in (downloaded.data, mailed, feed)}
        assert uids == {f"meeting-{meeting.id}@cabinet.thanhhoa.gov.vn"}
    finally:
        app.config["BASE_URL"] = "http://localhost:5000"
