"""Accounts: hashing, disabling, tokens."""
from datetime import timedelta

import pytest

from cabinet.extensions import db
from cabinet.models import ApiToken
from cabinet.services import accounts
from cabinet.services.errors import Conflict, Invalid, NotAuthenticated

from .. import factories

DAY = timedelta(hours=12)


def test_passwords_are_argon2_hashed(make):
    user = make.user()
    assert user.password_hash.startswith("$argon2id$")
    assert make.PASSWORD not in user.password_hash


def test_authenticate_gives_one_message_for_wrong_user_or_password(make):
    user = make.user()
    with pytest.raises(NotAuthenticated) as wrong_password:
        accounts.authenticate(user.username, "nope-nope")
    with pytest.raises(NotAuthenticated) as wrong_user:
        accounts.authenticate("nobody", "nope-nope")
    assert wrong_password.value.code == wrong_user.value.code == "invalid_credentials"
    assert accounts.authenticate(user.username.upper(), make.PASSWORD) is user


def test_tokens_are_stored_hashed_and_die_with_the_account(make):
    admin, user = make.user("admin"), make.user()
    raw = accounts.issue_token(user, days=1)
    db.session.commit()
    assert db.session.query(ApiToken).filter_by(token_hash=raw).count() == 0
    assert accounts.user_for_token(raw) is user
    session_id, login_id = user.get_id(), accounts.start_login(user)
    db.session.commit()
    assert accounts.load_session_user(session_id, login_id, DAY) is user
    accounts.update_user(admin, user, {"active": False})
    db.session.commit()
    assert accounts.user_for_token(raw) is None
    assert accounts.load_session_user(session_id, login_id, DAY) is None
    accounts.update_user(admin, user, {"active": True})
    assert accounts.user_for_token(raw) is None, "re-enabling does not revive old tokens"


def test_duplicate_username_and_bad_values(make):
    make.user(username="hoa")
    with pytest.raises(Conflict):
        accounts.create_user(None, username="HOA", full_name="x", password="long-enough")
    with pytest.raises(Invalid):
        accounts.create_user(None, username="minh", full_name="x", password="short")
    with pytest.raises(Invalid):
        accounts.create_user(None, username="minh", full_name="x", password="long-enough", roles=["emperor"])
    with pytest.raises(Invalid):
        accounts.create_user(None, username="nguyễn", full_name="x", password="long-enough")


def test_admin_cannot_lock_themselves_out(make):
    admin = make.user("admin")
    with pytest.raises(Conflict):
        accounts.update_user(admin, admin, {"active": False})
    with pytest.raises(Conflict):
        accounts.update_user(admin, admin, {"roles": ["member"]})


def test_a_login_holds_no_database_connection_while_its_password_is_hashed(make):
    """A hundred members logging in at once each held a pooled connection while waiting for the hashing
    threads, so the chair's moves and /healthz waited 6 s for one (bench/logins.py). The session has no
    transaction open (its connection is back in the pool) when the hash is checked, whoever asks."""
    from cabinet import offload
    member = make.user()
    make.user("admin").full_name  # a read in the same request first, as Flask-Login's loader does
    seen = []

    def recording(fn, args, ready):
        if ready is not None:
            ready()
        seen.append(db.session().in_transaction())
        return fn(*args)
    offload.install(recording)
    try:
        assert accounts.authenticate(member.username, factories.PASSWORD, "192.0.2.7") == member
        with pytest.raises(NotAuthenticated):
            accounts.authenticate("không-có-ai", factories.PASSWORD, "192.0.2.7")
    finally:
        offload.install(None)
    assert seen == [False, False]
    assert member.active  # what the login loaded reloads after


def test_the_dummy_hash_is_made_once_whoever_logs_in_first(app):
    """The first burst of logins after a start each made the dummy hash for unknown usernames (a hundred
    extra argon2 hashes: the burst took twice as long in bench/logins.py). Many at once: one dummy."""
    import threading

    from cabinet import offload
    accounts._hashers.clear()
    hashed, dummies, start = [], [], threading.Barrier(4)

    def counting(fn, args, ready):
        hashed.append(args)
        return fn(*args)

    def first_login():
        with app.app_context():
            start.wait()
            dummies.append(accounts._hasher_and_dummy()[1])
    offload.install(counting)
    try:
        threads = [threading.Thread(target=first_login) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        offload.install(None)
    assert len(hashed) == 1 and len(dummies) == 4 and len(set(dummies)) == 1
