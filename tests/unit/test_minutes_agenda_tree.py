"""Issue 12: the signed minutes follow the agenda's tree and the real times. Agenda 1, 2, 2.1, 3 (the
sub-item added last, as a secretary does): the signed PDF printed 1, 2, 3, 4 with the sub-item's vote under
"2." and the editor listed 1, 2.1, 2, 3, while the dossier's bookmarks were right; the PDF printed the
planned time of a session held days earlier, and no adjournment. Here the PDF's text (pypdf), the record
inside it, the dossier's bookmarks and the editor must agree item by item, with the times that happened."""
import io
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from cabinet.extensions import db
from cabinet.models import SessionEvent
from cabinet.services import agenda, certificates, dossier, live, meetings, minutes, minutes_signing, polls

from ..factories import login

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
PASS = {"secretary": "thu-ky-ky-so-2026", "chair": "chu-toa-ky-so-2026"}
VN = ZoneInfo("Asia/Ho_Chi_Minh")
TITLES = {"1": "Báo cáo tình hình kinh tế - xã hội năm 2026", "2": "Tờ trình điều chỉnh quy hoạch chung",
          "2.1": "Điều chỉnh quy hoạch phân khu phường Đông Hương", "3": "Chất vấn và trả lời chất vấn"}
# what happened, in Vietnam's time: started late, adjourned for a break, resumed, closed
HAPPENED = {"started": datetime(2026, 12, 4, 8, 5, tzinfo=VN), "adjourned": datetime(2026, 12, 4, 9, 30, tzinfo=VN),
            "resumed": datetime(2026, 12, 4, 9, 45, tzinfo=VN), "closed": datetime(2026, 12, 4, 11, 10, tzinfo=VN)}


def _vote(chair, meeting, item, question, voters_and_choices):
    poll = polls.create_poll(chair, meeting, {"question": question, "majority": "all", "agenda_item_id": item.id})
    db.session.commit()
    polls.open_poll(chair, poll)
    db.session.commit()
    for person, choice in voters_and_choices:
        polls.cast_ballot(person, poll, choice)
        db.session.commit()
    polls.close_poll(chair, poll)
    db.session.commit()
    return poll


@pytest.fixture()
def signed(make, client):
    secretariat = make.user("secretariat", full_name="Lê Thị Văn Phòng")
    archivist = make.user("archivist", full_name="Vũ Thị Lưu Trữ")
    chair = make.user("member", full_name="Nguyễn Văn Chủ Tọa")
    secretary = make.user("member", full_name="Trần Thị Thư Ký")
    members = [make.user("member", full_name=f"Phạm Đức Đại Biểu {i}") for i in range(4)]
    meeting = make.meeting(secretariat, items=0, title="Kỳ họp thứ 12 HĐND thành phố khóa XXII",
                           participants_={chair: "chair", secretary: "secretary", **{m: "member" for m in members}})
    one = agenda.add_item(secretariat, meeting, {"title": TITLES["1"]})
    two = agenda.add_item(secretariat, meeting, {"title": TITLES["2"]})
    agenda.add_item(secretariat, meeting, {"title": TITLES["3"]})
    sub = agenda.add_item(secretariat, meeting, {"title": TITLES["2.1"], "parent_id": two.id})  # added last
    db.session.commit()
    for move in ("publish", "start"):
        meetings.move_status(secretariat, meeting, move)
    db.session.commit()
    for person in [chair, *members]:
        live.check_in(person, meeting)
    db.session.commit()
    live.move_current_item(chair, meeting, sub.id)
    sub_poll = _vote(chair, meeting, sub, "Thông qua điều chỉnh quy hoạch phân khu phường Đông Hương?",
                     [(chair, "Tán thành"), (members[0], "Tán thành"), (members[1], "Tán thành"),
                      (members[2], "Không tán thành")])  # members[3] present, does not vote
    meetings.move_status(secretariat, meeting, "adjourn")
    db.session.commit()
    meetings.move_status(secretariat, meeting, "start")
    db.session.commit()
    parent_poll = _vote(chair, meeting, two, "Thông qua Tờ trình điều chỉnh quy hoạch chung?",
                        [(p, "Tán thành") for p in [chair, *members]])
    meetings.move_status(secretariat, meeting, "close")
    db.session.commit()
    events = db.session.scalars(select(SessionEvent).where(SessionEvent.meeting_id == meeting.id)
                                .order_by(SessionEvent.id)).all()
    assert [e.kind for e in events] == ["started", "adjourned", "resumed", "closed"]
    for event in events:  # the same moves, as if held on the 4th (the plan said three days from now)
        event.at = HAPPENED[event.kind].astimezone(timezone.utc)
    db.session.commit()
    record = minutes.generate_minutes(secretary, meeting)
    db.session.commit()
    minutes.edit_minutes(secretary, record, {
        "opening": "<p>Chủ tọa khai mạc kỳ họp.</p>", "closing": "<p>Chủ tọa bế mạc kỳ họp.</p>",
        "conclusions": {str(i.id): f"<p>Kết luận về nội dung {n}.</p>"
                        for n, i in (("1", one), ("2", two), ("2.1", sub))} | {
            str(next(i.id for i in meeting.items if i.title == TITLES["3"])): "<p>Kết luận về nội dung 3.</p>"}})
    db.session.commit()
    login(client, secretary)
    editor = client.get(f"/meetings/{meeting.id}/minutes").get_data(as_text=True)
    for role in ("secretary", "chair"):
        person = secretary if role == "secretary" else chair
        certificates.issue_demo_certificate(person, PASS[role])
        minutes_signing.sign_minutes(person, record, PASS[role])
        db.session.commit()
    assert record.status == "signed"
    return {"meeting": meeting, "minutes": record, "secretary": secretary, "archivist": archivist,
            "items": {"1": one, "2": two, "2.1": sub}, "sub_poll": sub_poll, "parent_poll": parent_poll,
            "editor": editor}


