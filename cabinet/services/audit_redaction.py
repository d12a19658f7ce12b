"""What a reader of the audit log may not see in it: the titles and file names of confidential documents
they may not read. Entries written while a document was confidential never held them (audit_capture);
entries written before the secretariat made it confidential do, so they are hidden when read, for each
reader. An entry's hash covers what was written: a hidden row checks out only on the server (docs/AUDIT.md)."""
from __future__ import annotations

from sqlalchemy import select

from ..models import Document, User
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
    names = set()
    for document in db.session.scalars(select(Document).where(Document.meeting_id.in_(ids),
                                                              Document.access == "confidential")):
        if not may(reader, "document.read", document):
            names.add(document.title)
            names.update(version.filename for version in document.versions)
    return {name for name in names if name}


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
