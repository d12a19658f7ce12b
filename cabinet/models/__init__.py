"""All models, imported here so Alembic and the app see the whole metadata."""
from .meetings import (MEETING_MODES, MEETING_ROLES, MEETING_STATUSES, RSVP_STATES, VOTING_ROLES,
                       AgendaItem, Meeting, Participant)
from .documents import (ANNOTATION_KINDS, DOCUMENT_ACCESS, Annotation, Document, DocumentRead, DocumentReader,
                        DocumentVersion, StampedCopy)
from .users import GLOBAL_ROLES, ApiToken, Body, BodyMember, User, UserRole

__all__ = [
    "ANNOTATION_KINDS", "Annotation", "DOCUMENT_ACCESS", "Document", "DocumentRead", "DocumentReader",
    "DocumentVersion", "StampedCopy",
    "AgendaItem", "ApiToken", "Body", "BodyMember", "GLOBAL_ROLES", "MEETING_MODES", "MEETING_ROLES",
    "MEETING_STATUSES", "Meeting", "Participant", "RSVP_STATES", "User", "UserRole", "VOTING_ROLES",
]