def test_signed_pdf_record_dossier_and_editor_agree_item_by_item(signed, client):
    expected = ["1", "2", "2.1", "3"]
    pdf = minutes_signing.signed_pdf(signed["minutes"])
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "minutes-agenda-tree.pdf").write_bytes(pdf)  # to look at
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = re.sub(r"\s+", " ", text)

    # the PDF: each heading once, in the agenda's order, each vote under its own item
    at = [flat.index(f"{number}. {TITLES[number]}") for number in expected]
    assert at == sorted(at), at
    sub_vote = flat.index("Biểu quyết: Thông qua điều chỉnh quy hoạch phân khu")
    parent_vote = flat.index("Biểu quyết: Thông qua Tờ trình điều chỉnh quy hoạch chung")
    assert at[1] < parent_vote < at[2] < sub_vote < at[3], "each vote under its own item"
    assert "4. " + TITLES["3"] not in flat

    # the record inside the signed PDF
    record = json.loads(reader.attachments["record.json"][0])
    assert [i["number"] for i in record["items"]] == expected
    assert [i["title"] for i in record["items"]] == [TITLES[n] for n in expected]
    by_number = {i["number"]: i for i in record["items"]}
    assert by_number["2.1"]["parent_id"] == signed["items"]["2"].id and by_number["2"]["parent_id"] is None
    assert [p["id"] for p in by_number["2.1"]["polls"]] == [signed["sub_poll"].id]
    assert [p["id"] for p in by_number["2"]["polls"]] == [signed["parent_poll"].id]

    # the dossier's bookmarks: 2.1 nested under 2, the same numbers
    with dossier.dossier_pdf(signed["archivist"], signed["meeting"]) as path:
        outline = PdfReader(path).outline
    top = [entry.title for entry in outline if not isinstance(entry, list)]
    assert top[1:4] == [f"{n}. {TITLES[n]}" for n in ("1", "2", "3")]
    under_two = outline[outline.index(next(e for e in outline if not isinstance(e, list) and e.title.startswith("2. "))) + 1]
    assert isinstance(under_two, list) and under_two[0].title == f"2.1. {TITLES['2.1']}"

    # the editor, as the secretary saw it before signing, and the signed minutes' page
    shown = re.findall(r'data-test="minutes-item"[^>]*>\s*<h2[^>]*><span class="agenda__number">([^<]+)</span>\s*'
                       r'<span>([^<]+)</span>', signed["editor"])
    assert shown == [(n, TITLES[n]) for n in expected]
    page = client.get(f"/meetings/{signed['meeting'].id}/minutes").get_data(as_text=True)
    shown = re.findall(r'<h3 class="subheading"><span class="agenda__number">([^<]+)</span> ([^<]+)</h3>', page)
    assert shown == [(n, TITLES[n]) for n in expected]


