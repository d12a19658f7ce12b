"""Automatic audit entries: every insert, update and delete of the models, seen at flush.

Generic over the models (tables added later are recorded too), with explicit exceptions:
- tables never recorded: caches and counters, the e-mail outbox, reads (access is logged on its own where
  it matters), and the vote tables — a secret ballot must never be linkable to its voter, so `polls.cast_ballot` records
  "took part" itself (the option only for named polls) and the tallies are never logged;
- columns whose values are never written: secrets (password and token hashes, keys), private notes
  (annotation contents), titles and file names of confidential documents; long values become their
  SHA-256 and length;
- bookkeeping columns (`seq`, `updated_at`) that are no change on their own.
Nothing here queries the database: values come from what the session holds.
"""
from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import LargeBinary, inspect
from sqlalchemy.orm import Session

from ..extensions import db

EXCLUDED_TABLES = {
    "audit_log",
    "stamped_copies", "document_reads", "archive_entries",         # caches, read tracking, search index
    "poll_tallies", "ballot_participations", "named_ballots",     # ballots: recorded by cast_ballot
    "outgoing_mail",  # a delivery queue: the change that caused a message is recorded; its text holds one-use links
}
NOISE_COLUMNS = {"seq", "updated_at"}
REDACTED_COLUMNS = {
    "annotations": {"text", "rect", "quads", "paths"},           # a member's private notes
}
SECRET_NAME = re.compile(r"password|passphrase|secret|token|private|pkcs|salt|(^|_)key(_|$)|hash$")
REDACTED = "***"
LONG = 300  # characters of JSON beyond which a value is recorded as its digest

_infos: dict[type, "ModelInfo | None"] = {}


class ModelInfo:
    """What the listener needs to know about one model, computed once."""

    def __init__(self, mapper):
        table = mapper.local_table
        self.table = table.name
        self.object_type = re.sub(r"(?<!^)(?=[A-Z])", "_", mapper.class_.__name__).lower()
        self.columns = [(prop.key, prop.columns[0]) for prop in mapper.column_attrs]
        self.pk_keys = [mapper.get_property_by_column(c).key for c in mapper.primary_key]
        self.redacted = {key for key, column in self.columns
                         if SECRET_NAME.search(column.name) or isinstance(column.type, LargeBinary)
                         or column.name in REDACTED_COLUMNS.get(self.table, ())}
        self.has_meeting_id = "meeting_id" in table.c and self.table != "meetings"
        # Parents reachable by a foreign key to a one-column primary key: where a meeting may be found.
        self.parents = []
        for key, column in self.columns:
            for fk in column.foreign_keys:
                target = _mapper_for_table(fk.column.table)
                if target is not None and len(target.primary_key) == 1:
                    self.parents.append((key, target))


def _mapper_for_table(table):
    for mapper in db.Model.registry.mappers:
        if mapper.local_table is table:
            return mapper
    return None


def info_for(cls) -> ModelInfo | None:
    if cls not in _infos:
        mapper = inspect(cls, raiseerr=False)
        recorded = mapper is not None and getattr(mapper, "local_table", None) is not None \
            and mapper.local_table.name not in EXCLUDED_TABLES
        _infos[cls] = ModelInfo(mapper) if recorded else None
    return _infos[cls]


def object_ref(obj) -> tuple[str, str]:
    """(object type, primary key as text; "a,b" for composite keys), without loading anything."""
    info = info_for(type(obj)) or ModelInfo(inspect(type(obj)))
    state = inspect(obj)
    values = list(state.identity) if state.identity else [state.dict.get(k) for k in info.pk_keys]
    return info.object_type, ",".join("" if v is None else str(v) for v in values)


def meeting_of(session: Session, obj, *, load: bool = False, depth: int = 0, pending=None) -> int | None:
    """The meeting an object belongs to, following foreign keys through objects the session holds
    (`load`: outside a flush, an expired attribute may be loaded)."""
    from ..models import Meeting
    state = inspect(obj)
    values = obj.__dict__
    if isinstance(obj, Meeting):
        return state.identity[0] if state.identity else values.get("id")
    info = info_for(type(obj)) or ModelInfo(state.mapper)
    if info.has_meeting_id:
        found = values.get("meeting_id")
        if found is None and load and not state.was_deleted:
            found = getattr(obj, "meeting_id", None)
        if found is not None:
            return found
    if depth >= 3:
        return None
    for key, target in info.parents:
        value = values.get(key)
        if value is None and load and not state.was_deleted:
            value = getattr(obj, key, None)
        if value is None:
            continue
        parent = _held(session, target, value, pending)
        if parent is not None:
            found = meeting_of(session, parent, load=load, depth=depth + 1, pending=pending)
            if found is not None:
                return found
    return None


