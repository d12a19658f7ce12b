"""Accounts: creating and editing users, passwords (argon2), logins and revocable API tokens."""
from __future__ import annotations

import hashlib
import secrets
import threading
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import offload
from ..extensions import db
from ..models import GLOBAL_ROLES, ApiToken, LoginSession, User, UserRole
from ..models.types import utcnow
from . import login_attempts, validation as v
from .errors import Conflict, Invalid, NotAuthenticated, NotFound
from .permissions import require

MIN_PASSWORD_LENGTH = 8
_hashers: dict[tuple[int, int], tuple[PasswordHasher, str]] = {}
_making_hasher = threading.Lock()  # green under eventlet: the others wait without holding the loop


def _hasher_and_dummy() -> tuple[PasswordHasher, str]:
    """argon2id with the app's cost settings, and a hash to verify against when the username is unknown
    (so a wrong username costs as long as a wrong password)."""
    from flask import current_app
    costs = (current_app.config["ARGON2_TIME_COST"], current_app.config["ARGON2_MEMORY_KIB"])
    with _making_hasher:  # once: the first burst of logins after a start made a hundred dummies at once
        if costs not in _hashers:
            hasher = PasswordHasher(time_cost=costs[0], memory_cost=costs[1])
            _hashers[costs] = (hasher, offload.run(hasher.hash, "cabinet-timing-equaliser"))  # off the loop
    return _hashers[costs]


def hash_password(password: str) -> str:
    return offload.run(_hasher_and_dummy()[0].hash, password)


