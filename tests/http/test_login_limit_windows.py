"""Second review of issue 11's login limits (services/login_attempts.py). An attempt is reserved when its
hash starts and given back when the password was right. The give-back is a decrement of whatever bucket
holds that key *now*: when the window the attempt was counted in has ended while its password was being
checked, the decrement lands in the next window, which starts at -1. A right password then gives back more
than it took, and an attacker's own account buys guesses for the address."""
import time

from argon2 import PasswordHasher

from cabinet.extensions import db

from .. import factories
from ..factories import PASSWORD

ADDRESS = {"REMOTE_ADDR": "10.77.7.7"}


def _slow_hash(user) -> None:
    """The account's stored hash takes over a second to check (what a crowded server's queue or higher
    argon2 costs do to any login): long enough for a 1-second window to end while it is checked."""
    cost = 1
    while True:
        started = time.perf_counter()
        user.password_hash = PasswordHasher(time_cost=cost, memory_cost=65536).hash(PASSWORD)
        if time.perf_counter() - started > 1.2:  # checking it takes as long as making it did
            break
        cost *= 2
    db.session.commit()


def test_a_right_password_gives_back_no_more_than_it_took(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_IP_RATE_LIMIT", "3 per 1 second")
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "100 per minute")
    attacker = make.user("member")
    _slow_hash(attacker)
    own = client.post("/api/v1/auth/token", json={"username": attacker.username, "password": PASSWORD},
                      environ_base=ADDRESS)
    assert own.status_code == 201  # counted in a window that ended while it was checked, given back in the next
    answers = [client.post("/api/v1/auth/token", json={"username": f"nan-nhan-{i}", "password": "doan-sai-sai"},
                           environ_base=ADDRESS).status_code for i in range(4)]
    assert answers[:3] == [401, 401, 401]
    assert answers[3] == 429, f"a 4th failed guess in a window of 3 was checked after a right login: {answers}"


def test_the_429_login_page_says_when_to_try_again(app, client, make, monkeypatch):
    """A member on a tablet who mistyped too often sees "Quá nhiều lần thử; vui lòng chờ một lát rồi thử lại."
    (twice: the banner and the form). The server knows the wait (Retry-After) but the page does not say it:
    "a little" is no answer for someone standing outside the meeting room."""
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    member = make.user("member")
    address = {"REMOTE_ADDR": "10.77.7.8"}
    answer = None
    for i in range(4):
        token = factories.csrf_token(client)
        answer = client.post("/login", data={"username": member.username, "password": f"sai-mat-khau-{i}",
                                             "csrf_token": token}, environ_base=address)
    assert answer.status_code == 429
    assert int(answer.headers["Retry-After"]) > 0
    page = answer.get_data(as_text=True)
    assert "Quá nhiều lần thử" in page
    assert "giây" in page or "phút" in page, "the 429 page does not say how long to wait"
