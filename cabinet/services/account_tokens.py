"""Secrets a member holds outside a login — the private calendar feed's address, a password-reset link:
long random values handed out once, stored as their SHA-256 only (as API tokens are), looked up by that
digest (one indexed query, the same whether the value exists or not) and ended by revoking or using."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import func, select, update

from ..extensions import db
from ..models import AccountToken, User
from ..models.types import utcnow


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def new_secret() -> str:
    """256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def issue(user: User, purpose: str, *, expires_at: datetime | None = None) -> tuple[AccountToken, str]:
    """A new token for `user` that replaces every live one of the same purpose; returns the row and the raw
    value, which is never stored."""
    revoke_all(user, purpose)
    raw = new_secret()
    token = AccountToken(user_id=user.id, purpose=purpose, token_hash=digest(raw), expires_at=expires_at)
    db.session.add(token)
    db.session.flush()
    return token, raw


def live(raw, purpose: str) -> AccountToken | None:
    """The token with this raw value while it holds: not revoked, not used, not expired, its account
    active. Anything else (a wrong value included) is None, after the same single query."""
    if not isinstance(raw, str) or not raw or len(raw) > 200:
        raw = ""  # still hashed and looked up: no quicker answer for a malformed guess
    token = db.session.scalar(select(AccountToken).where(AccountToken.token_hash == digest(raw),
                                                         AccountToken.purpose == purpose))
    if token is None or token.revoked_at is not None or token.used_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= utcnow():
        return None
    return token if token.user.active else None


def current(user: User, purpose: str) -> AccountToken | None:
    """The user's live token of this purpose (for the page that says whether one exists)."""
    return db.session.scalar(select(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.revoked_at.is_(None),
        AccountToken.used_at.is_(None)).order_by(AccountToken.id.desc()).limit(1))


def revoke_all(user: User, purpose: str) -> int:
    """End every live token of this purpose of the user; how many there were."""
    return db.session.execute(update(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.revoked_at.is_(None),
        AccountToken.used_at.is_(None)).values(revoked_at=utcnow())
        .execution_options(synchronize_session="fetch")).rowcount


def issued_since(user_id: int | None, purpose: str, since: datetime) -> int:
    """How many tokens of this purpose the user was given since `since` (the per-account mail limit)."""
    return db.session.scalar(select(func.count()).select_from(AccountToken).where(
        AccountToken.user_id == (user_id if user_id is not None else -1), AccountToken.purpose == purpose,
        AccountToken.created_at >= since)) or 0