def _check_password_value(password) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(_l("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
                      code="weak_password", field="password")
    if len(password) > 1024:
        raise Invalid(_l("The password is too long."), code="too_long", field="password")
    return password


def _check_roles(roles) -> list[str]:
    if isinstance(roles, str):
        roles = [roles]
    if not isinstance(roles, (list, tuple)) or not all(isinstance(r, str) for r in roles):
        raise Invalid(_l("Roles must be a list."), code="invalid_type", field="roles")
    for role in roles:
        v.choice(role, "roles", GLOBAL_ROLES)
    return sorted(set(roles)) or ["member"]


def get_user(user_id) -> User:
    user = db.session.get(User, user_id) if v.is_id(user_id) else None
    if user is None:
        raise NotFound(_l("User not found."), code="user_not_found")
    return user


def find_user_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def create_user(actor: User | None, *, username, full_name, password, roles=("member",),
                position="", email="") -> User:
    """Create an account; `actor` None means the command line, which runs as the operator."""
    if actor is not None:
        require(actor, "user.manage")
    username = v.text(username, "username", max_length=64)
    if not all(c.isalnum() or c in "._-" for c in username) or not username.isascii():
        raise Invalid(_l("A username may use only letters a–z, digits, dot, dash and underscore."),
                      code="invalid_username", field="username")
    user = User(
        username=username.lower(),
        full_name=v.text(full_name, "full_name", max_length=200),
        position=v.text(position, "position", max_length=200, required=False),
        email=v.email(email),
        password_hash=hash_password(_check_password_value(password)),
    )
    user.role_rows = [UserRole(role=r) for r in _check_roles(roles)]
    if find_user_by_username(user.username):
        raise Conflict(_l("The username “%(u)s” is already taken.", u=user.username), code="username_taken",
                       field="username")
    db.session.add(user)
    db.session.flush()
    return user


def update_user(actor: User, user: User, changes: dict) -> User:
    """Edit name, position, roles, password or active flag; disabling or a new password ends all sessions."""
    require(actor, "user.manage")
    if "full_name" in changes:
        user.full_name = v.text(changes["full_name"], "full_name", max_length=200)
    if "position" in changes:
        user.position = v.text(changes["position"], "position", max_length=200, required=False)
    if "email" in changes:
        user.email = v.email(changes["email"])
    if "roles" in changes:
        roles = _check_roles(changes["roles"])
        if user.id == actor.id and "admin" not in roles:
            raise Conflict(_l("You cannot remove your own administrator role."), code="self_demotion")
        user.role_rows = [UserRole(role=r) for r in roles]
    if "password" in changes:
        user.password_hash = hash_password(_check_password_value(changes["password"]))
        _end_sessions(user)
    if "active" in changes:
        active = v.boolean(changes["active"], "active")
        if not active and user.id == actor.id:
            raise Conflict(_l("You cannot disable your own account."), code="self_disable")
        if user.active and not active:
            _end_sessions(user)
        user.active = active
    db.session.flush()
    return user


def change_own_password(actor: User, current, new, confirm, address: str | None) -> None:
    """A member changes their own password: the current one first (a guess counts against the login
    limits, as at the login page), then the new one twice. Every other browser, token and live connection
    of theirs ends (the caller starts a new login for this browser), and so does any reset link."""
    try:
        authenticate(actor.username, current if isinstance(current, str) else "", address)
    except NotAuthenticated:
        raise Invalid(_l("The current password is not right."), code="wrong_password", field="current_password")
    new = _check_password_value(new)
    if new != confirm:
        raise Invalid(_l("The two new passwords are not the same."), code="password_mismatch", field="confirm")
    if new == current:
        raise Invalid(_l("Choose a password other than the current one."), code="same_password", field="password")
    actor.password_hash = hash_password(new)
    _end_sessions(actor)
    from . import account_tokens, audit
    from .password_reset import PURPOSE as RESET
    account_tokens.revoke_all(actor, RESET)  # a reset link still in the mailbox replaces this password no more
    audit.record(db.session, "user.password_change", actor=actor, obj=actor)


def replace_password(user: User, new, confirm) -> None:
    """A new password typed twice, without the current one (a reset link vouches for the person): the
    same rules as every password; every browser, token and live connection of the user ends."""
    new = _check_password_value(new)
    if new != confirm:
        raise Invalid(_l("The two new passwords are not the same."), code="password_mismatch", field="confirm")
    user.password_hash = hash_password(new)
    _end_sessions(user)


def _end_sessions(user: User) -> None:
    """Invalidate every browser session (cookie ids embed session_version), every API token, and
    (after commit) every open Socket.IO connection."""
    from ..outbox import after_commit
    from ..realtime.rooms import end_user_connections
    user.session_version = (user.session_version or 1) + 1
    user_id = user.id
    after_commit(db.session, lambda: end_user_connections(user_id))
    now = utcnow()
    for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                           ApiToken.revoked_at.is_(None))):
        token.revoked_at = now


def authenticate(username, password, address: str | None = None) -> User:
    """The active user with these credentials, or NotAuthenticated (same message whatever was wrong).
    With the caller's address, the attempt counts against its guesses (login_attempts): TooManyAttempts
    once they are used up — at once, or when its turn to be hashed comes — and a right password gives the
    attempt back."""
    if address is None:
        return _verified_user(username, password)
    login_attempts.refuse_if_exhausted(address, username)
    reserved = []  # what the attempt counted when its turn came (ready() runs then)
    user = _verified_user(username, password,
                          ready=lambda: reserved.extend(login_attempts.reserve(address, username)))
    login_attempts.release(reserved)
    return user


