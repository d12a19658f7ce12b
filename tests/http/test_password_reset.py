"""Issue 13 (accounts): "Quên mật khẩu?" — a one-use link by e-mail, through a real SMTP server. Whoever
asks gets the same answer whether the account exists or not; the link (its token stored as a hash) works
once, for 30 minutes, only the newest one; setting the password ends every session, token and live
connection; at most 3 mails an account an hour, 5 requests an address in 15 minutes; nothing at all while
e-mail is off."""
import json
import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cabinet.extensions import db
from cabinet.models import AccountToken, AuditEntry, OutgoingMail
from cabinet.models.types import utcnow
from cabinet.services import accounts, mail
from cabinet.services.errors import NotAuthenticated, TooManyAttempts

from ..factories import csrf_token, login

NEW = "mat-khau-moi-2027"
SAME_ANSWER = "Nếu tài khoản tồn tại và có địa chỉ e-mail, một liên kết đã được gửi."
GONE = "Liên kết đã hết hạn hoặc đã được dùng."


def _ask(client, identifier, address="10.1.1.1"):
    return client.post("/password/forgot", environ_base={"REMOTE_ADDR": address}, data={
        "csrf_token": csrf_token(client, "/password/forgot"), "identifier": identifier})


def _link_in_mail(smtp) -> str:
    """The link in the message just sent (messages of the same second have no order by their Date)."""
    before = {m["Message-ID"] for m in smtp.messages()}
    assert mail.send_due() == 1
    (letter,) = [m for m in smtp.messages() if m["Message-ID"] not in before]
    text = letter.get_body(("plain",)).get_content()
    match = re.search(r"http://localhost:5000(/password/reset/[A-Za-z0-9_-]{40,})", text)
    assert match, text
    assert match.group(0) in letter.get_body(("html",)).get_content()
    return match.group(1)


def _page(answer) -> str:
    """The page without its CSRF tokens (the language switch's form carries one per session)."""
    return re.sub(r'(name="csrf_token"|csrf-token" content=)[^>]*>', "", answer.get_data(as_text=True))


def _set(client, path, new, confirm=None):
    return client.post(path, data={"csrf_token": csrf_token(client, path), "password": new,
                                   "confirm": new if confirm is None else confirm})


def _mails() -> int:
    return db.session.scalar(select(func.count()).select_from(OutgoingMail))


def test_a_member_resets_the_password_by_mail_and_logs_in_with_the_new_one(app, make, smtp):
    member = make.user(full_name="Đỗ Thị Hương", email="huong@thanhhoa.gov.vn")
    elsewhere = app.test_client()
    login(elsewhere, member)
    token = accounts.issue_token(member, days=1)
    db.session.commit()
    client = app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    assert "Quên mật khẩu?" in login_page and 'href="/password/forgot"' in login_page
    answer = _ask(client, member.username.upper())
    assert answer.status_code == 200 and SAME_ANSWER in answer.get_data(as_text=True)
    path = _link_in_mail(smtp)
    letter = smtp.messages()[-1]
    assert letter["To"] == "huong@thanhhoa.gov.vn" and letter["Subject"] == "Đặt lại mật khẩu Cabinet"
    assert "Kính gửi Đỗ Thị Hương" in letter.get_body(("plain",)).get_content()
    raw = path.rsplit("/", 1)[1]
    assert raw not in db.session.scalars(select(AccountToken.token_hash)).all()

    page = client.get(path)
    assert page.status_code == 200 and "Đặt mật khẩu mới" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert client.get(path).status_code == 200, "opening the link uses nothing up (mail scanners open links)"
    typo = _set(client, path, NEW, NEW + "x")
    assert typo.status_code == 422 and "Hai lần nhập mật khẩu mới không giống nhau." in typo.get_data(as_text=True)
    weak = _set(client, path, "ngan", "ngan")
    assert weak.status_code == 422 and "ít nhất 8 ký tự" in weak.get_data(as_text=True)
    done = _set(client, path, NEW)
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert "Mật khẩu đã được đặt lại" in client.get("/login").get_data(as_text=True)

    assert elsewhere.get("/meetings/").status_code == 302, "every browser logged in before is logged out"
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert login(client, member).status_code == 401, "the old password opens nothing"
    assert login(client, member, NEW).status_code == 302
    assert client.get("/meetings/").status_code == 200

    again = _set(app.test_client(), path, "mat-khau-khac-2028")
    assert again.status_code == 410 and GONE in again.get_data(as_text=True), "a link works once"
    assert app.test_client().get(path).status_code == 410
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("user.password_reset%"))
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["user.password_reset_requested", "user.password_reset"]
    assert raw not in str(db.session.scalars(select(AuditEntry.details)).all())


