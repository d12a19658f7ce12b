"""The audit log (nhật ký kiểm tra): who did what, when (UTC) and from where — written, chained, verified.

`record()` queues an entry in the current transaction; state changes of the models are queued by the
flush listener in `audit_capture`. Nothing is written until the transaction commits: then, holding a
lock only for the commit (PostgreSQL: an advisory transaction lock; SQLite: its write lock), the entries
take the next ids after the chain's head and each one's hash covers its content and the hash before it.
A rolled-back transaction leaves no entry, and two transactions can never both follow the same row.
docs/AUDIT.md has the rules (what is recorded, what never is, and what the chain does not prove).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import Flask, g, has_app_context, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, insert, select, text
from sqlalchemy.orm import Session

from ..config import DEFAULT_TIMEZONE
from ..models import AuditEntry, User
from ..models.audit import GENESIS_HASH
from ..models.types import utcnow
from . import validation as v
from .errors import Invalid
from .permissions import is_admin, is_secretariat, require

# PostgreSQL advisory lock held by whoever appends to the chain ("CabAudit" in ASCII).
LOCK_KEY = 0x4361624175646974
SYSTEM = "system"  # the actor name of what no person did (commands, migrations, background work)
FIELDS = ("id", "at", "actor_id", "actor_name", "remote_addr", "action", "object_type", "object_id",
          "meeting_id", "details", "prev_hash")
LIMITS = {"actor_name": 200, "remote_addr": 45, "action": 80, "object_type": 80, "object_id": 100}
CSV_COLUMNS = (*FIELDS, "hash")
PAGE_SIZE = 50

_HEAD = select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
_INSERT = insert(AuditEntry.__table__)

_PENDING = "cabinet_audit_pending"   # session.info: entries waiting for the commit
_MARKS = "cabinet_audit_marks"       # session.info: where each open savepoint started in the pending list
_WRITTEN = "cabinet_audit_written"   # session.info: the chain is locked by this transaction already
_CONTEXT = "cabinet_audit_actor"     # flask.g: (actor id, actor name, address) set by set_actor()


# --- who is acting ------------------------------------------------------------------------------

def _snapshot(user) -> tuple[int | None, str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return None, ""
    return user.id, f"{user.full_name} ({user.username})"


def set_actor(user: User | None, remote_addr: str | None = None) -> User | None:
    """Name who acts for the rest of this request, socket event or command, and return them. Requests
    need not call it (the logged-in user is used); socket handlers, logins and tests do."""
    if has_app_context():
        actor_id, name = _snapshot(user)
        setattr(g, _CONTEXT, (actor_id, name if user is not None else SYSTEM, remote_addr))
    return user


def _context() -> tuple[int | None, str, str | None]:
    """(actor id, actor name, address) of whoever acts now: set_actor(), else the request's logged-in
    user (anonymous: no id, empty name), else the system."""
    address = request.remote_addr if has_request_context() else None
    if has_app_context():
        named = g.get(_CONTEXT)
        if named is not None:
            return named[0], named[1], named[2] or address
    if has_request_context():
        user = g.get("_login_user")  # Flask-Login's cache: no query if nobody asked who is calling
        actor_id, name = _snapshot(user)
        return actor_id, name, address
    return None, SYSTEM, None


def acting_address() -> str | None:
    """The address of whoever acts now, for work done on their behalf in another context (ballot_box)."""
    return _context()[2]


# --- queueing -----------------------------------------------------------------------------------

def object_ref(obj) -> tuple[str, str]:
    """("agenda_item", "12") for a model instance: its type in snake case and its primary key."""
    from .audit_capture import object_ref as ref
    return ref(obj)


def record(session: Session, action: str, *, actor: User | None = None, obj=None, meeting_id: int | None = None,
           details: dict | None = None, remote_addr: str | None = None) -> None:
    """Queue an entry in the session's transaction; it is written (chained) when the transaction commits
    and vanishes if it rolls back. `actor` defaults to whoever acts now (see set_actor)."""
    entry = {"action": action, "details": details or {}, "meeting_id": meeting_id, "remote_addr": remote_addr}
    if actor is not None:
        entry["actor"] = _snapshot(actor)
    if obj is not None:
        from .audit_capture import meeting_of
        entry["object_type"], entry["object_id"] = object_ref(obj)
        if meeting_id is None:
            entry["meeting_id"] = meeting_of(session, obj, load=True)
    queue(session, [entry])


def queue(session: Session, entries: list[dict]) -> None:
    """Add entries to the transaction's pending list (after the chain is locked: write them at once)."""
    if session.info.get(_WRITTEN):
        _append(session, entries)
    else:
        session.info.setdefault(_PENDING, []).extend(entries)


