"""Review of issue 11's sessions: "the session is rotated at login; logout ends the session on the server
(copied cookie useless)". On a shared tablet the next member logs in over the last one's session without
pressing Log out: the new cookie replaces the old in the browser, but the old login stays open on the
server for the rest of its 12 hours, so a copy of the first member's cookie still opens their account."""
from .. import factories


def test_logging_in_over_a_session_ends_the_previous_login(app, make):
    first, second = make.user(), make.user()
    tablet = app.test_client()
    factories.login(tablet, first)
    copied = tablet.get_cookie("cabinet_session", domain="cabinet.test").value
    assert tablet.get("/api/v1/me").get_json()["id"] == first.id

    # The next member, on the same tablet, without logging out (the login form is posted again, as a
    # bookmarked or back-buttoned login page does; its CSRF token from any page).
    token = factories.csrf_token(tablet, "/meetings/")
    assert tablet.post("/login", data={"username": second.username, "password": make.PASSWORD,
                                       "csrf_token": token}).status_code == 302
    assert tablet.get("/api/v1/me").get_json()["id"] == second.id

    thief = app.test_client()
    thief.set_cookie("cabinet_session", copied, domain="cabinet.test")
    answer = thief.get("/api/v1/me")
    assert answer.status_code == 401, f"the first member's replaced cookie still opens their account: {answer.get_json()}"
