"""Small pure helpers shared by the HTML views: running one service call, form parsing, time display."""
from __future__ import annotations

from datetime import datetime
from typing import Callable, TypeVar
from zoneinfo import ZoneInfo

from flask import Blueprint, request
from flask_babel import format_date, format_time
from flask_login import current_user

from ..config import DEFAULT_TIMEZONE
from ..extensions import db
from ..services.errors import DomainError
from ..services.permissions import may

T = TypeVar("T")
LOCAL = ZoneInfo(DEFAULT_TIMEZONE)


class Outcome:
    """What one service call gave: its result, or the domain error that refused it."""

    def __init__(self, result=None, error: DomainError | None = None):
        self.result = result
        self.error = error

    @property
    def ok(self) -> bool:
        return self.error is None


def attempt(action: Callable[..., T], *args, **kwargs) -> Outcome:
    """Call one service function; commit if it succeeds, roll back and keep the error if it refuses."""
    try:
        result = action(*args, **kwargs)
        db.session.commit()
        return Outcome(result)
    except DomainError as err:
        db.session.rollback()
        return Outcome(error=err)


def actor():
    """The logged-in user as a plain object (services store it and compare identities)."""
    return current_user._get_current_object()


def form_text(name: str) -> str:
    return request.form.get(name, "")


def form_optional(name: str) -> str | None:
    """A select or number field where empty means "none"."""
    value = request.form.get(name, "").strip()
    return value or None


def local_input(value: datetime | None) -> str:
    """A stored UTC time as the value of an <input type="datetime-local"> in Vietnam's time."""
    return value.astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M") if value else ""


def error_context(outcome: Outcome) -> dict:
    """Template variables for a refused form: the message and the field it is about."""
    return {"error": outcome.error.message, "error_field": outcome.error.field}


def register_filters(bp: Blueprint) -> None:
    """Jinja filters and globals for every page (registered once, through the meetings blueprint)."""

    @bp.app_template_filter("day")
    def day(value):
        """"Thứ Ba, 9 tháng 12, 2025" — the full date in the reader's language, Vietnam time."""
        return format_date(value, "full") if value else ""

    @bp.app_template_filter("clock")
    def clock(value):
        return format_time(value, "HH:mm") if value else ""

    @bp.app_template_filter("time_range")
    def time_range(meeting):
        """"Thứ Ba, 9 tháng 12, 2025 · 08:00–11:30" (the end's date too when it is another day)."""
        start = f"{day(meeting.starts_at)} · {clock(meeting.starts_at)}"
        if not meeting.ends_at:
            return start
        if meeting.ends_at.astimezone(LOCAL).date() == meeting.starts_at.astimezone(LOCAL).date():
            return f"{start}–{clock(meeting.ends_at)}"
        return f"{start} – {day(meeting.ends_at)} · {clock(meeting.ends_at)}"

    @bp.app_context_processor
    def navigation():
        """What the top bar offers this user, and the page to come back to after a language switch."""
        user = current_user if current_user.is_authenticated else None
        here = request.full_path if request.query_string else request.path
        return {
            "nav": {
                "users": may(user, "user.manage"),
                "bodies": may(user, "body.manage"),
                "archive": may(user, "archive.search"),
                "audit": may(user, "audit.view"),
            },
            "here": here,
        }
