"""Demo data: Thanh Hóa city people's committee, its members and meetings (loaded by `cabinet demo`)."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from . import resources
from .config import DEFAULT_TIMEZONE
from .extensions import db
from .models import Body, Meeting, Poll, SessionEvent
from .services import (accounts, agenda, bodies, certificates, consultations, documents, live, meetings, minutes,
                       participants, polls)

DEMO_PASSWORD = "demo-2026"
COMMITTEE = "Ủy ban nhân dân thành phố Thanh Hóa"
COUNCIL = "Hội đồng nhân dân thành phố Thanh Hóa"

# username, full name, position, global roles, title in the committee (None: not a committee member)
PEOPLE = [
    ("admin", "Quản trị hệ thống", "Trung tâm Chuyển đổi số", ["admin"], None),
    ("vanphong", "Lê Thị Thu Hà", "Chánh Văn phòng HĐND và UBND thành phố", ["secretariat"], None),
    ("thuky", "Nguyễn Thị Minh Châu", "Chuyên viên Văn phòng HĐND và UBND thành phố", ["secretariat"], None),
    ("luutru", "Trịnh Văn Khánh", "Văn thư - Lưu trữ", ["archivist"], None),
    ("chutich", "Lê Anh Xuân", "Chủ tịch UBND thành phố", ["member"], "Chủ tịch"),
    ("pct.hung", "Nguyễn Văn Hùng", "Phó Chủ tịch Thường trực UBND thành phố", ["member"], "Phó Chủ tịch"),
    ("pct.lan", "Hoàng Thị Lan", "Phó Chủ tịch UBND thành phố", ["member"], "Phó Chủ tịch"),
    ("pct.dung", "Phạm Quốc Dũng", "Phó Chủ tịch UBND thành phố", ["member"], "Phó Chủ tịch"),
    ("tp.taichinh", "Đỗ Thị Hương", "Trưởng phòng Tài chính - Kế hoạch", ["member"], "Ủy viên"),
    ("tp.dothi", "Vũ Đức Thắng", "Trưởng phòng Quản lý đô thị", ["member"], "Ủy viên"),
    ("tp.tnmt", "Lê Văn Tuấn", "Trưởng phòng Tài nguyên và Môi trường", ["member"], "Ủy viên"),
    ("tp.giaoduc", "Mai Thị Ngọc Ánh", "Trưởng phòng Giáo dục và Đào tạo", ["member"], "Ủy viên"),
    ("tp.yte", "Trần Văn Đức", "Trưởng phòng Y tế", ["member"], "Ủy viên"),
    ("tp.vanhoa", "Lê Thị Phương Thảo", "Trưởng phòng Văn hóa và Thông tin", ["member"], "Ủy viên"),
    ("tp.noivu", "Nguyễn Hữu Quyết", "Trưởng phòng Nội vụ", ["member"], "Ủy viên"),
    ("tp.tuphap", "Cao Thị Thủy", "Trưởng phòng Tư pháp", ["member"], "Ủy viên"),
    ("tp.kinhte", "Hà Văn Sơn", "Trưởng phòng Kinh tế", ["member"], "Ủy viên"),
    ("tp.laodong", "Lường Thị Hoa", "Trưởng phòng Lao động - Thương binh và Xã hội", ["member"], "Ủy viên"),
    ("chanhthanhtra", "Đinh Công Bằng", "Chánh Thanh tra thành phố", ["member"], "Ủy viên"),
    ("ca.truong", "Lê Quang Vinh", "Trưởng Công an thành phố", ["member"], "Ủy viên"),
    ("qs.chihuy", "Nguyễn Trọng Nghĩa", "Chỉ huy trưởng Ban Chỉ huy Quân sự thành phố", ["member"], "Ủy viên"),
    ("bql.duan", "Phan Thế Anh", "Giám đốc Ban Quản lý dự án đầu tư xây dựng", ["member"], "Ủy viên"),
    ("tt.qldt", "Vương Thị Yến", "Chánh Văn phòng Điều phối đô thị thông minh", ["member"], "Ủy viên"),
    ("hdnd.chutich", "Trịnh Tuấn Sinh", "Chủ tịch HĐND thành phố", ["member"], None),
    ("hdnd.pct", "Lê Văn Thành", "Phó Chủ tịch HĐND thành phố", ["member"], None),
    ("mttq", "Nguyễn Thị Bích Ngọc", "Chủ tịch Ủy ban MTTQ Việt Nam thành phố", ["member"], None),
    ("vnpt", "Tạ Minh Trí", "Giám đốc VNPT Thanh Hóa", ["member"], None),
]

SMART_CITY_AGENDA = [
    {"title": "Khai mạc, thông qua chương trình phiên họp", "presenter": "Lê Anh Xuân", "duration_minutes": 10},
    {"title": "Tờ trình về Đề án xây dựng thành phố thông minh giai đoạn 2026–2030, định hướng đến năm 2035",
     "presenter": "Phạm Quốc Dũng", "duration_minutes": 60,
     "description": "Thảo luận, cho ý kiến trước khi trình HĐND thành phố tại kỳ họp cuối năm.",
     "children": [
         {"title": "Báo cáo thẩm định của Phòng Tài chính - Kế hoạch", "presenter": "Đỗ Thị Hương",
          "duration_minutes": 15},
         {"title": "Ý kiến của Trung tâm Điều phối đô thị thông minh", "presenter": "Vương Thị Yến",
          "duration_minutes": 15},
     ]},
    {"title": "Báo cáo tình hình kinh tế - xã hội năm 2026; phương hướng, nhiệm vụ năm 2027",
     "presenter": "Nguyễn Văn Hùng", "duration_minutes": 45,
     "children": [
         {"title": "Dự toán thu, chi ngân sách thành phố năm 2027", "presenter": "Đỗ Thị Hương",
          "duration_minutes": 20},
     ]},
    {"title": "Phương án kiện toàn nhân sự các phòng chuyên môn", "presenter": "Nguyễn Hữu Quyết",
     "duration_minutes": 20, "confidential": True},
    {"title": "Kết luận phiên họp", "presenter": "Lê Anh Xuân", "duration_minutes": 15},
]

LAND_AGENDA = [
    {"title": "Báo cáo tiến độ giải phóng mặt bằng Dự án Đại lộ Đông - Tây (giai đoạn 2)",
     "presenter": "Phan Thế Anh", "duration_minutes": 30},
    {"title": "Phương án bồi thường, hỗ trợ, tái định cư tại phường Quảng Hưng", "presenter": "Lê Văn Tuấn",
     "duration_minutes": 40},
    {"title": "Các kiến nghị của cử tri liên quan đến dự án", "presenter": "Nguyễn Thị Bích Ngọc",
     "duration_minutes": 20},
]

BUDGET_AGENDA = [
    {"title": "Báo cáo kết quả thực hiện nhiệm vụ tháng 10 năm 2026", "presenter": "Nguyễn Văn Hùng",
     "duration_minutes": 30},
    {"title": "Tờ trình điều chỉnh kế hoạch đầu tư công năm 2026", "presenter": "Đỗ Thị Hương",
     "duration_minutes": 30,
     "children": [
         {"title": "Danh mục dự án điều chỉnh vốn (Phụ lục kèm theo)", "presenter": "Đỗ Thị Hương",
          "duration_minutes": 15},
     ]},
]


def _local(day: datetime, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day.date(), time(hour, minute), tzinfo=ZoneInfo(DEFAULT_TIMEZONE))


def _add_agenda(actor, meeting, items, parent_id=None):
    for entry in items:
        data = {k: v for k, v in entry.items() if k != "children"}
        item = agenda.add_item(actor, meeting, {**data, "parent_id": parent_id})
        _add_agenda(actor, meeting, entry.get("children", []), item.id)


# (meeting title start, agenda item title start, sample file, document title, access, readers)
DEMO_DOCUMENTS = [
    ("Phiên họp thường kỳ tháng 12", "Tờ trình về Đề án", "to-trinh-do-thi-thong-minh.pdf",
     "Tờ trình về Đề án xây dựng thành phố thông minh", "participants", ()),
    ("Phiên họp thường kỳ tháng 12", "Tờ trình về Đề án", "mixed-sizes-rotated.pdf",
     "Phụ lục: bản đồ phân khu và sơ đồ hạ tầng (khổ A3)", "public", ()),
    ("Phiên họp thường kỳ tháng 12", "Báo cáo tình hình kinh tế", "bao-cao-kinh-te-xa-hoi-2026.pdf",
     "Báo cáo tình hình kinh tế - xã hội năm 2026", "participants", ()),
    ("Phiên họp thường kỳ tháng 12", "Phương án kiện toàn nhân sự", "to-trinh-do-thi-thong-minh.pdf",
     "Dự thảo phương án nhân sự (mật)", "confidential", ("chutich", "pct.hung", "tp.noivu")),
    ("Phiên họp thường kỳ tháng 10", "Báo cáo kết quả", "bao-cao-kinh-te-xa-hoi-2026.pdf",
     "Báo cáo kết quả thực hiện nhiệm vụ tháng 10", "participants", ()),
]


def default_samples() -> Path | None:
    """The shared sample PDFs beside the checkout (../shared/samples), if they are there; an installed
    package ships none (`cabinet demo --samples DIR`), and the demo then has meetings without documents."""
    return resources.default_samples_dir()


def load_demo(samples: str | None = None) -> str:
    """Create the demo organisation once (a second run changes nothing) and describe the logins."""
    if db.session.scalar(select(Body).where(Body.name == COMMITTEE)) is None:
        past = _create()
        folder = Path(samples) if samples else default_samples()
        if folder is not None:
            _attach_documents(folder)
        _hold(past)
    return _logins_text()


def _hold(past: Meeting) -> None:
    """The October meeting is over: attendance, a named vote, minutes drafted and awaiting signatures, and
    signing certificates (demo CA) for its secretary and chair, so the whole path can be tried."""
    staff = accounts.find_user_by_username("vanphong")
    meetings.move_status(staff, past, "start")
    chair = next(p.user for p in past.participants if p.role == "chair")
    voters = [p for p in past.participants if p.role in ("chair", "member")]
    for n, person in enumerate(voters):
        if n == len(voters) - 1:
            live.check_in(staff, past, user_id=person.user_id, mode="absent", reason="Đi công tác tại Hà Nội")
        else:
            live.check_in(person.user, past, mode="online" if n == 1 else "room")
    tree = agenda.numbered(past)
    _vote(chair, past, tree[0].item, "Thông qua báo cáo kết quả thực hiện nhiệm vụ tháng 10?",
          {person.user: "Tán thành" for person in voters[:-1]})
    meetings.move_status(staff, past, "adjourn")  # a break
    meetings.move_status(staff, past, "start")
    _vote(chair, past, tree[1].children[0].item, "Thông qua danh mục dự án điều chỉnh vốn?",
          {person.user: "Không tán thành" if n == 1 else "Tán thành" for n, person in enumerate(voters[:-2])})
    meetings.move_status(staff, past, "close")
    _as_held_on_its_day(past)
    secretary = accounts.find_user_by_username("thuky")
    minutes.generate_minutes(secretary, past)
    for user in (secretary, chair):
        certificates.issue_demo_certificate(user, DEMO_PASSWORD)
    db.session.commit()


def _vote(chair, meeting: Meeting, item, question: str, choices: dict) -> None:
    poll = polls.create_poll(chair, meeting, {"question": question, "majority": "all", "agenda_item_id": item.id})
    db.session.flush()
    polls.open_poll(chair, poll)
    for person, choice in choices.items():
        polls.cast_ballot(person, poll, choice)
    polls.close_poll(chair, poll)


def _as_held_on_its_day(meeting: Meeting) -> None:
    """The demo's past meeting is held now; its session moves are dated as if it sat on its planned day (a
    few minutes late, with a quarter-hour break), so its minutes read like a real one's."""
    offsets = iter([7, 62, 77, 118])  # minutes after the planned start: started, adjourned, resumed, closed
    for event in db.session.scalars(select(SessionEvent).where(SessionEvent.meeting_id == meeting.id)
                                    .order_by(SessionEvent.id)):
        event.at = meeting.starts_at + timedelta(minutes=next(offsets))
    at = iter([30, 95])  # the two votes, one before the break and one after
    for poll in db.session.scalars(select(Poll).where(Poll.meeting_id == meeting.id).order_by(Poll.id)):
        poll.opened_at = meeting.starts_at + timedelta(minutes=next(at))
        poll.closed_at = poll.opened_at + timedelta(minutes=2)
    db.session.flush()


