"""The served OpenAPI 3.1 document. Every /api/v1 rule must appear here (a test checks it)."""
from flask import jsonify

from ..pdf.sanitize import REMOVAL_CODES
from . import api_bp

ERROR = {"$ref": "#/components/schemas/Error"}


def _obj(props: dict, required: tuple = ()) -> dict:
    schema = {"type": "object", "properties": props}
    if required:
        schema["required"] = list(required)
    return schema


STR, INT, BOOL, NUM = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}, {"type": "number"}
TIME = {"type": "string", "format": "date-time"}
SCHEMAS = {
    "Error": _obj({"error": _obj({"code": STR, "message": STR, "field": STR, "details": {
        "type": "object", "description": "facts a client acts on, by error code; empty_sections: "
                                         "{empty_sections: [EmptySection]}"}}, ("code", "message"))}),
    "User": _obj({"id": INT, "username": STR, "full_name": STR, "position": STR,
                  "roles": {"type": "array", "items": {"enum": ["admin", "secretariat", "archivist", "member"]}},
                  "active": BOOL}),
    "UserInput": _obj({"username": STR, "full_name": STR, "password": STR, "position": STR, "email": STR,
                       "roles": {"type": "array", "items": STR}, "active": BOOL}),
    "Body": _obj({"id": INT, "name": STR, "short_name": STR, "members": {"type": "array", "items": _obj(
        {"user_id": INT, "full_name": STR, "title": STR})}}),
    "BodyInput": _obj({"name": STR, "short_name": STR}),
    "BodyMemberInput": _obj({"user_id": INT, "title": STR}, ("user_id",)),
    "Meeting": _obj({"id": INT, "title": STR, "status": {"enum": ["draft", "published", "live", "adjourned",
                                                                   "closed"]},
                     "starts_at": TIME, "ends_at": TIME, "location": STR,
                     "mode": {"enum": ["in_person", "online", "hybrid"]}, "body": _obj({"id": INT, "name": STR}),
                     "my_role": STR, "description": STR, "seq": INT,
                     "agenda": {"type": "array", "items": {"$ref": "#/components/schemas/AgendaItem"}},
                     "participants": {"type": "array", "items": {"$ref": "#/components/schemas/Participant"}}}),
    "MeetingInput": _obj({"title": STR, "starts_at": TIME, "ends_at": TIME, "location": STR, "description": STR,
                          "mode": {"enum": ["in_person", "online", "hybrid"]}, "body_id": INT}),
    "AgendaItem": _obj({"id": INT, "meeting_id": INT, "parent_id": INT, "position": INT, "number": STR,
                        "title": STR, "description": STR, "presenter": STR, "duration_minutes": INT,
                        "confidential": BOOL, "children": {"type": "array", "items": {"type": "object"}}}),
    "AgendaItemInput": _obj({"title": STR, "description": STR, "parent_id": INT, "position": INT,
                             "duration_minutes": INT, "presenter": STR, "confidential": BOOL}),
    "Participant": _obj({"id": INT, "user_id": INT, "full_name": STR, "position": STR,
                         "role": {"enum": ["chair", "secretary", "member", "guest"]},
                         "rsvp": {"enum": ["pending", "attending", "declined"]}, "rsvp_reason": STR,
                         "rsvp_at": TIME}),
    "ParticipantInput": _obj({"user_id": INT, "role": {"enum": ["chair", "secretary", "member", "guest"]}},
                             ("user_id", "role")),
    "RsvpInput": _obj({"attending": BOOL, "reason": STR}, ("attending",)),
    "State": _obj({"seq": INT, "status": STR, "current_item_id": INT, "agenda": {"type": "array"},
                   "attendance": {"type": "object"}, "open_polls": {"type": "array"},
                   "speakers": {"type": "object"}, "presenting": {"type": "object"}}),
    "Version": _obj({"number": INT, "filename": STR, "size": INT, "page_count": INT, "sha256": STR,
                     "uploaded_at": TIME, "uploaded_by": STR,
                     "removed_active_content": {"type": "array", "items": {"enum": list(REMOVAL_CODES)}, "description": (
                         "What the upload check removed from the file, one code per kind (docs/DOCUMENTS.md, "
                         "'What the upload check removes'); empty when the file is stored as received. Codes "
                         "may be added, never renamed.")}}),
    "Document": _obj({"id": INT, "meeting_id": INT, "agenda_item_id": INT, "title": STR,
                      "access": {"enum": ["public", "participants", "confidential"]},
                      "position": {"type": "integer", "description": "order under its agenda item, 0 first"},
                      "withdrawn": {"type": "boolean", "description": (
                          "withdrawn (rút tài liệu): only the secretariat still sees it; everyone else gets 404")},
                      "withdrawn_at": TIME,
                      "version": {"$ref": "#/components/schemas/Version"}, "versions_count": INT,
                      "my_last_read_version": INT, "updated_since_my_read": BOOL, "file_url": STR,
                      "readers": {"type": "array", "items": _obj({"id": INT, "full_name": STR})}}),
    "DocumentUpload": _obj({"file": {"type": "string", "format": "binary"}, "title": {"type": "string", "description": (
                                "empty or absent: the PDF's own /Title metadata when it is a real title, else "
                                "one made from the file name")}, "agenda_item_id": INT,
                            "access": {"enum": ["public", "participants", "confidential"]},
                            "readers": {"type": "string", "description": "comma-separated user ids"}},
                           ("file",)),
    "VersionUpload": _obj({"file": {"type": "string", "format": "binary"}}, ("file",)),
    "DocumentInput": _obj({"title": {"type": "string", "minLength": 1, "maxLength": 500},
                           "access": {"enum": ["public", "participants", "confidential"]},
                           "readers": {"type": "array", "items": INT},
                           "agenda_item_id": {"type": ["integer", "null"], "description": (
                               "move under this item of the same meeting (null: the whole meeting); another "
                               "meeting's item: 422")},
                           "position": {"type": "integer", "minimum": 0, "description": (
                               "place among the documents of the (new) agenda item, 0 first, withdrawn ones "
                               "counted; absent with agenda_item_id: last; beyond the end: 422")}}),
    "Read": _obj({"user_id": INT, "full_name": STR, "version": INT, "first_opened_at": TIME,
                  "last_opened_at": TIME, "opens": INT}),
    "Annotation": _obj({"id": INT, "client_id": STR, "document_id": INT, "version_number": INT, "page": INT,
                        "kind": {"enum": ["highlight", "note", "ink"]},
                        "rect": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4},
                        "quads": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}},
                        "paths": {"type": "array", "items": {"type": "array", "items": {
                            "type": "array", "items": {"type": "number"}}}},
                        "text": STR, "color": STR, "shared": BOOL, "mine": BOOL,
                        "author": _obj({"id": INT, "full_name": STR}), "created_at": TIME, "updated_at": TIME}),
    "AnnotationInput": _obj({"client_id": STR, "page": INT, "kind": {"enum": ["highlight", "note", "ink"]},
                             "rect": {"type": "array", "items": {"type": "number"}},
                             "quads": {"type": "array"}, "paths": {"type": "array"}, "text": STR, "color": STR,
                             "shared": BOOL}),
    "CheckinInput": _obj({"user_id": INT, "mode": {"enum": ["room", "online", "absent"]}, "reason": STR}),
    "Attendance": _obj({"present": INT, "expected": INT, "needed": INT, "quorum_met": BOOL, "online": INT,
                        "absent": INT, "items": {"type": "array"}}),
    "CurrentItemInput": _obj({"item_id": INT}, ("item_id",)),
    "PresentInput": _obj({"document_id": INT, "page": INT}, ("document_id", "page")),
    "Presenting": _obj({"document_id": INT, "page": INT}),
    "SpeakerInput": _obj({"kind": {"enum": ["speech", "question"]}}),
    "GrantInput": _obj({"seconds": INT}),
    "Speakers": _obj({"id": INT, "item_id": INT, "queue": {"type": "array"}, "current": {"type": "object"}}),
    "PollInput": _obj({"question": STR, "agenda_item_id": INT, "secret": BOOL,
                       "options": {"type": "array", "items": STR},
                       "majority": {"enum": ["simple", "present", "all", "two_thirds"]}}, ("question",)),
    "Poll": _obj({"id": INT, "question": STR, "options": {"type": "array", "items": STR}, "secret": BOOL,
                  "majority": STR, "status": {"enum": ["draft", "open", "closed", "cancelled"]}, "cast": INT, "eligible": INT,
                  "voted": BOOL, "receipt": STR, "results": {"type": "object"},
                  "percent_of_members": {"type": "object"}, "members_total": INT, "present_total": INT,
                  "passed": BOOL, "votes_needed": INT, "quorum_needed": INT, "quorum_met": BOOL, "did_not_vote": INT, "did_not_vote_percent": NUM,
                  "ballots": {"type": "array"}, "not_voted": {"type": "array"}}),
    "CancelInput": _obj({"reason": STR}, ("reason",)),
    "Receipts": _obj({"poll_id": INT, "status": STR, "count": INT, "receipts": {"type": "array", "items": STR}}),
    "BallotInput": _obj({"option": STR, "key": STR}, ("option",)),
    "Receipt": _obj({"receipt": STR}),
    "TokenInput": _obj({"username": STR, "password": STR, "label": STR}, ("username", "password")),
    "HealthPart": _obj({"ok": BOOL, "ms": NUM}, ("ok", "ms")),
    "Health": _obj({"status": {"enum": ["ok", "degraded", "down"]},
                    "database": {"$ref": "#/components/schemas/HealthPart"},
                    "redis": {"oneOf": [{"$ref": "#/components/schemas/HealthPart"}, {"const": "not configured"}]}},
                   ("status", "database", "redis")),
    "Token": _obj({"token": STR, "user": {"$ref": "#/components/schemas/User"}}),
}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _list(name):
    return _obj({"items": {"type": "array", "items": _ref(name)}})