def record_login(session: Session, user: User, *, via: str = "password") -> None:
    """A successful login; `user` acts for the rest of the request."""
    set_actor(user)
    record(session, "user.login", actor=user, obj=user, details={"via": via})


def record_logout(session: Session, user: User, *, via: str = "password") -> None:
    """A logout (a browser session ended, or a tablet's token revoked)."""
    record(session, "user.logout", actor=user, obj=user, details={"via": via})


def record_login_failure(session: Session, username, reason: str) -> None:
    """A refused login (never the password). The caller commits: the request's transaction is otherwise
    rolled back with the refusal."""
    name = username[:64] if isinstance(username, str) else ""
    record(session, "user.login_failed", details={"username": name, "reason": reason})


# --- writing the chain --------------------------------------------------------------------------

def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")


def entry_hash(row) -> str:
    """SHA-256 (hex) of a row's canonical form: every column but `hash`, in FIELDS order, as compact JSON."""
    values = [_iso(row[f]) if f == "at" else row[f] for f in FIELDS]
    canonical = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def dumps(details) -> str:
    """Details as stored (and hashed): compact JSON with sorted keys."""
    return details if isinstance(details, str) else json.dumps(details, ensure_ascii=False, sort_keys=True,
                                                                separators=(",", ":"), default=str)


