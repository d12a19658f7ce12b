"""Agenda rules: order, one level of sub-items, moves that make no sense are refused and change nothing."""
import pytest

from cabinet.extensions import db
from cabinet.services import agenda
from cabinet.services.errors import Conflict, Invalid


def titles(actor, meeting):
    return [(n.number, n.item.title, [(c.number, c.item.title) for c in n.children])
            for n in agenda.agenda_tree(actor, meeting)]


@pytest.fixture()
def setup(make):
    staff = make.user("secretariat")
    meeting = make.meeting(staff, items=0)
    items = [agenda.add_item(staff, meeting, {"title": t}) for t in ("A", "B", "C")]
    db.session.commit()
    return staff, meeting, items


def test_items_are_numbered_in_order_with_sub_items(setup):
    staff, meeting, (a, b, c) = setup
    agenda.add_item(staff, meeting, {"title": "B1", "parent_id": b.id})
    agenda.add_item(staff, meeting, {"title": "B0", "parent_id": b.id, "position": 0})
    assert titles(staff, meeting) == [("1", "A", []), ("2", "B", [("2.1", "B0"), ("2.2", "B1")]), ("3", "C", [])]


def test_move_to_a_new_position_renumbers_siblings(setup):
    staff, meeting, (a, b, c) = setup
    agenda.update_item(staff, c, {"position": 0})
    assert [t for _, t, _ in titles(staff, meeting)] == ["C", "A", "B"]
    assert sorted(i.position for i in meeting.items) == [0, 1, 2]
    agenda.update_item(staff, c, {"position": 99})  # past the end: last
    assert [t for _, t, _ in titles(staff, meeting)] == ["A", "B", "C"]


def test_move_under_another_item_and_back_out(setup):
    staff, meeting, (a, b, c) = setup
    agenda.update_item(staff, c, {"parent_id": a.id})
    assert titles(staff, meeting) == [("1", "A", [("1.1", "C")]), ("2", "B", [])]
    agenda.update_item(staff, c, {"parent_id": None, "position": 0})
    assert titles(staff, meeting) == [("1", "C", []), ("2", "A", []), ("3", "B", [])]


@pytest.mark.parametrize("case", ["itself", "under_sub_item", "parent_with_children", "other_meeting"])
def test_impossible_moves_are_refused_and_change_nothing(setup, make, case):
    staff, meeting, (a, b, c) = setup
    sub = agenda.add_item(staff, meeting, {"title": "A1", "parent_id": a.id})
    db.session.commit()
    other = make.meeting(staff, items=1)
    target, parent = {
        "itself": (b, b.id),
        "under_sub_item": (c, sub.id),
        "parent_with_children": (a, b.id),
        "other_meeting": (c, other.items[0].id),
    }[case]
    before = titles(staff, meeting)
    with pytest.raises(Invalid) as err:
        agenda.update_item(staff, target, {"parent_id": parent, "title": "changed"})
    db.session.rollback()
    assert err.value.field == "parent_id"
    assert titles(staff, meeting) == before


def test_deleting_an_item_removes_its_sub_items_and_closes_the_gap(setup):
    staff, meeting, (a, b, c) = setup
    agenda.add_item(staff, meeting, {"title": "A1", "parent_id": a.id})
    agenda.delete_item(staff, a)
    db.session.commit()
    assert titles(staff, meeting) == [("1", "B", []), ("2", "C", [])]


def test_confidential_items_are_hidden_from_guests(make):
    staff, guest, member = make.user("secretariat"), make.user(), make.user()
    meeting = make.meeting(staff, items=1, participants_={guest: "guest", member: "member"}, status="published")
    secret = agenda.add_item(staff, meeting, {"title": "Nhân sự", "confidential": True})
    db.session.commit()
    assert [n.item.title for n in agenda.agenda_tree(member, meeting)] == ["Nội dung 1", "Nhân sự"]
    assert [n.item.title for n in agenda.agenda_tree(guest, meeting)] == ["Nội dung 1"]
    with pytest.raises(Exception) as err:
        agenda.get_item(guest, secret.id)
    assert getattr(err.value, "status", None) == 404


def test_numbers_are_the_same_for_every_reader(make):
    """A guest who may not see item 2 sees 1 and 3, not 1 and 2: when the chair says "item 3", every tablet,
    the minutes and the dossier mean the same item (agenda.numbered decides numbers for all of them)."""
    staff, guest = make.user("secretariat"), make.user()
    meeting = make.meeting(staff, items=1, participants_={guest: "guest"}, status="published")
    secret = agenda.add_item(staff, meeting, {"title": "Nhân sự", "confidential": True})
    agenda.add_item(staff, meeting, {"title": "Đất đai"})
    agenda.add_item(staff, meeting, {"title": "Nhân sự 2", "parent_id": secret.id})
    db.session.commit()
    assert titles(guest, meeting) == [("1", "Nội dung 1", []), ("3", "Đất đai", [])]
    assert titles(staff, meeting) == [("1", "Nội dung 1", []), ("2", "Nhân sự", [("2.1", "Nhân sự 2")]),
                                      ("3", "Đất đai", [])]


def test_closed_meeting_agenda_is_frozen(make):
    staff = make.user("secretariat")
    meeting = make.meeting(staff, status="closed")
    with pytest.raises(Conflict):
        agenda.add_item(staff, meeting, {"title": "late"})