def _held(session: Session, mapper, pk, pending):
    """The object with this key if the session holds it (persistent, or inserted by this flush)."""
    held = session.identity_map.get(mapper.identity_key_from_primary_key((pk,)))
    if held is None and pending is not None:
        held = pending.get((mapper.class_, pk))
    return held


def _value(value):
    """A JSON-ready value; long ones as their digest."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"bytes": len(value)}
    if isinstance(value, (str, list, dict)):
        dumped = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
        if len(dumped) > LONG:
            return {"sha256": hashlib.sha256(dumped.encode("utf-8")).hexdigest(), "length": len(dumped)}
    return value


def _confidential_document(session: Session, document_id, pending) -> bool:
    """True unless the session holds the document and it is not confidential (unknown: assume it is)."""
    from ..models import Document
    document = _held(session, inspect(Document), document_id, pending) if document_id is not None else None
    return document is None or document.__dict__.get("access") == "confidential"


def _hidden(session: Session, info: ModelInfo, obj, old_access, pending) -> set[str]:
    """Columns whose values this entry must not show."""
    hidden = set(info.redacted)
    if info.table == "documents" and "confidential" in (obj.__dict__.get("access"), old_access):
        hidden.add("title")
    elif info.table == "document_versions" and _confidential_document(session, obj.__dict__.get("document_id"),
                                                                      pending):
        hidden.add("filename")
    return hidden


def _describe(session: Session, obj, info: ModelInfo, verb: str, pending) -> dict | None:
    state = inspect(obj)
    values = state.dict
    if verb == "update":
        changes, old_access = {}, None
        for key, _column in info.columns:
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old == new or key in NOISE_COLUMNS:
                continue
            if key == "access":
                old_access = old
            changes[key] = (old, new)
        if not changes:
            return None
        hidden = _hidden(session, info, obj, old_access, pending)
        details = {"changed": {k: REDACTED if k in hidden else [_value(o), _value(n)]
                               for k, (o, n) in changes.items()}}
    else:
        hidden = _hidden(session, info, obj, None, pending)
        shown = {key: (REDACTED if key in hidden else _value(values[key]))
                 for key, _column in info.columns if values.get(key) is not None and key not in NOISE_COLUMNS}
        details = {"values": shown}
    object_type, object_id = object_ref(obj)
    entry = {"action": f"{object_type}.{verb}", "object_type": object_type, "object_id": object_id,
             "meeting_id": meeting_of(session, obj, pending=pending), "details": details}
    if verb != "delete":
        entry["merge_key"] = (object_type, object_id)
    return entry


def merged(entries: list[dict]) -> list[dict]:
    """One entry per object and transaction: later flushes' changes join its create or update entry
    (old value from the first, new from the last; a change undone within the transaction is none)."""
    if not any("merge_key" in e for e in entries):
        return entries
    kept, index = [], {}
    for entry in entries:
        key = entry.pop("merge_key", None)
        target = index.get(key) if key else None
        if target is None:
            if key:
                index[key] = entry
            kept.append(entry)
            continue
        if target["meeting_id"] is None:
            target["meeting_id"] = entry["meeting_id"]
        changes = entry["details"]["changed"]  # only updates follow a create or an update
        if "values" in target["details"]:
            for field, change in changes.items():
                target["details"]["values"][field] = change if change == REDACTED else change[1]
            continue
        into = target["details"]["changed"]
        for field, change in changes.items():
            if field in into and change != REDACTED and into[field] != REDACTED:
                into[field] = [into[field][0], change[1]]
                if into[field][0] == into[field][1]:
                    del into[field]
            else:
                into[field] = change
        if not into:
            kept.remove(target)
            del index[key]
    return kept


def capture(session: Session, _flush_context) -> None:
    """after_flush: queue one entry per inserted, changed or deleted object (before the flush's history
    is reset, so old and new values are both at hand)."""
    if not (session.new or session.dirty or session.deleted):
        return
    pending = None
    if session.new:  # objects inserted by this flush are not in the identity map yet
        pending = {}
        for obj in session.new:
            info = info_for(type(obj))
            if info is not None and len(info.pk_keys) == 1:
                pending[(type(obj), obj.__dict__.get(info.pk_keys[0]))] = obj
    entries = []
    for verb, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            info = info_for(type(obj))
            if info is None:
                continue
            entry = _describe(session, obj, info, verb, pending)
            if entry is not None:
                entries.append(entry)
    if entries:
        from .audit import queue
        queue(session, entries)
