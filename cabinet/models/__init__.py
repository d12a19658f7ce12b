"""All models, imported here so Alembic and the app see the whole metadata."""
from .live import (DEFAULT_OPTIONS, MAJORITY_RULES, SPEAKER_KINDS, BallotParticipation, LiveState, NamedBallot,
                   Poll, PollTally, SealedBallot, SpeakerRequest)
from .meetings import (ATTENDANCE_STATES, MEETING_FORMS, MEETING_MODES, MEETING_ROLES, MEETING_STATUSES, RSVP_STATES, VOTING_ROLES,
                       SESSION_EVENTS, SessionEvent,
                       AgendaItem, Meeting, Participant)
from .documents import (ANNOTATION_KINDS, DOCUMENT_ACCESS, Annotation, Document, DocumentRead, DocumentReader,
                        DocumentVersion, StampedCopy)
from .archive import ARCHIVE_KINDS, ArchiveEntry
from .audit import AuditEntry
from .minutes import MINUTES_STATUSES, SIGNER_ROLES, Minutes, MinutesRevision, MinutesSignature
from .users import ACCOUNT_TOKEN_PURPOSES, GLOBAL_ROLES, AccountToken, ApiToken, Body, BodyMember, LoginSession, User, UserRole

__all__ = [
    "ATTENDANCE_STATES", "BallotParticipation", "DEFAULT_OPTIONS", "LiveState", "MAJORITY_RULES", "NamedBallot",
    "Poll", "PollTally", "SealedBallot", "SPEAKER_KINDS", "SpeakerRequest",
    "ANNOTATION_KINDS", "Annotation", "DOCUMENT_ACCESS", "Document", "DocumentRead", "DocumentReader",
    "DocumentVersion", "StampedCopy",
    "AgendaItem", "ApiToken", "Body", "BodyMember", "GLOBAL_ROLES", "LoginSession", "MEETING_FORMS", "MEETING_MODES", "MEETING_ROLES",
    "ACCOUNT_TOKEN_PURPOSES", "AccountToken", "AgendaItem", "ApiToken", "Body", "BodyMember", "GLOBAL_ROLES", "LoginSession", "MEETING_MODES", "MEETING_ROLES",
    "MEETING_STATUSES", "Meeting", "Participant", "RSVP_STATES", "User", "UserRole", "VOTING_ROLES",
    "ARCHIVE_KINDS", "ArchiveEntry", "AuditEntry", "MINUTES_STATUSES", "Minutes", "MinutesRevision", "MinutesSignature", "SIGNER_ROLES",
    "ANSWER_CHOICES", "QUESTION_KINDS", "Consultation", "ConsultationAnswer", "ConsultationQuestion",
    "ConsultationResponse", "MAIL_STATUSES", "OutgoingMail",
]
from .mail import MAIL_STATUSES, OutgoingMail
from .consultations import (ANSWER_CHOICES, QUESTION_KINDS, Consultation, ConsultationAnswer,
                            ConsultationQuestion, ConsultationResponse)
from .comments import COMMENT_STATUSES, DraftComment, DraftConsultation, DraftRecipient
