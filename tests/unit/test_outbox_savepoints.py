"""A savepoint is not the transaction: SQLAlchemy calls its release a commit (after_commit fires), but the
live events queued before or inside it must wait for the real commit — and vanish if that never comes.
The mail outbox queues each message in a savepoint, so a publication that also sends mail told the
tablets before its own commit (and told them even when the commit then failed)."""
from cabinet.extensions import db, socketio
from cabinet.outbox import notify_user
from cabinet.services import accounts


def _tablet(app, user):
    client = socketio.test_client(app, auth={"token": accounts.issue_token(user, days=1)})
    db.session.commit()
    client.get_received()
    return client


def _names(client):
    return [e["name"] for e in client.get_received()]


def test_events_wait_for_the_real_commit_not_a_savepoint_release(app, make):
    member = make.user()
    tablet = _tablet(app, member)
    notify_user(db.session, member.id, "before.savepoint", {})
    with db.session.begin_nested():
        notify_user(db.session, member.id, "inside.savepoint", {})
    assert _names(tablet) == [], "released savepoint: nothing sent yet"
    db.session.commit()
    assert _names(tablet) == ["before.savepoint", "inside.savepoint"]


def test_a_rolled_back_savepoint_forgets_its_events_and_a_rollback_all(app, make):
    member = make.user()
    tablet = _tablet(app, member)
    notify_user(db.session, member.id, "kept", {})
    savepoint = db.session.begin_nested()
    notify_user(db.session, member.id, "inside.rolled.back", {})
    savepoint.rollback()
    db.session.commit()
    assert _names(tablet) == ["kept"]
    notify_user(db.session, member.id, "never", {})
    with db.session.begin_nested():
        pass
    db.session.rollback()
    db.session.commit()
    assert _names(tablet) == []