def _attach_documents(folder: Path) -> None:
    staff = accounts.find_user_by_username("vanphong")
    for meeting_start, item_start, filename, title, access, reader_names in DEMO_DOCUMENTS:
        path = folder / filename
        meeting = db.session.scalar(select(Meeting).where(Meeting.title.startswith(meeting_start)))
        if not path.exists() or meeting is None:
            continue
        item = next((i for i in meeting.items if i.title.startswith(item_start)), None)
        readers = [accounts.find_user_by_username(name).id for name in reader_names]
        with path.open("rb") as stream:
            documents.upload_document(staff, meeting, stream, filename=filename, title=title,
                                      agenda_item_id=item.id if item else None, access=access, readers=readers)


def _create() -> Meeting:
    users = {}
    for username, full_name, position, roles, _title in PEOPLE:
        users[username] = accounts.find_user_by_username(username) or accounts.create_user(
            None, username=username, full_name=full_name, password=DEMO_PASSWORD, roles=roles, position=position)
    committee = bodies.create_body(None, name=COMMITTEE, short_name="UBND TP")
    council = bodies.create_body(None, name=COUNCIL, short_name="HĐND TP")
    for username, _name, _position, _roles, title in PEOPLE:
        if title:
            bodies.add_member(None, committee, users[username].id, title)
    for username, title in (("hdnd.chutich", "Chủ tịch"), ("hdnd.pct", "Phó Chủ tịch"), ("chutich", "Đại biểu"),
                            ("mttq", "Đại biểu")):
        bodies.add_member(None, council, users[username].id, title)

    now = datetime.now(ZoneInfo(DEFAULT_TIMEZONE))
    next_week = now + timedelta(days=7 - now.weekday() + 1)  # Tuesday of next week
    committee_members = [u for u, *_rest, title in PEOPLE if title]

    actor = users["vanphong"]  # the secretariat prepares every meeting
    regular = _meeting(actor, committee, "Phiên họp thường kỳ tháng 12 năm 2026 của UBND thành phố Thanh Hóa",
                       _local(next_week, 8), _local(next_week, 11, 30),
                       "Phòng họp số 1, trụ sở HĐND - UBND thành phố, số 25 Trần Phú", "hybrid",
                       SMART_CITY_AGENDA)
    _invite(actor, regular, users, chair="chutich", members=committee_members, guests=["hdnd.chutich", "mttq", "vnpt"])
    meetings.move_status(actor, regular, "publish")

    land = _meeting(actor, committee, "Phiên họp chuyên đề về công tác giải phóng mặt bằng",
                    _local(next_week + timedelta(days=9), 14), _local(next_week + timedelta(days=9), 17),
                    "Phòng họp số 2, trụ sở HĐND - UBND thành phố", "in_person", LAND_AGENDA)
    _invite(actor, land, users, chair="pct.hung", members=["tp.tnmt", "tp.dothi", "bql.duan", "tp.taichinh"],
            guests=["mttq"])

    past = _meeting(actor, committee, "Phiên họp thường kỳ tháng 10 năm 2026 của UBND thành phố Thanh Hóa",
                    _local(now - timedelta(days=35), 8), _local(now - timedelta(days=35), 11),
                    "Phòng họp số 1, trụ sở HĐND - UBND thành phố", "in_person", BUDGET_AGENDA)
    _invite(actor, past, users, chair="chutich", members=committee_members, guests=[])
    meetings.move_status(actor, past, "publish")
    _consult(actor, committee, users, committee_members, now)
    return past