def test_an_unknown_name_gets_the_same_answer_and_no_mail(app, make, smtp):
    member = make.user(email="huong@thanhhoa.gov.vn")
    started = time.monotonic()
    known = _ask(app.test_client(), member.username, address="10.1.1.2")
    middle = time.monotonic()
    unknown = _ask(app.test_client(), "khong-co-ai", address="10.1.1.3")
    assert min(middle - started, time.monotonic() - middle) >= 0.25, "neither answers sooner than the floor"
    unknown_address = _ask(app.test_client(), "ai@nowhere.vn", address="10.1.1.4")
    assert known.status_code == unknown.status_code == unknown_address.status_code == 200
    assert _page(known) == _page(unknown) == _page(unknown_address), "the same page"
    assert _mails() == 1


def test_an_address_names_the_account_and_an_account_without_one_gets_nothing(app, make, smtp):
    member = make.user(email="Huong@ThanhHoa.gov.vn")
    nobody = make.user(email="")
    _ask(app.test_client(), "huong@thanhhoa.gov.vn")
    _ask(app.test_client(), nobody.username, address="10.1.1.5")
    assert mail.send_due() == 1 and smtp.messages()[0]["To"] == member.email


def test_a_disabled_account_gets_nothing_and_its_link_stops(app, make, smtp):
    admin = make.user("admin")
    member = make.user(email="huong@thanhhoa.gov.vn")
    _ask(app.test_client(), member.username)
    path = _link_in_mail(smtp)
    accounts.update_user(admin, member, {"active": False})
    db.session.commit()
    assert app.test_client().get(path).status_code == 410
    _ask(app.test_client(), member.username, address="10.1.1.6")
    assert _mails() == 1


def test_only_the_newest_link_works_and_none_after_30_minutes(app, make, smtp):
    member = make.user(email="huong@thanhhoa.gov.vn")
    before = member.password_hash
    _ask(app.test_client(), member.username)
    first = _link_in_mail(smtp)
    _ask(app.test_client(), member.username)
    second = _link_in_mail(smtp)
    assert app.test_client().get(first).status_code == 410, "a newer link replaces it"
    assert app.test_client().get(second).status_code == 200
    newest = db.session.scalars(select(AccountToken).order_by(AccountToken.id.desc())).first()
    assert timedelta(minutes=29) < newest.expires_at - newest.created_at <= timedelta(minutes=30)
    newest.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    expired = _set(app.test_client(), second, NEW)
    assert expired.status_code == 410 and GONE in expired.get_data(as_text=True)
    db.session.expire_all()
    assert member.password_hash == before


def test_a_mailbox_gets_at_most_three_links_an_hour(app, make, smtp):
    member = make.user(email="huong@thanhhoa.gov.vn")
    answers = [_ask(app.test_client(), member.username, address=f"10.2.0.{i}") for i in range(5)]
    assert {a.status_code for a in answers} == {200} and len({_page(a) for a in answers}) == 1
    assert _mails() == 3
    mailed = db.session.scalars(select(AuditEntry.details).where(
        AuditEntry.action == "user.password_reset_requested").order_by(AuditEntry.id)).all()
    assert [json.loads(d)["mailed"] for d in mailed] == [True, True, True, False, False]


def test_one_address_asking_too_often_is_held_back(app, make, smtp):
    client = app.test_client()
    answers = [_ask(client, f"ai-{i}").status_code for i in range(6)]
    assert answers == [200] * 5 + [429]
    assert _ask(client, "ai-khac", address="10.3.3.3").status_code == 200


def test_a_reset_leaves_the_login_limits_as_they_were(app, make, smtp):
    member = make.user(email="huong@thanhhoa.gov.vn")
    for attempt in range(5):
        with pytest.raises(NotAuthenticated):
            accounts.authenticate(member.username, f"doan-{attempt}", "10.4.4.4")
    _ask(app.test_client(), member.username)
    assert _set(app.test_client(), _link_in_mail(smtp), NEW).status_code == 302
    with pytest.raises(TooManyAttempts):
        accounts.authenticate(member.username, NEW, "10.4.4.4")
    assert accounts.authenticate(member.username, NEW, "10.4.4.5").id == member.id


def test_without_e_mail_nothing_is_offered(app, make):
    member = make.user(email="huong@thanhhoa.gov.vn")
    client = app.test_client()
    assert "Quên mật khẩu?" not in client.get("/login").get_data(as_text=True)
    assert client.get("/password/forgot").status_code == 404
    assert client.post("/password/forgot", data={"identifier": member.username}).status_code in (400, 404)
    assert client.get("/password/reset/" + "x" * 43).status_code == 404
    assert db.session.scalar(select(AccountToken.id)) is None


def test_hostile_input_gets_the_same_answer(app, make, smtp):
    for identifier in ("", "x" * 5000, "a\x00b", "' OR 1=1 --"):
        answer = _ask(app.test_client(), identifier, address="10.5.5.5")
        assert answer.status_code == 200 and SAME_ANSWER in answer.get_data(as_text=True)
    client = app.test_client()
    assert client.get("/password/reset/" + "x" * 300).status_code == 410
    assert client.get("/password/reset/%00").status_code == 410
    assert _mails() == 0