def _lock_chain(connection) -> None:
    """Hold the chain until this transaction ends, so the head read next is the head we extend."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    elif dialect == "sqlite":
        # SQLite has one writer at a time, but its driver begins a transaction only at the first write: a
        # write that changes nothing takes the database's write lock before the head is read (if this
        # transaction wrote already, it holds the lock).
        if not getattr(connection.connection.dbapi_connection, "in_transaction", False):
            connection.execute(text("UPDATE audit_log SET id = id WHERE 0"))


def _append(session: Session, entries: list[dict]) -> None:
    from .audit_capture import merged
    entries = merged(entries)
    if not entries:
        return
    connection = session.connection()
    if not session.info.get(_WRITTEN):
        _lock_chain(connection)
        session.info[_WRITTEN] = True
    head = connection.execute(_HEAD).first()
    last_id, prev = (head.id, head.hash) if head else (0, GENESIS_HASH)
    now = utcnow()
    actor_id, actor_name, address = _context()
    rows = []
    for entry in entries:
        entry_actor_id, entry_actor_name = entry.get("actor") or (actor_id, actor_name)
        last_id += 1
        row = {"id": last_id, "at": now, "actor_id": entry_actor_id, "actor_name": entry_actor_name,
               "remote_addr": entry.get("remote_addr") or address, "action": entry["action"],
               "object_type": entry.get("object_type"), "object_id": entry.get("object_id"),
               "meeting_id": entry.get("meeting_id"), "details": dumps(entry.get("details") or {}),
               "prev_hash": prev}
        for field, limit in LIMITS.items():
            if row[field] is not None:
                row[field] = str(row[field])[:limit]
        row["hash"] = prev = entry_hash(row)
        rows.append(row)
    connection.execute(_INSERT, rows)


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the entries wait for the real commit
    session.flush()  # the last changes reach the capture listener (the commit would flush them anyway)
    pending = session.info.pop(_PENDING, None)
    if pending:
        _append(session, pending)


def _after_transaction_create(session: Session, transaction) -> None:
    if transaction.nested:
        session.info.setdefault(_MARKS, {})[id(transaction)] = len(session.info.get(_PENDING) or ())


def _after_soft_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.nested:  # a savepoint rolled back: forget what was queued inside it
        mark = session.info.get(_MARKS, {}).pop(id(previous_transaction), None)
        if mark is not None and session.info.get(_PENDING):
            del session.info[_PENDING][mark:]
    elif previous_transaction.parent is None:
        _forget(session)


def _after_commit(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint's release is no commit of the transaction
        _forget(session)


def _forget(session: Session) -> None:
    for key in (_PENDING, _MARKS, _WRITTEN):
        session.info.pop(key, None)


def install(app: Flask | None = None) -> None:
    """Hook every session once per process (capture, commit, rollback); forget set_actor() after each
    request or socket event."""
    from .audit_capture import capture
    if not event.contains(Session, "before_commit", _before_commit):
        event.listen(Session, "after_flush", capture)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_transaction_create", _after_transaction_create)
        event.listen(Session, "after_soft_rollback", _after_soft_rollback)
    if app is not None:
        app.teardown_request(lambda _exc: g.pop(_CONTEXT, None))


# --- reading and verifying ----------------------------------------------------------------------

def verify_chain(session: Session, batch: int = 5000) -> dict:
    """Walk the log in id order recomputing every link: {"ok", "checked", "first_broken": {"id", "reason"}
    or None, "head": hash of the last good row}. A deleted row shows as a gap, an edited one as a hash
    mismatch, a rewritten one as a prev_hash mismatch on the row after it."""
    table = AuditEntry.__table__
    checked, expected, prev, last = 0, 1, GENESIS_HASH, 0
    while True:
        page = select(table).where(table.c.id > last).order_by(table.c.id).limit(batch)
        rows = session.execute(page).mappings().all()
        for row in rows:
            reason = None
            if row["id"] != expected:
                reason = "gap in ids"
            elif row["prev_hash"] != prev:
                reason = "prev_hash mismatch"
            elif entry_hash(row) != row["hash"]:
                reason = "hash mismatch"
            if reason:
                return {"ok": False, "checked": checked, "first_broken": {"id": row["id"], "reason": reason},
                        "head": prev if checked else None}
            prev, expected, checked = row["hash"], expected + 1, checked + 1
        if len(rows) < batch:
            return {"ok": True, "checked": checked, "first_broken": None, "head": prev if checked else None}
        last = rows[-1]["id"]


def audit_csv(session: Session, meeting_id: int | None = None, reader: User | None = None) -> str:
    """The log (or one meeting's entries) as CSV in id order, every column with its hash, so each row
    can be checked on its own: sha256 of the canonical form (docs/AUDIT.md) equals `hash` — except a row
    whose details name a confidential document `reader` may not read: that is hidden (audit_redaction)."""
    from .audit_redaction import hidden_names, scrub
    table = AuditEntry.__table__
    query = select(table).order_by(table.c.id)
    if meeting_id is not None:
        query = query.where(table.c.meeting_id == meeting_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    names = set() if reader is None else hidden_names(
        reader, [meeting_id] if meeting_id is not None else session.scalars(select(table.c.meeting_id).distinct()))
    for row in session.execute(query).mappings():
        row = dict(row)
        if names and row["details"]:
            row["details"] = dumps(scrub(json.loads(row["details"]), names))
        writer.writerow(["" if row[c] is None else (_iso(row[c]) if c == "at" else row[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def _day_start(value, field: str) -> datetime | None:
    """Midnight of a YYYY-MM-DD day in Vietnam, as UTC."""
    if value in (None, ""):
        return None
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        raise Invalid(_l("Give the date as YYYY-MM-DD."), code="invalid_date", field=field)
    return datetime.combine(day, time(), tzinfo=ZoneInfo(DEFAULT_TIMEZONE)).astimezone(timezone.utc)


def list_entries(actor: User, *, meeting_id=None, actor_id=None, action=None, date_from=None, date_to=None,
                 before_id=None, limit=PAGE_SIZE) -> list[AuditEntry]:
    """Entries newest first, filtered; page on with `before_id` (the last id seen). 403 unless admin or
    archivist; an archivist reads the entries of the meetings they may open (closed ones) and nothing
    else (logins, accounts); 422 for a malformed filter."""
    from ..extensions import db
    require(actor, "audit.view")
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if not is_admin(actor):
        query = query.where(AuditEntry.meeting_id.in_(_meetings_open_to(actor)))
    meeting_id = v.integer(meeting_id, "meeting_id", required=False)
    actor_id = v.integer(actor_id, "actor_id", required=False)
    before_id = v.integer(before_id, "before_id", required=False)
    limit = v.integer(limit, "limit", minimum=1, maximum=500)
    action = v.text(action, "action", max_length=80, required=False)
    start, end = _day_start(date_from, "date_from"), _day_start(date_to, "date_to")
    if meeting_id is not None:
        query = query.where(AuditEntry.meeting_id == meeting_id)
    if actor_id is not None:
        query = query.where(AuditEntry.actor_id == actor_id)
    if action:  # "poll" matches every poll.* action, "poll.vote" exactly that one
        query = query.where(AuditEntry.action == action if "." in action
                            else AuditEntry.action.startswith(action + ".", autoescape=True))
    if start is not None:
        query = query.where(AuditEntry.at >= start)
    if end is not None:
        query = query.where(AuditEntry.at < end + timedelta(days=1))
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(db.session.scalars(query.limit(limit)))


def _meetings_open_to(actor: User):
    """The ids of meetings this archivist may open, as permissions' meeting.view decides, in SQL."""
    from sqlalchemy import and_, or_
    from ..models import Meeting, Participant
    if is_secretariat(actor):
        return select(Meeting.id)
    invited = select(Participant.meeting_id).where(Participant.user_id == actor.id)
    return select(Meeting.id).where(or_(Meeting.status == "closed",
                                        and_(Meeting.status != "draft", Meeting.id.in_(invited))))


def filter_choices(actor: User) -> dict:
    """What the audit page offers to filter by: meetings (newest first) and people."""
    from ..extensions import db
    from ..models import Meeting
    require(actor, "audit.view")
    query = select(Meeting.id, Meeting.title).order_by(Meeting.starts_at.desc()).limit(500)
    if not is_admin(actor):
        query = query.where(Meeting.id.in_(_meetings_open_to(actor)))
    meetings = db.session.execute(query).all()
    people = db.session.execute(select(User.id, User.full_name, User.username).order_by(User.full_name)).all()
    return {"meetings": meetings, "people": people}


def details_of(entry: AuditEntry):
    """The details as data (as text if someone stored something that is not JSON)."""
    try:
        return json.loads(entry.details)
    except ValueError:
        return entry.details


def readable_details(reader: User, entries: list[AuditEntry]) -> list:
    """Each entry's details as `reader` may see them (audit_redaction: confidential documents' names)."""
    from .audit_redaction import hidden_names, scrub
    names = hidden_names(reader, {entry.meeting_id for entry in entries})
    return [scrub(details_of(entry), names) for entry in entries]


def entry_json(entry: AuditEntry, details) -> dict:
    return {"id": entry.id, "at": _iso(entry.at), "actor_id": entry.actor_id, "actor_name": entry.actor_name,
            "remote_addr": entry.remote_addr, "action": entry.action, "object_type": entry.object_type,
            "object_id": entry.object_id, "meeting_id": entry.meeting_id, "details": details,
            "prev_hash": entry.prev_hash, "hash": entry.hash}
