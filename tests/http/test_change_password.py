"""Issue 13 (accounts): a member changes their own password. The current one is asked first (a wrong one
is 422 and counts as a login guess), the new one twice; afterwards this browser stays logged in, every
other browser, API token and live connection of theirs is ended, the old password opens nothing, and the
change is in the audit log."""
import pytest
from sqlalchemy import select

from cabinet.extensions import db
from cabinet.models import AuditEntry
from cabinet.services import accounts

from ..factories import PASSWORD, csrf_token, login

NEW = "mat-khau-moi-2027"


def _change(client, current, new, confirm=None):
    return client.post("/account/password", data={
        "csrf_token": csrf_token(client, "/account/password"), "current_password": current, "password": new,
        "confirm": new if confirm is None else confirm})


def test_a_member_changes_the_password_and_only_this_browser_stays(app, make):
    member = make.user(full_name="Đỗ Thị Hương")
    here, elsewhere = app.test_client(), app.test_client()
    login(here, member)
    login(elsewhere, member)
    token = accounts.issue_token(member, days=1)
    db.session.commit()
    page = here.get("/account/password")
    assert page.status_code == 200 and "Đổi mật khẩu của tôi" in page.get_data(as_text=True)
    answer = _change(here, PASSWORD, NEW)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/meetings/")
    assert here.get("/meetings/").status_code == 200, "this browser stays logged in"
    assert elsewhere.get("/meetings/").status_code == 302, "the other one is ended"
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    with pytest.raises(Exception):
        accounts.authenticate(member.username, PASSWORD)
    assert accounts.authenticate(member.username, NEW).id == member.id
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.password_change")) is not None


@pytest.mark.parametrize("current, new, confirm, field_text", [
    ("sai-mat-khau", NEW, NEW, "Mật khẩu hiện tại không đúng."),
    (PASSWORD, "ngan", "ngan", "ít nhất 8 ký tự"),
    (PASSWORD, NEW, NEW + "x", "Hai lần nhập mật khẩu mới không giống nhau."),
    (PASSWORD, PASSWORD, PASSWORD, "Hãy chọn mật khẩu khác với mật khẩu hiện tại."),
])
def test_a_refused_change_says_why_and_changes_nothing(app, make, current, new, confirm, field_text):
    member = make.user()
    client = app.test_client()
    login(client, member)
    before = member.password_hash
    answer = _change(client, current, new, confirm)
    assert answer.status_code == 422 and field_text in answer.get_data(as_text=True)
    db.session.expire_all()
    assert member.password_hash == before
    assert client.get("/meetings/").status_code == 200, "still logged in"


def test_guessing_the_current_password_runs_into_the_login_limit(app, make):
    app.config["RATELIMIT_ENABLED"] = True
    try:
        member = make.user()
        client = app.test_client()
        login(client, member)
        answers = [_change(client, f"doan-{i}", NEW).status_code for i in range(7)]
        assert answers[:5] == [422] * 5 and answers[-1] == 429, answers
    finally:
        app.config["RATELIMIT_ENABLED"] = False
