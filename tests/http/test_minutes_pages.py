"""The minutes pages and the verification page: who sees what (editor, signing, correction), on both backends."""
import re

import pytest

from cabinet.extensions import db
from cabinet.services import minutes

from .. import factories
from ..minutes_helpers import held_session


@pytest.fixture()
def held(make):
    """A meeting that has been held (tests/minutes_helpers.py), plus someone who was not invited."""
    session = held_session(make)
    return {**session, "member": session["members"][0], "stranger": make.user("member", full_name="Người Ngoài")}


def _as(app, person):
    client = app.test_client()
    if person is not None:
        factories.login(client, person)
    return client


def _draft(held):
    record = minutes.generate_minutes(held["secretary"], held["meeting"])
    db.session.commit()
    return record


def test_before_drafting_only_editors_get_the_draft_button(app, held):
    url = f"/meetings/{held['meeting'].id}/minutes"
    for role in ("secretary", "secretariat"):
        page = _as(app, held[role]).get(url)
        assert page.status_code == 200, role
        assert 'data-test="draft-minutes"' in page.get_data(as_text=True), role
    for role in ("chair", "member"):
        page = _as(app, held[role]).get(url)
        assert page.status_code == 200, role
        html = page.get_data(as_text=True)
        assert 'data-test="no-minutes"' in html and 'data-test="draft-minutes"' not in html, role


def test_minutes_pages_by_role(app, held):
    record = _draft(held)
    url = f"/meetings/{held['meeting'].id}/minutes"
    expected = {"secretary": 200, "secretariat": 200, "chair": 200, "member": 200, "stranger": 404, None: 302}
    for role, status in expected.items():
        person = held[role] if role else None
        client = _as(app, person)
        for path in (url, f"/minutes/{record.id}/history"):
            response = client.get(path)
            assert response.status_code == status, (role, path)
            if status == 302:
                assert "/login" in response.headers["Location"]


def test_the_editor_is_for_the_secretary_and_the_secretariat_only(app, held):
    record = _draft(held)
    url = f"/meetings/{held['meeting'].id}/minutes"
    for role in ("secretary", "secretariat"):
        html = _as(app, held[role]).get(url).get_data(as_text=True)
        assert 'data-test="minutes-editor"' in html, role
        assert html.count('contenteditable="true"') == 2 + len(held["meeting"].items), "opening, items, closing"
        assert f'data-minutes-id="{record.id}"' in html and 'data-revision="1"' in html
        assert "Thông qua Nghị quyết về dự toán ngân sách năm 2027?" in html, "the recorded poll beside the text"
        assert "Đi công tác tại Hà Nội" in html, "the recorded absence beside the opening"
    for role in ("chair", "member"):
        html = _as(app, held[role]).get(url).get_data(as_text=True)
        assert 'data-test="minutes-editor"' not in html and "contenteditable" not in html, role
        assert 'data-test="minutes-text"' in html and 'data-test="download-pdf"' in html, role
        assert 'data-action="restore"' not in html, role


def test_signing_panel_follows_the_turn(app, held):
    _draft(held)
    url = f"/meetings/{held['meeting'].id}/minutes"
    assert 'data-test="sign-panel"' in _as(app, held["secretary"]).get(url).get_data(as_text=True)
    for role in ("chair", "secretariat", "member"):  # the secretary signs first; the secretariat never signs
        assert 'data-test="sign-panel"' not in _as(app, held[role]).get(url).get_data(as_text=True), role


def test_history_lists_revisions_with_restore_for_editors(app, held):
    record = _draft(held)
    item = held["meeting"].items[0].id
    minutes.edit_minutes(held["secretary"], record, {"conclusions": {str(item): "<p>Thông qua.</p>"}}, base_revision=1)
    db.session.commit()
    fragment = _as(app, held["secretary"]).get(f"/minutes/{record.id}/history").get_data(as_text=True)
    assert fragment.count('data-test="revision"') == 2
    assert 'data-test="restore-1"' in fragment and 'data-test="restore-2"' not in fragment, "older ones only"
    assert "kết luận nội dung 1" in fragment, "the change names the agenda number, not the database id"
    reader = _as(app, held["member"]).get(f"/minutes/{record.id}/history").get_data(as_text=True)
    assert reader.count('data-test="revision"') == 2 and "data-action=\"restore\"" not in reader
    page = _as(app, held["member"]).get(f"/meetings/{held['meeting'].id}/minutes").get_data(as_text=True)
    assert "<p>Thông qua.</p>" in page, "readers see the saved conclusion"


def test_signed_minutes_are_locked_and_offer_a_correction_to_editors(app, held):
    record = _draft(held)
    record.status = "signed"  # as after both signatures (signing itself is tested with the signing module)
    db.session.commit()
    url = f"/meetings/{held['meeting'].id}/minutes"
    html = _as(app, held["secretary"]).get(url).get_data(as_text=True)
    assert 'data-test="minutes-editor"' not in html and 'data-test="correction-panel"' in html
    assert 'data-test="minutes-locked"' in html and 'badge--minutes-signed' in html
    member = _as(app, held["member"]).get(url).get_data(as_text=True)
    assert 'data-test="correction-panel"' not in member


def test_meeting_page_links_to_the_minutes_once_the_session_was_held(app, make, held):
    detail = f"/meetings/{held['meeting'].id}"
    for role in ("secretary", "chair", "member", "secretariat"):
        assert 'data-test="minutes-link"' in _as(app, held[role]).get(detail).get_data(as_text=True), role
    upcoming = make.meeting(held["secretariat"], status="published", participants_={held["member"]: "member"})
    assert 'data-test="minutes-link"' not in _as(app, held["member"]).get(
        f"/meetings/{upcoming.id}").get_data(as_text=True)
    # Before the session: the page answers, but there is nothing to draft yet.
    page = _as(app, held["secretariat"]).get(f"/meetings/{upcoming.id}/minutes").get_data(as_text=True)
    assert 'data-test="no-minutes"' in page and 'data-test="draft-minutes"' not in page


def test_verify_page_needs_a_login_and_is_in_the_menu(app, held):
    anonymous = _as(app, None).get("/verify")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    for role in ("member", "stranger", "secretariat"):
        page = _as(app, held[role]).get("/verify")
        assert page.status_code == 200, role
        html = page.get_data(as_text=True)
        assert 'data-test="verify-form"' in html and 'data-test="nav-verify"' in html
        assert re.search(r'<a href="/verify" class="mainnav__link is-current"', html)
    login_page = _as(app, None).get("/login").get_data(as_text=True)
    assert 'data-test="nav-verify"' not in login_page


def test_pages_carry_no_inline_script_and_the_csp_allows_blob_frames(app, held):
    _draft(held)
    client = _as(app, held["secretary"])
    for path in (f"/meetings/{held['meeting'].id}/minutes", "/verify"):
        response = client.get(path)
        policy = response.headers["Content-Security-Policy"]
        assert "frame-src 'self' blob:" in policy and "unsafe-inline" not in policy
        html = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html), path
        assert " style=" not in html, path
