"""Security by default: CSRF, cookie flags, headers, login rate limits, sessions that end with the account."""
import time

import pytest

from cabinet.extensions import db
from cabinet.services import accounts

from .. import factories


def test_login_sets_a_secure_httponly_samesite_cookie(client, make):
    user = make.user()
    response = factories.login(client, user)
    assert response.status_code == 302
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("cabinet_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_every_page_has_a_strict_content_security_policy(client, make):
    for response in (client.get("/login"), client.get("/api/v1/openapi.json"), client.get("/healthz")):
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_login_form_without_csrf_token_is_refused(client, make):
    user = make.user()
    response = client.post("/login", data={"username": user.username, "password": make.PASSWORD})
    assert response.status_code == 400
    assert client.get("/api/v1/me").status_code == 401


def test_cookie_authenticated_api_writes_need_the_csrf_header(client, make):
    staff = make.user("secretariat")
    factories.login(client, staff)
    body = {"title": "Họp", "starts_at": "2026-12-20T08:00:00+07:00"}
    refused = client.post("/api/v1/meetings", json=body)
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf_failed"
    token = factories.csrf_token(client, "/meetings/")
    accepted = client.post("/api/v1/meetings", json=body, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201
    assert client.get("/api/v1/me").status_code == 200  # reads need no token


def test_disabling_an_account_ends_its_browser_session_at_once(client, make):
    admin, user = make.user("admin"), make.user()
    factories.login(client, user)
    assert client.get("/meetings/").status_code == 200
    accounts.update_user(admin, user, {"active": False})
    db.session.commit()
    response = client.get("/meetings/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/api/v1/me").status_code == 401


def test_password_change_ends_other_sessions(client, make):
    admin, user = make.user("admin"), make.user()
    factories.login(client, user)
    accounts.update_user(admin, user, {"password": "a-brand-new-secret"})
    db.session.commit()
    assert client.get("/api/v1/me").status_code == 401


def test_login_redirect_never_leaves_the_site(client, make):
    user = make.user()
    token = factories.csrf_token(client)
    response = client.post("/login?next=//evil.example/x", data={
        "username": user.username, "password": make.PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


def test_failed_logins_are_rate_limited_but_never_lock_out_for_good(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per 2 second")
    user = make.user()
    wrong = {"username": user.username, "password": "wrong-password"}
    right = {"username": user.username, "password": make.PASSWORD}
    for _ in range(3):
        assert client.post("/api/v1/auth/token", json=wrong).status_code == 401
    blocked = client.post("/api/v1/auth/token", json=right)
    assert blocked.status_code == 429
    assert blocked.get_json()["error"]["code"] == "rate_limited"
    assert "Retry-After" in blocked.headers
    # The same member on another tablet (another address) is not locked out by someone else's guessing.
    elsewhere = client.post("/api/v1/auth/token", json=right, environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert elsewhere.status_code == 201
    time.sleep(2.2)
    assert client.post("/api/v1/auth/token", json=right).status_code == 201


def test_successful_logins_do_not_count_against_the_limit(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "2 per minute")
    user = make.user()
    for _ in range(5):
        assert client.post("/api/v1/auth/token", json={"username": user.username,
                                                       "password": make.PASSWORD}).status_code == 201


def test_web_login_failures_are_rate_limited_too(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "2 per minute")
    user = make.user()
    token = factories.csrf_token(client)
    for _ in range(2):
        assert client.post("/login", data={"username": user.username, "password": "nope-nope",
                                           "csrf_token": token}).status_code == 401
    assert client.post("/login", data={"username": user.username, "password": make.PASSWORD,
                                       "csrf_token": token}).status_code == 429


def test_failed_logins_count_once_whichever_door(app, client, make, monkeypatch):
    """The login page and the token API share one count: three guesses a minute means three, not six."""
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    user = make.user()
    token = factories.csrf_token(client)
    for _ in range(2):
        assert client.post("/login", data={"username": user.username, "password": "nope-nope",
                                           "csrf_token": token}).status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": user.username.upper(),
                                                   "password": "nope-nope"}).status_code == 401
    blocked = client.post("/api/v1/auth/token", json={"username": user.username, "password": make.PASSWORD})
    assert blocked.status_code == 429 and blocked.get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(blocked.headers["Retry-After"]) <= 60
    page = client.post("/login", data={"username": user.username, "password": make.PASSWORD,
                                       "csrf_token": token})
    assert page.status_code == 429 and "Retry-After" in page.headers
    assert "Đăng xuất" not in page.get_data(as_text=True)  # not logged in
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("path", ["/meetings/", "/admin/users"])
def test_pages_need_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logout_clears_what_the_browser_kept(client, make):
    user = make.user()
    factories.login(client, user)
    token = factories.csrf_token(client, "/meetings/")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get("/api/v1/me").status_code == 401


def test_logout_ends_the_session_on_the_server_and_login_starts_a_new_one(app, make):
    """Issue 11: after POST /logout the old cookie still read /api/v1/me and posted to the speakers' list;
    and the session was not rotated at login (a cookie planted before login would be logged in)."""
    staff, member = make.user("secretariat"), make.user()
    meeting = make.meeting(staff, status="live", participants_={member: "member"})
    browser = app.test_client()

    def session_cookie():
        return browser.get_cookie("cabinet_session", domain="cabinet.test").value

    browser.get("/login")
    before_login = session_cookie()  # the login page's own session (its CSRF token)
    factories.login(browser, member)
    cookie = session_cookie()
    assert cookie != before_login
    assert browser.get("/api/v1/me").status_code == 200
    token = factories.csrf_token(browser, f"/meetings/{meeting.id}")
    assert browser.post("/logout", data={"csrf_token": token}).status_code == 302

    thief = app.test_client()  # a copy of the cookie as it was before logout
    thief.set_cookie("cabinet_session", cookie, domain="cabinet.test")
    assert thief.get("/api/v1/me").status_code == 401
    refused = thief.post(f"/api/v1/meetings/{meeting.id}/speakers", json={},
                         headers={"X-CSRFToken": token})
    assert refused.status_code in (400, 401), refused.status_code
    assert thief.get(f"/meetings/{meeting.id}").status_code == 302  # to the login page

    factories.login(browser, member)  # logging in again starts a session of its own
    assert session_cookie() != cookie
    assert browser.get("/api/v1/me").status_code == 200


def test_a_browser_login_ends_after_the_session_lifetime(app, make):
    """A login is a session day, not for ever: a cookie copied from a tablet left logged in overnight opens
    nothing the next morning (PERMANENT_SESSION_LIFETIME, counted from the login on the server, whatever
    the browser does with the cookie's own expiry)."""
    from datetime import timedelta

    from cabinet.models import LoginSession
    from cabinet.models.types import utcnow
    member = make.user()
    browser = app.test_client()
    response = factories.login(browser, member)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("cabinet_session="))
    assert "Expires=" in cookie  # the browser forgets it too
    assert browser.get("/api/v1/me").status_code == 200
    login = db.session.query(LoginSession).filter_by(user_id=member.id).one()
    login.created_at = utcnow() - timedelta(seconds=app.config["PERMANENT_SESSION_LIFETIME"] + 60)
    db.session.commit()
    assert browser.get("/api/v1/me").status_code == 401
    assert "/login" in browser.get("/meetings/").headers["Location"]


def test_answers_that_change_nothing_in_the_session_send_no_cookie(app, make):
    """With the login's cookie made permanent, Flask sent it again on every answer: a slow answer that had
    started before the session changed (a flash after a reply, the language) put the old cookie back, and
    the change was lost (the Chromium test's 'reply recorded' message vanished now and then)."""
    member = make.user()
    browser = app.test_client()
    factories.login(browser, member)
    browser.get("/meetings/")  # the first page after login keeps a new CSRF token in the session
    answer = browser.get("/meetings/")
    assert answer.status_code == 200
    assert not [h for h in answer.headers.getlist("Set-Cookie") if h.startswith("cabinet_session=")]
