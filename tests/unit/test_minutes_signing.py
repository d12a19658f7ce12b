"""Signing the minutes: secretary first, then chair, both signatures intact afterwards (checked with
pyHanko's own validation, not our code); locked after the first; wrong turns and passphrases refused
with nothing changed; a correction needs new signatures."""
import sys

import pytest

from cabinet.extensions import db
from cabinet.models import MinutesSignature
from cabinet.services import certificates, minutes, minutes_signing
from cabinet.services.errors import Conflict, DomainError, NotAllowed
from cabinet.services.verification import verify_file

from ..minutes_helpers import SIGNING_PASSPHRASES, drafted_minutes
from ..pyhanko_helpers import validate_all

PASS = SIGNING_PASSPHRASES


@pytest.fixture()
def drafted(make):
    return drafted_minutes(make)


def _validate_independently(pdf: bytes) -> list:
    return validate_all(pdf, certificates.trust_roots())


def test_secretary_then_chair_both_signatures_stay_valid(drafted, tmp_path):
    record = drafted["minutes"]
    with pytest.raises(NotAllowed) as early:
        minutes_signing.sign_minutes(drafted["chair"], record, PASS["chair"], confirm_empty=True)
    assert early.value.code == "not_your_turn"
    minutes_signing.sign_minutes(drafted["secretary"], record, PASS["secretary"], confirm_empty=True)
    db.session.commit()
    assert record.status == "signing"
    with pytest.raises(Conflict) as locked:
        minutes.edit_minutes(drafted["secretariat"], record, {"location": "Hội trường B"})
    assert locked.value.code == "minutes_locked"
    minutes_signing.sign_minutes(drafted["chair"], record, PASS["chair"], confirm_empty=True)
    db.session.commit()
    assert record.status == "signed"
    signed = minutes_signing.signed_pdf(record)
    statuses = _validate_independently(signed)
    assert len(statuses) == 2
    assert all(s.intact and s.valid and s.trusted for s in statuses)
    assert statuses[0].coverage.name != "ENTIRE_FILE" and statuses[1].coverage.name == "ENTIRE_FILE"
    assert len(record.current.signatures) == 2 and all(s.sha256 for s in record.current.signatures)
    # our verification (in the worker child) says the same
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    report = verify_file(path)
    assert [s["signer"] for s in report["signatures"]] == ["Trần Thị Thư Ký", "Nguyễn Văn Chủ Tọa"]
    assert all(s["intact"] and s["trusted"] and not s["modified_after"] for s in report["signatures"])
    # one byte changed inside the signed range is caught
    tampered = bytearray(signed)
    spot = signed.index(b"/Producer")
    tampered[spot + 12] ^= 0x01
    path.write_bytes(bytes(tampered))
    broken = verify_file(path)
    assert not all(s["intact"] for s in broken["signatures"])
    with pytest.raises(Conflict) as done:
        minutes_signing.sign_minutes(drafted["chair"], record, PASS["chair"], confirm_empty=True)
    assert done.value.code == "already_signed"


def test_wrong_passphrase_and_non_signers_change_nothing(drafted):
    record = drafted["minutes"]
    with pytest.raises(DomainError) as wrong:
        minutes_signing.sign_minutes(drafted["secretary"], record, "not-the-passphrase", confirm_empty=True)
    assert wrong.value.code == "wrong_passphrase"
    with pytest.raises(NotAllowed):
        minutes_signing.sign_minutes(drafted["members"][0], record, "x", confirm_empty=True)
    with pytest.raises(NotAllowed):
        minutes_signing.sign_minutes(drafted["secretariat"], record, "x", confirm_empty=True)
    db.session.rollback()
    assert db.session.query(MinutesSignature).count() == 0
    assert record.status == "draft"


def test_a_correction_is_a_new_revision_that_needs_new_signatures(drafted):
    record = drafted["minutes"]
    minutes_signing.sign_minutes(drafted["secretary"], record, PASS["secretary"], confirm_empty=True)
    minutes_signing.sign_minutes(drafted["chair"], record, PASS["chair"], confirm_empty=True)
    db.session.commit()
    signed_revision = record.current.number
    minutes.open_correction(drafted["secretary"], record, "Sửa tên đại biểu vắng mặt")
    db.session.commit()
    assert record.status == "draft" and record.current.number == signed_revision + 1
    assert minutes_signing.next_signer_role(record) == "secretary"
    assert minutes_signing.signed_pdf(record) is None
    assert len(record.revisions[signed_revision - 1].signatures) == 2, "the signed revision stays on record"


def test_pyhanko_signs_in_the_pdf_child_not_on_the_server(drafted, monkeypatch):
    """A signature costs pyHanko 0.2–0.3 s of CPU; on the server's event loop every tablet waited for it.
    With pyHanko's signing code made unloadable in this (the server's) process, signing still works: the
    warm PDF child does it. And a wrong passphrase is still told apart there."""
    import pyhanko.sign
    monkeypatch.setitem(sys.modules, "pyhanko.sign.signers", None)
    monkeypatch.delattr(pyhanko.sign, "signers", raising=False)
    with pytest.raises(ImportError):
        from pyhanko.sign import signers  # noqa: F401
    with pytest.raises(NotAllowed) as wrong:
        minutes_signing.sign_minutes(drafted["secretary"], drafted["minutes"], "không-phải-mật-khẩu",
                                     confirm_empty=True)
    assert wrong.value.code == "wrong_passphrase"
    row = minutes_signing.sign_minutes(drafted["secretary"], drafted["minutes"], PASS["secretary"],
                                       confirm_empty=True)
    db.session.commit()
    assert "Trần Thị Thư Ký" in row.certificate_subject
    monkeypatch.undo()
    statuses = _validate_independently(minutes_signing.signed_pdf(drafted["minutes"]))
    assert len(statuses) == 1 and statuses[0].intact and statuses[0].valid
