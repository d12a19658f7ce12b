"""Readers' annotations: highlights, notes and ink, in PDF user space of the page (see docs/DOCUMENTS.md).

Creation is idempotent per (author, client_id): a tablet that retries after a lost answer, or
replays its offline outbox, never makes a duplicate.
"""
from __future__ import annotations

import math
import re
import uuid

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from ..extensions import db
from ..models import ANNOTATION_KINDS, Annotation, Document, DocumentVersion, User
from ..outbox import notify_user, publish
from . import validation as v
from .errors import Invalid, NotFound
from .documents import get_version
from .permissions import may, require

COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_QUADS, MAX_STROKES, MAX_POINTS = 500, 300, 20000


def _number(value, field) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or abs(value) > 100000:
        raise Invalid(_l("Coordinates must be numbers in PDF points."), code="invalid_coordinates", field=field)
    return round(float(value), 3)


def _box(value, field) -> list[float]:
    if not isinstance(value, (list, tuple)) or len(value) != 4:
        raise Invalid(_l("A rectangle is four numbers [x1, y1, x2, y2]."), code="invalid_coordinates", field=field)
    return [_number(n, field) for n in value]


def _quads(value) -> list[list[float]]:
    if value in (None, []):
        return []
    if not isinstance(value, list) or len(value) > MAX_QUADS:
        raise Invalid(_l("Too many or malformed highlight areas."), code="invalid_coordinates", field="quads")
    return [_box(q, "quads") for q in value]


def _paths(value) -> list[list[list[float]]]:
    if value in (None, []):
        return []
    if not isinstance(value, list) or len(value) > MAX_STROKES:
        raise Invalid(_l("Too many or malformed strokes."), code="invalid_coordinates", field="paths")
    strokes, total = [], 0
    for stroke in value:
        if not isinstance(stroke, list) or not stroke:
            raise Invalid(_l("Too many or malformed strokes."), code="invalid_coordinates", field="paths")
        total += len(stroke)
        if total > MAX_POINTS or not all(isinstance(p, (list, tuple)) and len(p) == 2 for p in stroke):
            raise Invalid(_l("Too many or malformed strokes."), code="invalid_coordinates", field="paths")
        strokes.append([[_number(x, "paths"), _number(y, "paths")] for x, y in stroke])
    return strokes


def _apply(annotation: Annotation, data: dict, creating: bool) -> None:
    if creating or "rect" in data:
        annotation.rect = _box(data.get("rect"), "rect")
    if creating or "quads" in data:
        annotation.quads = _quads(data.get("quads"))
    if creating or "paths" in data:
        annotation.paths = _paths(data.get("paths"))
    if creating or "text" in data:
        annotation.text = v.text(data.get("text") or "", "text", max_length=10000, required=False)
    if creating or "color" in data:
        color = data.get("color") or "#ffd400"
        if not isinstance(color, str) or not COLOR.match(color):
            raise Invalid(_l("A colour is written #rrggbb."), code="invalid_color", field="color")
        annotation.color = color.lower()
    if creating or "shared" in data:
        annotation.shared = v.boolean(data.get("shared", False), "shared")
    if annotation.kind == "ink" and not annotation.paths:
        raise Invalid(_l("An ink annotation needs at least one stroke."), code="empty_ink", field="paths")


def list_annotations(actor: User, document: Document, version: DocumentVersion) -> list[Annotation]:
    """The actor's own annotations on this version, and those others shared with the meeting."""
    require(actor, "document.read", document)
    return list(db.session.scalars(select(Annotation).where(
        Annotation.document_id == document.id, Annotation.version_id == version.id,
        or_(Annotation.user_id == actor.id, Annotation.shared.is_(True))).order_by(Annotation.page, Annotation.id)))


def get_annotation(actor: User, annotation_id) -> Annotation:
    annotation = db.session.get(Annotation, annotation_id) if v.is_id(annotation_id) else None
    if annotation is None or not may(actor, "document.read", annotation.document) or (
            annotation.user_id != actor.id and not annotation.shared):
        raise NotFound(_l("Annotation not found."), code="annotation_not_found")
    return annotation


def create_annotation(actor: User, document: Document, data: dict) -> tuple[Annotation, bool]:
    """(annotation, created). The same client_id from the same author returns the stored one."""
    require(actor, "document.read", document)
    client_id = v.text(data.get("client_id") or str(uuid.uuid4()), "client_id", max_length=64)
    existing = db.session.scalar(select(Annotation).where(Annotation.user_id == actor.id,
                                                          Annotation.client_id == client_id))
    if existing is not None:
        if existing.document_id != document.id:
            raise Invalid(_l("This client_id is already used for another document."), code="client_id_reused",
                          field="client_id")
        return existing, False
    # Drawn offline on an older version? It belongs to the version it was drawn on (its pages).
    version = get_version(document, data.get("version_number"))
    kind = v.choice(data.get("kind"), "kind", ANNOTATION_KINDS)
    page = v.integer(data.get("page"), "page", minimum=1, maximum=version.page_count)
    annotation = Annotation(document_id=document.id, version_id=version.id, user_id=actor.id,
                            client_id=client_id, kind=kind, page=page)
    _apply(annotation, data, creating=True)
    db.session.add(annotation)
    db.session.flush()
    _announce(annotation)
    return annotation, True


def update_annotation(actor: User, annotation: Annotation, data: dict) -> Annotation:
    require(actor, "annotation.edit", annotation)
    was_shared = annotation.shared
    _apply(annotation, data, creating=False)
    db.session.flush()
    _announce(annotation, was_shared)
    return annotation


def delete_annotation(actor: User, annotation: Annotation) -> None:
    require(actor, "annotation.edit", annotation)
    was_shared = annotation.shared
    annotation.shared = False
    _announce(annotation, was_shared)
    db.session.delete(annotation)
    db.session.flush()


def _announce(annotation: Annotation, was_shared: bool = False) -> None:
    """The author's other devices always hear of it; the meeting only when it is (or was) shared."""
    payload = {"document_id": annotation.document_id, "annotation_id": annotation.id}
    notify_user(db.session, annotation.user_id, "annotation.changed", payload)
    if annotation.shared or was_shared:
        document = annotation.document
        only = document.reader_ids if document.access == "confidential" else None
        publish(db.session, document.meeting, "annotation.shared", payload, only_users=only)
