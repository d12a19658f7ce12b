"""Checks on plain values shared by every door (forms, API, CLI), raising Invalid with the field named."""
from __future__ import annotations

import re

import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from ..config import DEFAULT_TIMEZONE
from .errors import Invalid

# Human names of the fields, so a message reads "“Tiêu đề” không được để trống", not "“title” …".
FIELD_LABELS = {
    "title": _l("Title"), "description": _l("Description"), "starts_at": _l("Start"), "ends_at": _l("End"),
    "location": _l("Location"), "mode": _l("Format"), "body_id": _l("Body"), "username": _l("Username"),
    "full_name": _l("Full name"), "position": _l("Position"), "password": _l("Password"),
    "roles": _l("Roles"), "role": _l("Meeting role"), "user_id": _l("User"), "reason": _l("Reason"),
    "presenter": _l("Presenter"), "duration_minutes": _l("Planned minutes"), "parent_id": _l("Parent item"),
    "attending": _l("Attending"), "name": _l("Name"), "short_name": _l("Short name"), "email": _l("Email"),
    "confidential": _l("Confidential"), "active": _l("Active"), "item_id": _l("Agenda item"),
    "question": _l("Question"), "options": _l("Options"), "majority": _l("Majority rule"), "secret": _l("Secret"),
    "access": _l("Access"), "readers": _l("Readers"), "agenda_item_id": _l("Agenda item"), "file": _l("File"),
    "version": _l("Version"), "client_id": _l("Client id"), "kind": _l("Kind"), "page": _l("Page"),
    "text": _l("Text"), "color": _l("Colour"), "shared": _l("Shared"), "key": _l("Key"), "option": _l("Option"),
    "seconds": _l("Speaking time"), "document_id": _l("Document"), "comment": _l("Comment"),
    "confirm_empty": _l("Confirmation of the empty sections"),
    "quote": _l("Passage"), "status": _l("Status"), "response": _l("Response"), "recipients": _l("Recipients"),
    "drafting_unit": _l("Drafting unit"), "deadline": _l("Deadline"), "open": _l("Open for comments"),
}


def _label(field: str):
    return FIELD_LABELS.get(field, field)


def visible(value: str) -> str:
    """`value` without the characters nobody sees: control characters (NUL among them, which PostgreSQL
    refuses: a 500 once) other than tab and line breaks, and format characters — zero-width spaces, byte
    order marks, direction overrides that make a title read backwards on every tablet and in the record."""
    return "".join(ch for ch in value if ch in "\t\n\r" or unicodedata.category(ch) not in ("Cc", "Cf"))


def text(value, field: str, *, max_length: int, required: bool = True) -> str:
    """A trimmed string of bounded length, without invisible characters; an empty one is refused when
    required."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(_l("“%(field)s” must be text.", field=_label(field)), code="invalid_type", field=field)
    value = visible(value).strip()
    if required and not value:
        raise Invalid(_l("“%(field)s” must not be empty.", field=_label(field)), code="required", field=field)
    if len(value) > max_length:
        raise Invalid(_l("“%(field)s” is too long (at most %(max)d characters).", field=_label(field), max=max_length),
                      code="too_long", field=field)
    return value


def line(value, field: str, *, max_length: int, required: bool = True) -> str:
    """`text` on one line: line breaks and tabs become single spaces. For titles and subjects, which go
    into mail headers, calendar summaries and one-line places of every page."""
    return " ".join(text(value, field, max_length=max_length, required=required).split())


_ADDRESS = re.compile(r"[^@\s,;:<>()\[\]\\\"]+@[^@\s,;:<>()\[\]\\\"]+\.[^@\s,;:<>()\[\]\\\"]+")


def email(value, field: str = "email", *, required: bool = False) -> str:
    """One e-mail address, nothing else: a comma or a second line would send every message of the account —
    password resets included — to a second mailbox as well, or make each fail for good."""
    address = text(value, field, max_length=254, required=required)
    if address and not _ADDRESS.fullmatch(address):
        raise Invalid(_l("“%(field)s” must be one e-mail address, such as ten.ho@thanhhoa.gov.vn.", field=_label(field)),
                      code="invalid_email", field=field)
    return address


def choice(value, field: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise Invalid(_l("“%(field)s” must be one of: %(allowed)s.", field=_label(field), allowed=", ".join(allowed)),
                      code="invalid_choice", field=field)
    return value


MAX_ID = 2 ** 63 - 1  # the largest key the databases store (a bigger one overflows the driver)


def is_id(value) -> bool:
    """A plausible row id from a URL or a socket payload: an int (not a bool) the databases can hold."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def integer(value, field: str, *, minimum: int | None = None, maximum: int | None = None,
            required: bool = True) -> int | None:
    if value is None or value == "":
        if required:
            raise Invalid(_l("“%(field)s” must not be empty.", field=_label(field)), code="required", field=field)
        return None
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):  # (int(1.5) is 1)
        raise Invalid(_l("“%(field)s” must be a whole number.", field=_label(field)), code="invalid_type", field=field)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Invalid(_l("“%(field)s” must be a whole number.", field=_label(field)), code="invalid_type", field=field)
    maximum = MAX_ID if maximum is None else maximum  # nothing we store is larger; a bigger one overflows
    if (minimum is not None and number < minimum) or number > maximum:
        raise Invalid(_l("“%(field)s” is out of range.", field=_label(field)), code="out_of_range", field=field)
    return number


def boolean(value, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("1", "true", "on", "yes"):
        return True
    if value in (None, "", "0", "false", "off", "no"):
        return False
    raise Invalid(_l("“%(field)s” must be true or false.", field=_label(field)), code="invalid_type", field=field)


def moment(value, field: str, *, required: bool = True) -> datetime | None:
    """An aware datetime from a datetime or ISO 8601 text; a time without offset is local (Asia/Ho_Chi_Minh)."""
    if value is None or value == "":
        if required:
            raise Invalid(_l("“%(field)s” must not be empty.", field=_label(field)), code="required", field=field)
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise Invalid(_l("“%(field)s” is not a valid date and time.", field=_label(field)),
                          code="invalid_datetime", field=field)
    if not isinstance(value, datetime):
        raise Invalid(_l("“%(field)s” is not a valid date and time.", field=_label(field)),
                      code="invalid_datetime", field=field)
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(DEFAULT_TIMEZONE))
    if not 2000 <= value.year <= 2200:
        raise Invalid(_l("“%(field)s” is out of range.", field=_label(field)), code="out_of_range", field=field)
    return value