def test_the_minutes_state_the_times_that_happened(signed):
    text = re.sub(r"\s+", " ", "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(minutes_signing.signed_pdf(signed["minutes"]))).pages))
    planned = signed["meeting"].starts_at.astimezone(VN)
    assert ("Thời gian: bắt đầu lúc 08 giờ 05 ngày 04/12/2026 "
            f"(theo kế hoạch: {planned:%H} giờ {planned:%M} ngày {planned:%d/%m/%Y}); "
            "tạm dừng lúc 09 giờ 30; tiếp tục lúc 09 giờ 45; kết thúc lúc 11 giờ 10.") in text
    assert signed["minutes"].current.content["date"] == "2026-12-04", "the minutes are dated the day it sat"


def test_results_read_as_the_law_reads_them(signed):
    """For each poll: the rule, the votes it needed, for / against / abstain / did not vote against all
    members, the outcome; a named poll names who did not vote."""
    text = re.sub(r"\s+", " ", "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(minutes_signing.signed_pdf(signed["minutes"]))).pages))
    sub = text[text.index("Biểu quyết: Thông qua điều chỉnh quy hoạch phân khu"):]
    sub = sub[:sub.index("3. " + TITLES["3"])]
    # five voting members (the chair and four members); "all" needs more than half of them: 3
    assert "Nguyên tắc: quá nửa tổng số đại biểu (cần ít nhất 3 phiếu tán thành). Tổng số đại biểu: 5; có mặt: 5." in sub
    for label, count, share in (("Tán thành", 3, "60,00%"), ("Không tán thành", 1, "20,00%"),
                                ("Không biểu quyết", 0, "0,00%"), ("Không tham gia biểu quyết", 1, "20,00%")):
        assert f"{label} {count} {share}" in sub, (label, sub)
    assert "Kết quả: thông qua." in sub
    assert "Không tham gia biểu quyết (1 đại biểu): Phạm Đức Đại Biểu 3." in sub


def test_minutes_drafted_during_the_session_take_the_record_as_it_closed(make):
    """Drafted while the session sat, then an item added and the session closed: the draft gets the new item
    in its place, the closing time and keeps what the secretary wrote."""
    secretariat = make.user("secretariat")
    chair, secretary = make.user("member"), make.user("member")
    meeting = make.meeting(secretariat, items=2, status="live", participants_={chair: "chair", secretary: "secretary"})
    first, second = sorted(meeting.items, key=lambda i: i.position)
    record = minutes.generate_minutes(secretary, meeting)
    minutes.edit_minutes(secretary, record, {"conclusions": {str(first.id): "<p>Đã thống nhất.</p>"}})
    db.session.commit()
    added = agenda.add_item(secretariat, meeting, {"title": "Nội dung phát sinh", "parent_id": first.id})
    meetings.move_status(secretariat, meeting, "close")
    db.session.commit()
    content = record.current.content
    assert record.current.number == 3 and record.current.change == "Edited: record"
    assert [i["item_id"] for i in content["items"]] == [first.id, added.id, second.id]
    assert [i["number"] for i in content["record"]["items"]] == ["1", "1.1", "2"]
    assert content["items"][0]["conclusion"] == "<p>Đã thống nhất.</p>"
    assert content["record"]["meeting"]["closed_at"] and content["record"]["session"][-1]["kind"] == "closed"
    from cabinet.services.minutes_signing import empty_sections
    assert [(e["section"], e.get("number")) for e in empty_sections(record)] == [
        ("opening", None), ("conclusion", "1.1"), ("conclusion", "2"), ("closing", None)], "in the text's order"