# (method, path, summary, request schema, success status, response schema, error statuses)
MINUTES_SCHEMAS = {
    "Minutes": _obj({"id": INT, "meeting_id": INT, "status": {"enum": ["draft", "signing", "signed"]},
                     "revision": INT, "content": {"type": "object", "description": "header fields, opening, "
                                                   "closing, items[{item_id, title, conclusion}], record (MeetingRecord: "
                                                   "record.json inside the PDF)"},
                     "next_signer": {"enum": ["secretary", "chair", None]}, "may_edit": BOOL,
                     "may_return": {**BOOL, "description": "the caller is the meeting's chair and the "
                                                          "minutes are not signed by both yet"},
                     "empty_sections": {"type": "array", "items": _ref("EmptySection"), "description":
                                        "parts of the current revision with nothing written in them; signing "
                                        "them needs confirm_empty"},
                     "returned": {**_obj({"comment": STR, "by": STR, "at": TIME, "revision": INT}),
                                  "type": ["object", "null"],
                                  "description": "the chair's comment while the revision sent back is the "
                                                 "current one; null otherwise"},
                     "signatures": {"type": "array", "items": _obj({"role": STR, "signer": STR, "signed_at": TIME,
                                                                    "sha256": STR, "certificate": STR})},
                     "revisions": {"type": "array", "items": _obj({"number": INT, "change": STR,
                                                                   "created_at": TIME, "author": STR})},
                     "pdf_url": STR}),
    "MinutesEdit": _obj({"base_revision": INT, "issuer_parent": STR, "issuer": STR, "number": STR, "place": STR,
                         "date": {"type": "string", "format": "date"}, "subject": STR, "location": STR,
                         "opening": STR, "closing": STR, "refresh_record": BOOL,
                         "conclusions": {"type": "object", "additionalProperties": STR,
                                         "description": "agenda item id → sanitised HTML"}}),
    "RevisionInput": _obj({"revision": INT}, ("revision",)),
    "CorrectionInput": _obj({"reason": STR}, ("reason",)),
    "SignInput": _obj({"passphrase": STR, "confirm_empty": {**BOOL, "description": (
        "sign although sections are empty; without it such minutes are refused with 409 empty_sections")}},
        ("passphrase",)),
    "EmptySection": _obj({"section": {"enum": ["opening", "conclusion", "closing"]}, "item_id": INT,
                          "number": {**STR, "description": "the agenda item's number, e.g. 2 or 1.2"},
                          "title": STR}, ("section",)),
    "ReturnInput": _obj({"comment": {**STR, "maxLength": 290}}, ("comment",)),
    "VerifyUpload": _obj({"file": {"type": "string", "format": "binary"}}, ("file",)),
    # The codes are for programs; `verdict` and each signature's `plain` say the same in the caller's
    # language (cabinet/presentation/signatures.py), for showing to people.
    "VerifyReport": _obj({"signed": BOOL, "verdict": _obj({
        "kind": {"enum": ["success", "warning", "error", "info"]}, "text": STR}),
        "signatures": {"type": "array", "items": _obj({
            "field": STR, "signer": STR, "subject": STR, "signed_at": TIME, "intact": BOOL, "valid": BOOL,
            "trusted": BOOL, "coverage": STR, "modified_after": BOOL, "summary": STR,
            "changes": {"enum": ["none", "allowed", "disallowed", "unknown"]}, "trust_root": STR,
            "timestamped": BOOL, "timestamp_authority": STR, "reason": STR, "location": STR,
            "plain": _obj({"signer": STR, "role": STR, "chips": {"type": "array", "items": _obj({
                "key": {"enum": ["integrity", "trust"]}, "ok": BOOL, "text": STR})},
                "facts": {"type": "array", "items": _obj({
                    "key": {"enum": ["when", "clock", "changes", "certificate", "signature", "reason"]},
                    "label": STR, "text": STR, "state": {"enum": ["ok", "info", "bad"]}})}})})}}),
}
MINUTES_SCHEMAS["ArchiveResults"] = _obj({"total": INT, "page": INT, "page_size": INT, "items": {
    "type": "array", "items": _obj({"kind": {"enum": ["meeting", "consultation"], "description":
                                             "a session, or a written consultation (its meeting's form)"},
                                    "url": {"type": "string", "description": "its page: /meetings/{id} or "
                                                                             "/consultations/{id}"},
                                    "meeting": _obj({"id": INT, "title": STR, "starts_at": TIME, "location": STR,
                                                     "body": STR}),
                                    "minutes": _obj({"id": INT, "status": STR}),
                                    "consultation": _obj({"deadline": TIME, "signed": BOOL}),
                                    "matches": {"type": "array", "items": _obj({
                                        "kind": {"enum": ["meeting", "minutes", "document", "result"]},
                                        "id": INT, "title": STR})},
                                    "retention": _obj({"period": STR, "basis": STR}),
                                    "dossier_pdf": STR, "dossier_zip": STR})}})