def _consult(actor, committee, users, members, now) -> None:
    """An open written consultation of the committee (two questions, deadline in three days), a third of
    the members having answered already: what "Lấy ý kiến bằng văn bản" looks like in use."""
    consultation = consultations.create_consultation(actor, {
        "title": "Dự thảo Kế hoạch chỉnh trang đô thị thành phố Thanh Hóa năm 2027",
        "description": "Xin ý kiến các thành viên UBND thành phố về dự thảo Kế hoạch trước khi trình HĐND.",
        "deadline": _local(now + timedelta(days=3), 17), "body_id": committee.id, "chair_id": users["chutich"].id,
        "member_ids": [users[u].id for u in members],
        "questions": [{"text": "Đồng ý thông qua dự thảo Kế hoạch chỉnh trang đô thị năm 2027?", "kind": "choice"},
                      {"text": "Góp ý khác về danh mục công trình và tiến độ", "kind": "text"}]})
    consultations.send(actor, consultation)
    first, second = consultation.questions
    for username, choice, text in (("pct.hung", "agree", "Đề nghị ưu tiên các tuyến phố trung tâm."),
                                   ("tp.taichinh", "other", "Cần làm rõ nguồn vốn ngân sách năm 2027.")):
        consultations.answer(users[username], consultation, {"answers": [
            {"question_id": first.id, "choice": choice, "text": text if choice == "other" else ""},
            {"question_id": second.id, "text": text}]})


def _meeting(actor, body, title, starts, ends, location, mode, items):
    meeting = meetings.create_meeting(actor, {"title": title, "body_id": body.id, "starts_at": starts,
                                             "ends_at": ends, "location": location, "mode": mode})
    _add_agenda(actor, meeting, items)
    return meeting


def _invite(actor, meeting, users, *, chair, members, guests):
    participants.add_participant(actor, meeting, users[chair].id, "chair")
    participants.add_participant(actor, meeting, users["thuky"].id, "secretary")
    for username in members:
        if username != chair:
            participants.add_participant(actor, meeting, users[username].id, "member")
    for username in guests:
        participants.add_participant(actor, meeting, users[username].id, "guest")


def _logins_text() -> str:
    rows = [f"  {username:<14} {full_name} — {position}" for username, full_name, position, _r, _t in PEOPLE[:8]]
    return "\n".join([
        f"Demo logins (password for all: {DEMO_PASSWORD}):",
        "  admin          administrator",
        *rows[1:],
        f"  … and {len(PEOPLE) - 8} more members (see cabinet/demo.py)",
        "The October meeting is closed and its minutes await signatures: thuky (secretary), then chutich",
        f"(chair) sign them with the certificate passphrase {DEMO_PASSWORD}.",
    ])