def _verified_user(username, password, ready=None) -> User:
    failure = NotAuthenticated(_l("Wrong username or password."), code="invalid_credentials")
    if not isinstance(username, str) or not isinstance(password, str) or len(password) > 1024 \
            or "\x00" in username:  # no name holds a NUL (PostgreSQL refuses one in a query: a 500)
        if ready is not None:
            ready()  # counts as a guess like any other
        raise failure
    hasher, dummy = _hasher_and_dummy()
    # Only what the check needs before the hash (the whole user, roles and all, once it holds): a burst
    # of logins does this part of each at once, in front of everyone else's requests.
    found = db.session.execute(select(User.id, User.password_hash)
                               .where(func.lower(User.username) == username.strip().lower())).first()
    _release_connection()
    try:
        offload.run(hasher.verify, found.password_hash if found else dummy, password, ready=ready)  # off the loop
    except (VerificationError, InvalidHashError):
        raise failure
    user = db.session.get(User, found.id) if found else None
    if user is None:
        raise failure
    if not user.active:
        raise NotAuthenticated(_l("This account is disabled."), code="account_disabled")
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _release_connection() -> None:
    """Hand the database connection back to the pool while a hash is checked (0.1–0.3 s, and longer queued
    behind other logins): a hundred members logging in at once held every pooled connection, so every other
    request (the chair's moves, /healthz) waited for one — 6 s in bench/logins.py. Only reads come before
    the hash in a login; what they loaded reloads after. A caller's pending change is never dropped."""
    if not (db.session.new or db.session.dirty or db.session.deleted):
        db.session.rollback()


def load_session_user(session_id: str, login_id, lifetime: timedelta) -> User | None:
    """Flask-Login's loader: `id:session_version` and the browser's login (LoginSession) in one query; a
    bumped version, an ended login, a login older than `lifetime` or a disabled account logs out."""
    try:
        user_id, version = (int(part) for part in session_id.split(":"))
    except (ValueError, AttributeError):
        return None
    if not isinstance(login_id, str):
        return None
    return db.session.scalars(
        select(User).join(LoginSession, LoginSession.user_id == User.id)
        .where(User.id == user_id, User.session_version == version, User.active.is_(True),
               LoginSession.id == login_id, LoginSession.ended_at.is_(None),
               LoginSession.created_at > utcnow() - lifetime)).first()


def start_login(user: User) -> str:
    """A new login for a browser: the id its session cookie carries (a new one at every login)."""
    login_id = secrets.token_urlsafe(32)
    db.session.add(LoginSession(id=login_id, user_id=user.id))
    db.session.flush()
    return login_id


def end_login(login_id) -> None:
    """Log a browser out on the server: its cookie opens nothing any more, and once this commits its live
    connections are disconnected on every process."""
    from ..outbox import after_commit
    from ..realtime.rooms import end_login_connections
    row = db.session.get(LoginSession, login_id) if isinstance(login_id, str) else None
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
        db.session.flush()
        after_commit(db.session, lambda: end_login_connections(login_id))


def _token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User, *, days: int, label: str = "") -> str:
    """A new Bearer token for `user`; the raw value is returned once and never stored."""
    raw = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_token_digest(raw), label=label[:100],
                            expires_at=utcnow() + timedelta(days=days)))
    db.session.flush()
    return raw


def user_for_token(raw: str) -> User | None:
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(raw)))
    if token is None or token.revoked_at is not None or token.expires_at <= utcnow():
        return None
    return token.user if token.user.active else None


def user_for_token_id(token_id: int) -> User | None:
    """The user of a token while it holds (not revoked, not expired, the account active), with the roles, in
    one query: a live connection asks on every event (every ballot of a vote storm), and a token may
    expire or be revoked while its socket is open."""
    return db.session.scalars(
        select(User).join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > utcnow(),
               User.active.is_(True))
        .options(joinedload(User.role_rows))).unique().first()


def token_id(raw: str) -> int | None:
    """The row id of a token: its live connections share a room named after it (revoke_token)."""
    return db.session.scalar(select(ApiToken.id).where(ApiToken.token_hash == _token_digest(raw)))


def revoke_token(raw: str) -> None:
    """Log a device out: the token stops working, and once this commits its live connections are
    disconnected on every server process (they would otherwise keep receiving and acting)."""
    from ..outbox import after_commit
    from ..realtime.rooms import end_token_connections
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(raw)))
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        revoked = token.id
        after_commit(db.session, lambda: end_token_connections(revoked))


def list_users(actor: User, *, include_inactive: bool = True) -> list[User]:
    require(actor, "user.list")
    query = select(User).order_by(User.full_name)
    if not include_inactive:
        query = query.where(User.active.is_(True))
    return list(db.session.scalars(query))