_RECORD_POLL = _obj({
    "id": INT, "question": STR, "secret": BOOL, "majority": STR, "options": {"type": "array", "items": STR},
    "counts": {"type": "array", "items": INT}, "members_total": INT, "present_total": INT, "cast": INT,
    "did_not_vote": INT, "needed": {"type": "integer", "description": "approvals the rule needed"},
    "passed": BOOL, "opened_at": TIME, "closed_at": TIME,
    "ballots": {"type": "array", "description": "named polls only", "items": _obj({"user_id": INT, "name": STR,
                                                                                   "option": STR})},
    "not_voted": {"type": "array", "description": "named polls only: members who did not vote",
                  "items": _obj({"user_id": INT, "name": STR, "position": STR})}})
MINUTES_SCHEMAS["MeetingRecord"] = _obj({
    "format": {"enum": ["cabinet.meeting-record/1"]}, "generated_at": TIME,
    "meeting": _obj({"id": INT, "title": STR, "status": STR, "body": STR, "location": STR, "mode": STR,
                     "starts_at": TIME, "ends_at": TIME, "started_at": TIME, "closed_at": TIME}),
    "session": {"type": "array", "description": "what happened, in order",
                "items": _obj({"kind": {"enum": ["started", "adjourned", "resumed", "closed"]}, "at": TIME})},
    "chair": {"type": "array", "items": {"type": "object"}}, "secretary": {"type": "array", "items": {"type": "object"}},
    "attendance": {"type": "object"},
    "items": {"type": "array", "description": "the agenda in reading order (1, 2, 2.1, 3), numbered by one rule",
              "items": _obj({"item_id": INT, "number": STR, "parent_id": {"type": ["integer", "null"]},
                             "title": STR, "presenter": STR, "documents": {"type": "array", "items": {"type": "object"}},
                             "confidential_documents": INT, "speakers": {"type": "array", "items": {"type": "object"}},
                             "polls": {"type": "array", "items": _RECORD_POLL}})},
    "other_polls": {"type": "array", "items": _RECORD_POLL}})
SCHEMAS.update(MINUTES_SCHEMAS)
SCHEMAS["InboxEntry"] = _obj({
    "source": {"type": "string", "description": "invitations | documents | minutes | consultations | "
               "consultation_results | draft_tables (a table of comments on a draft forwarded to the caller, until "
               "they open it; more sources may come)"},
    "ref_id": {"type": "integer", "description": "the meeting, document or minutes the entry is about"},
    "title": STR, "state": {"type": "string", "description": "documents: new | updated; minutes: secretary | "
                                                             "chair (whose signature); invitations: the role"},
    "version": INT, "meeting": _obj({"id": INT, "title": STR, "starts_at": TIME}), "url": STR})
