"""Readers' copies made ahead of time. A stamped copy is made on a reader's first request, and when a
council opens a new document together (the chair presents it) fifty or five hundred first requests
queue behind one stamp each (docs/BENCHMARKS.md). So when a document that is stamped per reader is
uploaded, gets a new version or new readers, the server starts making the copies of everyone who may
read it, in the background, one at a time (one PDF child: the others stay free for readers who open it
before their copy is ready, who get theirs made on the spot as before).

Each process that handles such a change prepares its copies; several processes may prepare the same
document at once only if it changes twice quickly, and then the (version, reader) unique constraint
keeps one copy per reader.
"""
from __future__ import annotations

import logging
import threading

from flask import current_app
from sqlalchemy import select

from ..extensions import db, socketio
from ..models import Document, StampedCopy
from ..outbox import after_commit
from . import documents
from .permissions import may

log = logging.getLogger(__name__)
_turn = threading.Lock()  # one preparation at a time per process (green under eventlet)


def prepare_after_commit(document: Document) -> None:
    """Once the change commits, start making the document's copies in the background."""
    if not documents.needs_stamp(document) or not current_app.config["PREPARE_COPIES"]:
        return
    app, document_id = current_app._get_current_object(), document.id
    after_commit(db.session, lambda: socketio.start_background_task(_prepare_in_background, app, document_id))


def _prepare_in_background(app, document_id: int) -> None:
    with _turn, app.app_context():
        try:
            made = prepare_copies(document_id)
            if made:
                log.info("prepared %d readers' copies of document %s", made, document_id)
        except Exception:  # a reader still gets a copy on the first request
            log.exception("preparing the copies of document %s failed", document_id)
        finally:
            db.session.remove()


def prepare_copies(document_id: int) -> int:
    """Make the missing copies of the document's current version for everyone invited who may read it;
    returns how many were made."""
    document = db.session.get(Document, document_id)
    if document is None or not documents.needs_stamp(document):
        return 0
    version = document.current_version
    have = set(db.session.scalars(select(StampedCopy.user_id).where(StampedCopy.version_id == version.id)))
    readers = [p.user for p in document.meeting.participants
               if p.user_id not in have and may(p.user, "document.read", document)]
    for reader in readers:
        documents.reader_copy(reader, document, version)
        db.session.commit()  # (a request's view commits the copy's row; here, each on its own)
    return len(readers)
