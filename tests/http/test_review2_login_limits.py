"""Second review of issue 11's login limits (services/login_attempts.py). An attempt is reserved when its
hash starts and given back when the password was right. The give-back is a decrement of whatever bucket
holds that key *now*: when the window the attempt was counted in has ended while its password was being
checked, the decrement lands in the next window, which starts at -1. A right password then gives back more
than it took, and an attacker's own account buys guesses for the address."""
import time

from argon2 import PasswordHasher

from cabinet.extensions import db

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