SCHEMAS["Inbox"] = _obj({"count": INT, "entries": {"type": "array", "items": {"$ref": "#/components/schemas/InboxEntry"}}})
SCHEMAS["InboxCount"] = _obj({"count": INT})
SCHEMAS["AuditEntry"] = _obj({"id": INT, "at": TIME, "actor_id": INT, "actor_name": STR, "remote_addr": STR,
                              "action": STR, "object_type": STR, "object_id": STR, "meeting_id": INT,
                              "details": {"type": "object"}, "prev_hash": STR, "hash": STR})
SCHEMAS["AuditPage"] = _obj({"items": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEntry"}},
                             "next_before_id": INT})
SCHEMAS["AuditVerification"] = _obj({"ok": BOOL, "checked": INT, "head": STR, "first_broken": _obj(
    {"id": INT, "reason": {"enum": ["hash mismatch", "prev_hash mismatch", "gap in ids", "missing after checkpoint",
                                    "differs from checkpoint", "checkpoint signature invalid"]}}),
    "checkpoints": _obj({"checked": INT, "public_key": STR,
                         "latest": _obj({"id": INT, "hash": STR, "at": STR, "reason": STR})})})

ROUTES = [
    ("post", "/auth/token", "Exchange username and password for a Bearer token", "TokenInput", 201, "Token",
     (400, 401, 415, 429)),
    ("delete", "/auth/token", "Revoke the Bearer token of this request", None, 204, None, (401,)),
    ("get", "/me", "The current user", None, 200, "User", (401,)),
    ("get", "/users", "All accounts (administrators, secretariat)", None, 200, _list("User"), (401, 403)),
    ("post", "/users", "Create an account (administrators)", "UserInput", 201, "User", (400, 403, 409, 415, 422)),
    ("get", "/users/{user_id}", "One account", None, 200, "User", (403, 404)),
    ("patch", "/users/{user_id}", "Edit an account; `active: false` disables it and ends its sessions and tokens",
     "UserInput", 200, "User", (400, 403, 404, 409, 422)),
    ("get", "/bodies", "Bodies (committees, councils)", None, 200, _list("Body"), (401,)),
    ("post", "/bodies", "Create a body (administrators)", "BodyInput", 201, "Body", (400, 403, 409, 422)),
    ("get", "/bodies/{body_id}", "One body with its members", None, 200, "Body", (404,)),
    ("patch", "/bodies/{body_id}", "Rename a body", "BodyInput", 200, "Body", (403, 404, 409, 422)),
    ("post", "/bodies/{body_id}/members", "Add a standing member", "BodyMemberInput", 201, "Body",
     (403, 404, 409, 422)),
    ("delete", "/bodies/{body_id}/members/{user_id}", "Remove a standing member", None, 204, None, (403, 404)),
    ("get", "/meetings", "Meetings the user may see, upcoming first", None, 200, _list("Meeting"), (401,)),
    ("post", "/meetings", "Create a meeting (status draft)", "MeetingInput", 201, "Meeting",
     (400, 403, 415, 422)),
    ("get", "/meetings/{meeting_id}", "A meeting with agenda and participants", None, 200, "Meeting", (404,)),
    ("patch", "/meetings/{meeting_id}", "Edit a meeting", "MeetingInput", 200, "Meeting",
     (400, 403, 404, 409, 422)),
    ("delete", "/meetings/{meeting_id}", "Delete a draft meeting", None, 204, None, (403, 404, 409)),
    ("post", "/meetings/{meeting_id}/{action}",
     "Status move: publish (draft→published), start (published|adjourned→live), adjourn (live→adjourned), "
     "close (live|adjourned→closed); any other move is 409", None, 200, "Meeting", (403, 404, 409)),
    ("get", "/meetings/{meeting_id}/state", "Live snapshot with the meeting's seq", None, 200, "State", (404,)),
    ("get", "/meetings/{meeting_id}/calendar.ics", "iCalendar invitation", None, 200, "ics", (404,)),
    ("get", "/meetings/{meeting_id}/agenda", "The agenda as a tree, numbered", None, 200, _list("AgendaItem"),
     (404,)),
    ("post", "/meetings/{meeting_id}/agenda", "Add an agenda item", "AgendaItemInput", 201, "AgendaItem",
     (400, 403, 404, 409, 415, 422)),
    ("patch", "/agenda/{item_id}", "Edit or move an item (`parent_id`, `position` among siblings)",
     "AgendaItemInput", 200, "AgendaItem", (400, 403, 404, 409, 422)),
    ("delete", "/agenda/{item_id}", "Remove an item and its sub-items", None, 204, None, (403, 404, 409)),
    ("get", "/meetings/{meeting_id}/participants", "Invited people with their replies", None, 200,
     _list("Participant"), (404,)),
    ("post", "/meetings/{meeting_id}/participants", "Invite a user with a meeting role", "ParticipantInput",
     201, "Participant", (400, 403, 404, 409, 422)),
    ("patch", "/participants/{participant_id}", "Change a participant's meeting role", "ParticipantInput", 200,
     "Participant", (400, 403, 404, 409, 422)),
    ("delete", "/participants/{participant_id}", "Withdraw an invitation", None, 204, None, (403, 404, 409)),
    ("post", "/meetings/{meeting_id}/rsvp", "Reply to the invitation (declining needs a reason)", "RsvpInput",
     200, "Participant", (400, 403, 404, 409, 422)),
    ("get", "/meetings/{meeting_id}/documents", "The meeting's documents the caller may read", None, 200,
     _list("Document"), (404,)),
    ("post", "/meetings/{meeting_id}/documents", "Upload a PDF (checked, active content removed)",
     "multipart:DocumentUpload", 201, "Document", (400, 403, 404, 409, 413, 415, 422)),
    ("get", "/documents/{document_id}", "A document and its current version", None, 200, "Document", (404,)),
    ("patch", "/documents/{document_id}", "Rename (`title`), reorder (`position`), move to another agenda item "
     "(`agenda_item_id`), change access or readers (secretariat; audited; tablets get document.updated). "
     "403: not the secretariat; 404: unknown or unreadable; 409: meeting closed; 422: bad title, position or "
     "item", "DocumentInput", 200, "Document", (400, 403, 404, 409, 422)),
    ("post", "/documents/{document_id}/withdraw", "Withdraw (rút tài liệu): hidden from members, the live "
     "session, offline copies and new minutes records; rows and files kept; tablets get document.withdrawn. "
     "Again on a withdrawn one: no change", None, 200, "Document", (403, 404, 409)),
    ("post", "/documents/{document_id}/restore", "Restore a withdrawn document (tablets get "
     "document.published)", None, 200, "Document", (403, 404, 409)),
    ("delete", "/documents/{document_id}", "Remove a document with its versions", None, 204, None,
     (403, 404, 409)),
    ("post", "/documents/{document_id}/versions", "Upload a new version (409 if withdrawn)",
     "multipart:VersionUpload", 201,
     "Document", (400, 403, 404, 409, 413, 415, 422)),
    ("get", "/documents/{document_id}/versions", "All versions, newest first", None, 200, _list("Version"),
     (404,)),
    ("get", "/documents/{document_id}/reads", "Read tracking (secretariat)", None, 200, _list("Read"),
     (403, 404)),
    ("get", "/documents/{document_id}/file", "The PDF for this reader (Range, ETag; stamped unless public; "
     "`?version=N`)", None, 200, "pdf", (404, 503)),
    ("get", "/documents/{document_id}/annotated.pdf", "The reader's copy with their annotations", None, 200,
     "pdf", (404, 503)),
    ("get", "/documents/{document_id}/annotations", "Own annotations and shared ones (`?version=N`)", None,
     200, _list("Annotation"), (404,)),
    ("post", "/documents/{document_id}/annotations", "Add an annotation; the same client_id again answers "
     "200 with the stored one", "AnnotationInput", 201, "Annotation", (400, 404, 415, 422)),
    ("patch", "/annotations/{annotation_id}", "Edit one's own annotation", "AnnotationInput", 200,
     "Annotation", (400, 403, 404, 422)),
    ("delete", "/annotations/{annotation_id}", "Delete one's own annotation", None, 204, None, (403, 404)),
    ("post", "/meetings/{meeting_id}/checkin", "Check in oneself ({}), or someone (chair, secretary): "
     "room, online, or absent with a reason", "CheckinInput", 200, "Attendance", (400, 403, 404, 409, 422)),
    ("get", "/meetings/{meeting_id}/attendance", "Attendance and quorum", None, 200, "Attendance", (404,)),
    ("post", "/meetings/{meeting_id}/agenda/current", "Move the session to an item (chair); tablets follow",
     "CurrentItemInput", 200, "State", (403, 404, 409, 422)),
    ("post", "/meetings/{meeting_id}/present", "Presenter mode: show a document page to followers",
     "PresentInput", 200, "Presenting", (403, 404, 409, 422)),
    ("post", "/meetings/{meeting_id}/speakers", "Request the floor (speech or question)", "SpeakerInput", 201,
     "Speakers", (403, 404, 409, 422)),
    ("delete", "/speakers/{request_id}", "Withdraw a request", None, 204, None, (403, 404, 409)),
    ("post", "/speakers/{request_id}/grant", "Give the floor with a speaking time (chair)", "GrantInput", 200,
     "Speakers", (403, 404, 409, 422)),
    ("post", "/speakers/{request_id}/finish", "End the turn", None, 200, "Speakers", (403, 404, 409)),
    ("get", "/meetings/{meeting_id}/polls", "The meeting's polls", None, 200, _list("Poll"), (404,)),
    ("post", "/meetings/{meeting_id}/polls", "Prepare a poll (chair, secretariat)", "PollInput", 201, "Poll",
     (400, 403, 404, 409, 422)),
    ("get", "/polls/{poll_id}", "A poll; results once closed (rule, votes needed, did not vote; named polls: "
     "who chose what and who did not vote); the caller's own receipt", None, 200, "Poll", (404,)),
    ("get", "/polls/{poll_id}/receipts", "The receipt codes of every counted ballot, sorted, once the poll is "
     "closed: each voter checks theirs is there; a code says nothing of the choice", None, 200, "Receipts",
     (404, 409)),
    ("post", "/polls/{poll_id}/{action}", "open (draft→open) or close (open→closed, decided by its majority "
     "rule)", None, 200, "Poll", (403, 404, 409)),
    ("post", "/polls/{poll_id}/cancel", "Void an open poll (chair, secretariat): nothing it received counts, "
     "the reason is in the audit log, the meeting may vote again", "CancelInput", 200, "Poll", (403, 404, 409, 422)),
    ("post", "/polls/{poll_id}/ballots", "Cast a ballot; the same key again returns the same receipt; second "
     "ballot or closed poll → 409; absent or not entitled → 403; not written within 20 s → 503 "
     "`ballot_box_busy` (not cast) or `ballot_pending` (may be counted): send it again with the same key",
     "BallotInput", 201, "Receipt", (400, 403, 404, 409, 422, 503)),
    ("get", "/openapi.json", "This document", None, 200, {"type": "object"}, ()),
    ("post", "/meetings/{meeting_id}/minutes", "Draft the minutes from the meeting record (secretary, secretariat)",
     None, 201, "Minutes", (403, 404, 409)),
    ("get", "/meetings/{meeting_id}/minutes", "The meeting's minutes", None, 200, "Minutes", (404,)),
    ("get", "/minutes/{minutes_id}", "Minutes with revisions and signatures", None, 200, "Minutes", (404,)),
    ("put", "/minutes/{minutes_id}", "Save edits as a new revision; `base_revision` guards against overwriting",
     "MinutesEdit", 200, "Minutes", (403, 404, 409, 422)),
    ("post", "/minutes/{minutes_id}/restore", "Copy an older revision forward", "RevisionInput", 200, "Minutes",
     (403, 404, 409, 422)),
    ("post", "/minutes/{minutes_id}/correction", "Unlock signed minutes as a new revision needing new signatures",
     "CorrectionInput", 200, "Minutes", (403, 404, 409, 422)),
    ("post", "/minutes/{minutes_id}/sign", "Sign as the next signer (secretary, then chair): PAdES. Empty "
     "opening, closing or conclusions → 409 empty_sections (listed in error.details) unless confirm_empty",
     "SignInput", 200, "Minutes", (400, 403, 404, 409, 422)),
    ("post", "/minutes/{minutes_id}/return", "The chair sends the minutes back to the secretary with a "
     "comment: a new draft revision (a secretary's signature stays on the revision it signed); not the "
     "chair → 403; signed by both → 409 already_signed", "ReturnInput", 200, "Minutes",
     (400, 403, 404, 409, 415, 422)),
    ("get", "/minutes/{minutes_id}/pdf", "The PDF/A-3b minutes: the signed file, or a draft rendering", None, 200,
     "pdf", (404, 503)),
    ("post", "/minutes/{minutes_id}/preview", "A draft PDF of unsaved edits (nothing stored)", "MinutesEdit", 200,
     "pdf", (403, 404, 422, 503)),
    ("get", "/meetings/{meeting_id}/dossier.pdf", "The meeting dossier as one PDF: cover, agenda, documents in "
     "agenda order, signed minutes (pages + the signed file attached), bookmarks per item (for a written "
     "consultation: its own dossier, as under /consultations; 409 before its close)", None, 200, "pdf",
     (403, 404, 409, 503)),
    ("get", "/meetings/{meeting_id}/dossier.zip", "The meeting dossier as ZIP: original files, signed minutes, "
     "audit log CSV, record.json, manifest.json with SHA-256 per file (for a written consultation: its own, "
     "409 before its close)", None, 200, "zip", (403, 404, 409)),
    ("get", "/consultations/{meeting_id}/dossier.pdf", "A closed written consultation's dossier as one PDF: a "
     "cover naming its questions, deadline and the result of each, its documents the caller may read, the "
     "result report (the chair-signed file, attached as signed, or the unsigned draft); result.json attached. "
     "Before the result is drawn up → 409 consultation_not_closed", None, 200, "pdf", (403, 404, 409, 503)),
    ("get", "/consultations/{meeting_id}/dossier.zip", "A closed written consultation's dossier as ZIP: original "
     "files, the result report, result.json, audit log CSV, manifest.json with SHA-256 per file. Before the "
     "result is drawn up → 409 consultation_not_closed", None, 200, "zip", (403, 404, 409)),
    ("get", "/archive", "Search closed meetings and written consultations (archivists, secretariat): `q` words in "
     "minutes, documents and agenda, or a consultation's questions, outcomes and quoted opinions (accents "
     "optional), `title`, `body_id`, `from`, `to` (YYYY-MM-DD), `kind` (`meeting` or `consultation`), `page`. "
     "Each item's `kind` and `url` say which it is; the dossier links follow", None, 200, "ArchiveResults",
     (401, 403, 422)),
    ("get", "/audit", "The audit log, newest first (administrators: every entry; archivists: the entries of "
     "meetings they may open): `meeting_id`, `actor_id`, "
     "`action` (`poll` = every poll.* action), `from`, `to` (YYYY-MM-DD), `limit` (≤ 500), `before_id` to page on",
     None, 200, "AuditPage", (401, 403, 422)),
    ("get", "/audit/verify", "Recompute the audit log's hash chain and check it against the signed checkpoints "
     "kept outside the database; the first broken link if any", None, 200,
     "AuditVerification", (401, 403)),
    ("post", "/verify", "Signature report of any PDF", "multipart:VerifyUpload", 200, "VerifyReport",
     (400, 401, 413, 415)),
    ("get", "/inbox", "Việc cần làm: what waits for the caller (invitations to answer, documents new or updated "
     "since they last opened them, minutes to sign, consultations to answer and their results to sign, tables "
     "of comments on drafts forwarded to them), only what they may read; `url` is where each is done. "
     "Live: the socket event `inbox.count` {count} reaches the user's devices whenever it changes",
     None, 200, "Inbox", (401,)),
    ("get", "/inbox/count", "The inbox's count alone (the badge), as after a socket (re)connection", None, 200,
     "InboxCount", (401,)),
]


