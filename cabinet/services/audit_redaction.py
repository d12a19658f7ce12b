"""What a reader of the audit log may not see in it: the titles and file names of confidential documents
they may not read. Entries written while a document was confidential never held them (audit_capture);
entries written before the secretariat made it confidential do, so they are hidden when read, for each
reader. An entry's hash covers what was written: a hidden row checks out only on the server (docs/AUDIT.md)."""
from __future__ import annotations

import json

from sqlalchemy import select

from ..models import AuditEntry, Document, User
from .audit_capture import REDACTED
from .permissions import may


def hidden_names(reader: User | None, meeting_ids) -> set[str]:
    """Titles and file names of the confidential documents of these meetings that `reader` may not read
    (None: the operator at the command line, who reads everything)."""
    if reader is None:
        return set()
    from ..extensions import db
    ids = {m for m in meeting_ids if m is not None}
    if not ids:
        return set()
    names, hidden = set(), []
    for document in db.session.scalars(select(Document).where(Document.meeting_id.in_(ids),
                                                              Document.access == "confidential")):
        if not may(reader, "document.read", document):
            hidden.append(str(document.id))
            names.add(document.title)
            names.update(version.filename for version in document.versions)
    if hidden:  # and every title it had before: a rename leaves the old one in earlier entries
        for details in db.session.scalars(select(AuditEntry.details).where(
                AuditEntry.object_type == "document", AuditEntry.object_id.in_(hidden))):
            names.update(_titles_in(details))
    return {name for name in names if isinstance(name, str) and name}


def _titles_in(details: str) -> list:
    """The titles a document's own entry holds: created with one, or changed from one to another."""
    try:
        data = json.loads(details)
    except (TypeError, ValueError):
        return []
    if not isinstance(data, dict):
        return []
    values, changed = data.get("values") or {}, data.get("changed") or {}
    titles = [values.get("title")] if isinstance(values, dict) else []
    if isinstance(changed, dict) and isinstance(changed.get("title"), list):
        titles += changed["title"]
    return titles


def scrub(value, names: set[str]):
    """`value` (an entry's details) with every one of `names` hidden, wherever it sits."""
    if not names:
        return value
    if isinstance(value, str):
        return REDACTED if value in names or any(name in value for name in names) else value
    if isinstance(value, list):
        return [scrub(item, names) for item in value]
    if isinstance(value, dict):
        return {key: scrub(item, names) for key, item in value.items()}
    return value
