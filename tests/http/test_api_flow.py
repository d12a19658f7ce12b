"""The secretariat prepares a meeting through the API; a member reads it and replies."""
from icalendar import Calendar


def test_prepare_publish_and_reply(api, make):
    staff_user, chair, member = make.user("secretariat"), make.user(), make.user(full_name="Trần Thị Mai")
    staff = api.as_(staff_user)
    created = staff.post("/meetings", json={
        "title": "Phiên họp thường kỳ tháng 12", "starts_at": "2026-12-15T08:00:00+07:00",
        "ends_at": "2026-12-15T11:30:00+07:00", "location": "Phòng họp số 1", "mode": "hybrid"})
    assert created.status_code == 201
    meeting = created.get_json()
    assert meeting["status"] == "draft" and meeting["starts_at"] == "2026-12-15T01:00:00+00:00"
    mid = meeting["id"]
    first = staff.post(f"/meetings/{mid}/agenda", json={"title": "Tờ trình về Đề án thành phố thông minh",
                                                        "presenter": "Phó Chủ tịch", "duration_minutes": 45})
    assert first.status_code == 201
    staff.post(f"/meetings/{mid}/agenda", json={"title": "Báo cáo thẩm định", "parent_id": first.get_json()["id"]})
    staff.post(f"/meetings/{mid}/agenda", json={"title": "Kết luận", "confidential": True})
    assert staff.post(f"/meetings/{mid}/participants", json={"user_id": chair.id, "role": "chair"}).status_code == 201
    assert staff.post(f"/meetings/{mid}/participants", json={"user_id": member.id, "role": "member"}).status_code == 201
    published = staff.post(f"/meetings/{mid}/publish")
    assert published.status_code == 200 and published.get_json()["status"] == "published"

    me = api.as_(member)
    listed = me.get("/meetings").get_json()["items"]
    assert [m["id"] for m in listed] == [mid] and listed[0]["my_role"] == "member"
    detail = me.get(f"/meetings/{mid}").get_json()
    assert [(i["number"], i["title"]) for i in detail["agenda"]] == [
        ("1", "Tờ trình về Đề án thành phố thông minh"), ("2", "Kết luận")]
    assert detail["agenda"][0]["children"][0]["number"] == "1.1"
    reply = me.post(f"/meetings/{mid}/rsvp", json={"attending": True})
    assert reply.status_code == 200 and reply.get_json()["rsvp"] == "attending"
    state = me.get(f"/meetings/{mid}/state").get_json()
    assert state["status"] == "published" and state["seq"] >= 4

    ics = me.get(f"/meetings/{mid}/calendar.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    event = next(c for c in Calendar.from_ical(ics.data).walk("VEVENT"))
    assert str(event["summary"]) == "Phiên họp thường kỳ tháng 12"
    assert event.decoded("dtstart").isoformat() == "2026-12-15T01:00:00+00:00"
    assert "Tờ trình về Đề án thành phố thông minh" in str(event["description"])


def test_token_lifecycle_and_disabled_account(api, make, client):
    admin, user = make.user("admin"), make.user()
    issued = client.post("/api/v1/auth/token", json={"username": user.username, "password": make.PASSWORD})
    assert issued.status_code == 201
    token = issued.get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).get_json()["username"] == user.username
    assert client.post("/api/v1/auth/token", json={"username": user.username,
                                                   "password": "wrong"}).status_code == 401
    assert api.as_(admin).patch(f"/users/{user.id}", json={"active": False}).status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    refused = client.post("/api/v1/auth/token", json={"username": user.username, "password": make.PASSWORD})
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "account_disabled"


def test_revoked_token_stops_working(make, client):
    user = make.user()
    token = client.post("/api/v1/auth/token", json={"username": user.username,
                                                    "password": make.PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer made-up"}).status_code == 401