# Written consultation (services/consultations.py): a meeting of form "written"; its documents are the
# meeting's (/meetings/{meeting_id}/documents), everything else is here.
QUESTION = _obj({"id": INT, "number": INT, "text": STR, "kind": {"enum": ["choice", "text"]}})
SCHEMAS.update({
    "ConsultationInput": _obj({
        "title": STR, "description": STR, "deadline": TIME, "body_id": INT, "chair_id": INT,
        "member_ids": {"type": "array", "items": INT, "description": "omitted: the body's members"},
        "answers_changeable": BOOL, "pass_ratio": {"type": "number", "minimum": 0.5, "exclusiveMaximum": 1},
        "questions": {"type": "array", "items": _obj({"text": STR, "kind": {"enum": ["choice", "text"]}})}},
        ("title", "deadline", "chair_id", "questions")),
    "Consultation": _obj({
        "id": INT, "title": STR, "description": STR, "status": {"enum": ["draft", "published", "closed"]},
        "deadline": TIME, "sent_at": TIME, "body_id": INT, "answers_changeable": BOOL, "pass_ratio": NUM,
        "progress": _obj({"answered": INT, "signed": INT, "total": INT}), "answered_at": TIME, "may_answer": BOOL,
        "signed": BOOL, "questions": {"type": "array", "items": QUESTION}, "members": {"type": "array"},
        "my_answers": {"type": "array"}, "documents_url": STR, "changed": BOOL,
        "my_signature": {"oneOf": [{"type": "null"}, _obj({"signed_at": TIME, "certificate": STR, "sha256": STR,
                                                           "url": STR})],
                         "description": "the caller's signature on their answer form; null: not signed (or the "
                                        "answer changed since)"},
        "result": {"type": "object", "description": "frozen at the close: total, answered, needed, not_answered, "
                                                    "questions[counts, names, opinions, passed]"},
        "result_pdf_url": STR, "signature": {"type": "object"}}),
    "AnswersInput": _obj({"client_id": STR, "answers": {"type": "array", "items": _obj(
        {"question_id": INT, "choice": {"enum": ["agree", "disagree", "other"]}, "text": STR})}}, ("answers",)),
    "ConsultationProgress": _obj({"answered": INT, "signed": INT, "total": INT, "answered_by": {
        "type": "array", "description": "user_id, name, role, answered_at, signed_at (null: answer not signed)"},
                                  "waiting": {"type": "array"}}),
    "PassphraseInput": _obj({"passphrase": STR}, ("passphrase",)),
})
ROUTES += [
    ("get", "/consultations", "Consultations the caller may see: open ones (nearest deadline first), then closed",
     None, 200, _list("Consultation"), (401,)),
    ("post", "/consultations", "Prepare a consultation (secretariat): questions, deadline, the chair who signs "
     "the result and the members (a body's when none are named)", "ConsultationInput", 201, "Consultation",
     (403, 422)),
    ("get", "/consultations/{meeting_id}", "A consultation with its questions, the caller's answers and, once "
     "closed, its result", None, 200, "Consultation", (404,)),
    ("patch", "/consultations/{meeting_id}", "Edit a draft; once sent only `deadline` (409 consultation_sent)",
     "ConsultationInput", 200, "Consultation", (403, 404, 409, 422)),
    ("post", "/consultations/{meeting_id}/send", "Send it: answers open, members are told", None, 200,
     "Consultation", (403, 404, 409)),
    ("put", "/consultations/{meeting_id}/answers", "Answer every question (chair, members). The same "
     "`client_id` again changes nothing (`changed`: false); a second answer → 409 already_answered unless "
     "answers are changeable; after the deadline → 409 deadline_passed / consultation_closed",
     "AnswersInput", 200, "Consultation", (400, 403, 404, 409, 422)),
    ("post", "/consultations/{meeting_id}/answer/sign", "Sign one's own recorded answer with one's certificate "
     "(a PAdES-signed PDF/A answer form), while the consultation is open. 409 not_answered, already_signed, "
     "deadline_passed, consultation_closed, no_certificate, changed_while_signing (the answer changed during the "
     "signing); 403 wrong_passphrase. Changing the answer later drops the signature. Live: "
     "`consultation.progress` {answered, signed, total}", "PassphraseInput", 200, "Consultation",
     (400, 403, 404, 409, 422, 503)),
    ("get", "/consultations/{meeting_id}/answer.pdf", "The caller's own signed answer form (404 answer_not_signed "
     "before signing)", None, 200, "pdf", (403, 404)),
    ("get", "/consultations/{meeting_id}/responses/{user_id}/answer.pdf", "A member's signed answer form: the "
     "secretariat and the chair, only once the result is drawn up (403 before); the member themselves at any "
     "time", None, 200, "pdf", (403, 404)),
    ("get", "/consultations/{meeting_id}/progress", "Who answered and who has not (secretariat, chair)", None, 200,
     "ConsultationProgress", (403, 404)),
    ("post", "/consultations/{meeting_id}/close", "Draw the result up before the deadline (secretariat)", None,
     200, "Consultation", (403, 404, 409)),
    ("get", "/consultations/{meeting_id}/result.pdf", "The result report (Decree 30 layout, PDF/A): signed by "
     "the chair, or an unsigned draft", None, 200, "pdf", (403, 404, 409, 503)),
    ("post", "/consultations/{meeting_id}/result/sign", "The chair signs the result report (PAdES)",
     "PassphraseInput", 200, "Consultation", (400, 403, 404, 409, 422, 503)),
]

