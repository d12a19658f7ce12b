"""Readers' copies made in the background when a document arrives (cabinet/services/copies_ahead.py):
every invited reader's copy is ready before they ask, named for them; a confidential document's only for
its named readers; a reader who asks then gets that very copy, nothing is stamped again."""
import io
import time

import pypdf
import pytest
from sqlalchemy import func, select

from cabinet.extensions import db
from cabinet.models import StampedCopy

from ..documents_helpers import sample, upload

PDF = "to-trinh-do-thi-thong-minh.pdf"


@pytest.fixture()
def ahead(app):
    app.config["PREPARE_COPIES"] = True
    yield
    app.config["PREPARE_COPIES"] = False


def _copies() -> dict[tuple, str]:
    """(version id, reader id) → the copy's digest, as the database has it now."""
    db.session.rollback()  # a fresh look at what the background made
    rows = db.session.execute(select(StampedCopy.version_id, StampedCopy.user_id, StampedCopy.sha256))
    return {(version_id, user_id): digest for version_id, user_id, digest in rows}


def _wait_for(count: int, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(_copies()) >= count:
            time.sleep(0.5)  # nothing more may come
            return _copies()
        time.sleep(0.2)
    raise AssertionError(f"{len(_copies())} of {count} copies were made")


def test_copies_are_ready_before_the_readers_ask(api, make, ahead):
    staff, chair, member, guest, reader = (make.user("secretariat"), make.user(full_name="Lê Văn Chủ Tọa"),
                                           make.user(full_name="Trần Thị Mai"), make.user(),
                                           make.user(full_name="Đỗ Thị Hương"))
    meeting = make.meeting(staff, status="published", participants_={
        chair: "chair", member: "member", guest: "guest", reader: "member"})
    s = api.as_(staff)
    upload(s, meeting.id, sample(PDF), access="public")  # the same bytes for all: nothing to make
    shared = upload(s, meeting.id, sample(PDF), access="participants").get_json()
    copies = _wait_for(4)
    assert {user_id for _, user_id in copies} == {chair.id, member.id, guest.id, reader.id}, copies
    served = api.as_(member).get(f"/documents/{shared['id']}/file")
    assert served.status_code == 200
    assert "Trần Thị Mai" in pypdf.PdfReader(io.BytesIO(served.data)).pages[0].extract_text()
    mine = next(digest for (_, user_id), digest in copies.items() if user_id == member.id)
    assert served.headers["ETag"].strip('"') == mine, "the prepared copy, not a new one"
    assert db.session.scalar(select(func.count()).select_from(StampedCopy)) == 4

    secret = upload(s, meeting.id, sample(PDF), access="confidential", readers=reader.id).get_json()
    copies = _wait_for(5)
    assert len(copies) == 5 and sum(1 for _, user_id in copies if user_id == reader.id) == 2, \
        "only the named reader of the confidential one"
    served = api.as_(reader).get(f"/documents/{secret['id']}/file")
    assert "Đỗ Thị Hương" in pypdf.PdfReader(io.BytesIO(served.data)).pages[0].extract_text()
    assert db.session.scalar(select(func.count()).select_from(StampedCopy)) == 5
