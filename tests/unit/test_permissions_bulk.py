"""`permissions.document_readers` (all participants at once, for the inbox pushes) gives exactly those for
whom `may(user, "document.read", document)` holds — over roles (chair, secretary, member, guest; the
secretariat, an archivist, an administrator invited), access levels, named readers, a confidential agenda
item and its sub-item, a withdrawn document, a draft meeting and a disabled account."""
import itertools

from cabinet.extensions import db
from cabinet.services import agenda, documents, participants
from cabinet.services.permissions import document_readers, may

from ..documents_helpers import sample


def test_the_bulk_readers_are_exactly_those_may_allows(make):
    staff = make.user("secretariat")
    people = {"chair": make.user(), "secretary": make.user(), "member": make.user(), "guest": make.user(),
              "archivist_guest": make.user("archivist"), "admin_guest": make.user("admin"),
              "staff_member": make.user("secretariat"), "disabled": make.user()}
    roles = {"chair": "chair", "secretary": "secretary", "member": "member", "guest": "guest",
             "archivist_guest": "guest", "admin_guest": "guest", "staff_member": "member", "disabled": "member"}
    for status in ("draft", "published"):
        meeting = make.meeting(staff, status=status, items=1)
        secret = agenda.add_item(staff, meeting, {"title": "Mật", "confidential": True})
        sub = agenda.add_item(staff, meeting, {"title": "Mục con", "parent_id": secret.id})
        for name, person in people.items():
            participants.add_participant(staff, meeting, person.id, roles[name])
        db.session.commit()
        item_ids = [None, meeting.items[0].id, secret.id, sub.id]
        for access, item_id, named in itertools.product(("public", "participants", "confidential"), item_ids,
                                                        (False, True)):
            if access == "public" and item_id in (secret.id, sub.id):
                continue  # refused by the upload itself
            readers = [people["member"].id, people["guest"].id] if access == "confidential" and named else (
                [people["member"].id] if access == "confidential" else None)
            document = documents.upload_document(staff, meeting, _pdf(), filename="a.pdf", title="Tài liệu",
                                                 access=access, agenda_item_id=item_id, readers=readers)
            db.session.commit()
            people["disabled"].active = False
            for withdrawn in (False, True):
                if withdrawn:
                    documents.withdraw_document(staff, document)
                expected = {p.user_id for p in meeting.participants if may(p.user, "document.read", document)}
                assert document_readers(document) == expected, (status, access, item_id, named, withdrawn)
            db.session.rollback()
            people["disabled"].active = True
            db.session.commit()


def _pdf():
    from io import BytesIO
    return BytesIO(sample("to-trinh-do-thi-thong-minh.pdf"))