# Comments on draft documents (services/draft_comments.py): a call for comments on one document.
COMMENT_STATUS = {"enum": ["none", "accepted", "partly", "explained"]}
SCHEMAS.update({
    "DraftCommentsInput": _obj({"open": BOOL, "deadline": TIME, "drafting_unit": STR,
                               "recipients": {"type": "array", "items": INT}}),
    "DraftComments": _obj({"consultation": {"oneOf": [{"type": "null"}, _obj({
        "document_id": INT, "open": BOOL, "accepting": BOOL, "deadline": TIME, "drafting_unit": STR,
        "forwarded_at": TIME, "recipients": {"type": "array", "items": INT}})]}}),
    "CommentInput": _obj({"version_number": INT, "page": INT, "rect": {"type": "array", "items": NUM},
                          "quads": {"type": "array"}, "quote": STR, "text": STR}, ("page", "text")),
    "Comment": _obj({"id": INT, "document_id": INT, "version_number": INT, "page": INT,
                     "rect": {"type": "array", "items": NUM}, "quads": {"type": "array"}, "quote": STR, "text": STR,
                     "mine": BOOL, "author": _obj({"id": INT, "full_name": STR}), "created_at": TIME,
                     "updated_at": TIME, "status": COMMENT_STATUS, "status_label": STR, "response": STR,
                     "responded_at": TIME, "answered": BOOL}),
    "ResponseInput": _obj({"status": COMMENT_STATUS, "response": STR}),
})
ROUTES += [
    ("get", "/documents/{document_id}/consultation", "Whether the document is open for comments (deadline, "
     "drafting unit)", None, 200, "DraftComments", (404,)),
    ("put", "/documents/{document_id}/consultation", "Open, close or change the call for comments "
     "(secretariat); recipients of a confidential document must be its readers", "DraftCommentsInput", 200,
     "DraftComments", (403, 404, 409, 415, 422)),
    ("post", "/documents/{document_id}/consultation/forward", "Let the drafting unit's users read the table "
     "(secretariat)", None, 200, "DraftComments", (403, 404, 409)),
    ("get", "/documents/{document_id}/comments", "One's own comments on the draft; everyone's for the "
     "secretariat and, once forwarded, the drafting unit", None, 200, _list("Comment"), (404,)),
    ("post", "/documents/{document_id}/comments", "Comment on a page and passage (members who read it); "
     "409 comments_closed / comments_deadline_passed / document_withdrawn", "CommentInput", 201, "Comment",
     (400, 403, 404, 409, 415, 422)),
    ("patch", "/comments/{comment_id}", "Edit one's own comment until it is answered (409 comment_answered)",
     "CommentInput", 200, "Comment", (400, 403, 404, 409, 422)),
    ("delete", "/comments/{comment_id}", "Delete one's own comment until it is answered", None, 204, None,
     (403, 404, 409)),
    ("put", "/comments/{comment_id}/response", "Answer a comment: accepted, partly, explained (secretariat); "
     "the author is told live", "ResponseInput", 200, "Comment", (400, 403, 404, 422)),
    ("get", "/documents/{document_id}/comments.csv", "The table of comments as CSV (UTF-8 with BOM)", None, 200,
     "csv", (404,)),
    ("get", "/documents/{document_id}/comments.pdf", "The table of comments as a landscape A4 PDF", None, 200,
     "pdf", (404, 503)),
]


