"""Password reset by e-mail ("Quên mật khẩu?"). Whoever asks gets the same answer whether the account
exists or not; an active account with an address gets a one-use link (its token stored as a hash, valid
PASSWORD_RESET_MINUTES, only the newest one) — at most PASSWORD_RESET_PER_ACCOUNT mails an hour, so a
stranger cannot flood a member's mailbox (beyond that, silently nothing). Setting the new password ends
every session, API token and live connection of the account. docs/OPERATIONS.md has the settings."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from ..extensions import db
from ..models import AccountToken, User
from ..models.types import utcnow
from . import account_tokens, accounts, audit, mail, notifications
from .errors import Gone, NotFound

PURPOSE = "password_reset"
MAX_ACCOUNTS = 5  # one address shared by several accounts: each may be told, up to this many


def offered() -> bool:
    """The login page offers the reset only while e-mail is configured; otherwise the pages are 404."""
    return mail.enabled()


def _require_offered() -> None:
    if not offered():
        raise NotFound(_l("Page not found."), code="not_found")


def _accounts_for(identifier: str) -> list[User]:
    """Active accounts with an address, named by username or by e-mail address (one query either way)."""
    column = User.email if "@" in identifier else User.username
    return list(db.session.scalars(select(User).where(
        func.lower(column) == identifier.lower(), User.active.is_(True), User.email != "")
        .order_by(User.id).limit(MAX_ACCOUNTS)))


def request_reset(identifier) -> None:
    """Mail a reset link to the account(s) `identifier` names, if any and if within the hourly limit.
    Returns nothing and raises nothing for any identifier: the caller's answer must not tell."""
    _require_offered()
    identifier = identifier.strip()[:254] if isinstance(identifier, str) and "\x00" not in identifier else ""
    found = _accounts_for(identifier) if identifier else []
    config = current_app.config
    since = utcnow() - timedelta(hours=1)
    for user in found:
        if account_tokens.issued_since(user.id, PURPOSE, since) >= config["PASSWORD_RESET_PER_ACCOUNT"]:
            audit.record(db.session, "user.password_reset_requested", obj=user, details={"mailed": False})
            continue
        minutes = config["PASSWORD_RESET_MINUTES"]
        token, raw = account_tokens.issue(user, PURPOSE, expires_at=utcnow() + timedelta(minutes=minutes))
        notifications.password_reset(user, token.id, f"{config['BASE_URL']}/password/reset/{raw}", minutes)
        audit.record(db.session, "user.password_reset_requested", obj=user, details={"mailed": True})
    if not found:
        account_tokens.issued_since(None, PURPOSE, since)  # the same queries as for a known account
        audit.record(db.session, "user.password_reset_requested", details={"mailed": False, "known": False})


def link_holder(raw) -> User:
    """The account a reset link is for, while it holds; Gone (410) when it was used, replaced, expired,
    or never existed — one answer for all, so a link says nothing about other accounts."""
    _require_offered()
    token = account_tokens.live(raw, PURPOSE)
    if token is None:
        raise Gone(_l("The link has expired or has been used."), code="reset_link_gone")
    return token.user


def reset_password(raw, new, confirm) -> User:
    """Set the new password through a live link and use the link up (once, even for two requests at the
    same moment). Invalid (422) leaves the link usable; the login limits are left as they are."""
    user = link_holder(raw)
    accounts.replace_password(user, new, confirm)  # checks first: a typo does not burn the link
    now = utcnow()
    used = db.session.execute(update(AccountToken).where(
        AccountToken.token_hash == account_tokens.digest(raw), AccountToken.used_at.is_(None),
        AccountToken.revoked_at.is_(None), AccountToken.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session="fetch")).rowcount
    if used != 1:
        db.session.rollback()
        raise Gone(_l("The link has expired or has been used."), code="reset_link_gone")
    account_tokens.revoke_all(user, PURPOSE)  # an older link still in the mailbox opens nothing either
    audit.record(db.session, "user.password_reset", actor=user, obj=user)
    return user