def _responses(status, schema, errors):
    responses = {}
    if schema in ("ics", "pdf", "zip", "csv"):
        media = {"ics": "text/calendar", "pdf": "application/pdf", "zip": "application/zip",
                 "csv": "text/csv"}[schema]
        responses[str(status)] = {"description": "OK", "content": {media: {"schema": STR}}}
    elif schema is None:
        responses[str(status)] = {"description": "Done"}
    else:
        body = _ref(schema) if isinstance(schema, str) else schema
        responses[str(status)] = {"description": "OK", "content": {"application/json": {"schema": body}}}
    for code in errors:
        responses[str(code)] = {"description": "Error", "content": {"application/json": {"schema": ERROR}}}
    return responses


ACTIONS = {"/meetings/{meeting_id}/{action}": ["publish", "start", "adjourn", "close"],
           "/polls/{poll_id}/{action}": ["open", "close"]}


# Served beside the API, not under /api/v1: its own server entry (OpenAPI 3.1 allows one per path).
HEALTH = {"servers": [{"url": "/"}], "get": {
    "summary": "Health for monitors: the database and Redis (when configured), with their answer times in ms; "
               "no login; 200 when every configured part answers, 503 otherwise (degraded: Redis does not, "
               "down: the database does not). Never a URL or an error text.",
    "security": [],
    "responses": {str(code): {"description": text, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Health"}}}}
        for code, text in ((200, "Every configured part answers"), (503, "A part does not answer"))}}}


CALENDAR_FEED = {"servers": [{"url": "/"}], "get": {
    "summary": "A member's private iCalendar feed, for calendars to subscribe to (made on /account/calendar): "
               "one VEVENT per meeting they may see (published or later, from 90 days back; no confidential "
               "agenda item), stable UIDs, SEQUENCE growing with each change. No login and no cookie: the "
               "token is the credential. ETag + If-None-Match gives 304; rate limited per address and per "
               "token (429). Any token that does not hold (unknown, renewed, off, account disabled) is 404.",
    "security": [],
    "parameters": [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}],
    "responses": {"200": {"description": "The feed", "content": {"text/calendar": {"schema": {"type": "string"}}}},
                  "304": {"description": "The calendar's copy (If-None-Match) is current"},
                  "404": {"description": "No feed at this address"},
                  "429": {"description": "Too many fetches; see Retry-After"}}}}


def build_document() -> dict:
    paths: dict = {"/healthz": HEALTH, "/calendar/{token}.ics": CALENDAR_FEED}
    for method, path, summary, request_schema, status, response_schema, errors in ROUTES:
        operation = {"summary": summary, "responses": _responses(status, response_schema, errors)}
        params = [part[1:-1] for part in path.split("/") if part.startswith("{")]
        if params:
            operation["parameters"] = [
                {"name": p, "in": "path", "required": True,
                 "schema": {"enum": ACTIONS.get(path, [])} if p == "action" else INT}
                for p in params]
        if request_schema:
            media, _, name = request_schema.rpartition(":")
            media = "multipart/form-data" if media == "multipart" else "application/json"
            operation["requestBody"] = {"required": True, "content": {media: {"schema": _ref(name)}}}
        paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Cabinet API", "version": "1",
                 "description": "Paperless meetings. Errors: {\"error\": {\"code\", \"message\"}}. "
                                "Auth: session cookie + X-CSRFToken header, or Authorization: Bearer."},
        "servers": [{"url": "/api/v1"}],
        "components": {"schemas": SCHEMAS, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "cookie": {"type": "apiKey", "in": "cookie", "name": "cabinet_session"}}},
        "security": [{"bearer": []}, {"cookie": []}],
        "paths": paths,
        # Socket.IO events a client of this API also receives (the meeting's events: docs/LIVE.md).
        "x-socketio-events": {"inbox.count": {
            "to": "the user's own room: every connection of theirs, a meeting joined or not",
            "payload": {"$ref": "#/components/schemas/InboxCount"},
            "when": "something may have changed the user's inbox (GET /inbox); after a (re)connection, ask "
                    "for what was missed: the `inbox.ask` event (ack {ok, count}) or GET /inbox/count"},
            "inbox.ask": {"from": "any authenticated connection", "ack": {"ok": "boolean", "count": "integer"},
                          "when": "after each (re)connection: the caller's own count"}},
    }


@api_bp.get("/openapi.json")
def openapi_document():
    return jsonify(build_document())
