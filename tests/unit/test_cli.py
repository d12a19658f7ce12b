"""The `cabinet` commands scripts rely on (operations contract)."""
from cabinet.extensions import db
from cabinet.models import Body, Meeting, User
from cabinet.services import accounts


def test_create_user_command(app, tmp_path):
    """The password is typed at a hidden prompt, twice, or read from a file or standard input: never an
    argument, which `ps` and the shell's history would show to everyone on the server."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "thuky", "--full-name", "Nguyễn Thị Minh Châu",
                                 "--role", "secretariat", "--role", "archivist"], input="mat-khau-dai\nmat-khau-dai\n")
    assert result.exit_code == 0, result.output
    assert "mat-khau-dai" not in result.output  # hidden as typed
    user = accounts.authenticate("thuky", "mat-khau-dai")
    assert user.roles == ["archivist", "secretariat"] and user.full_name == "Nguyễn Thị Minh Châu"
    mistyped = runner.invoke(args=["create-user", "khac", "--full-name", "x"],
                             input="mat-khau-dai\nmat-khau-khac\nmat-khau-moi-1\nmat-khau-moi-1\n")
    assert mistyped.exit_code == 0 and accounts.authenticate("khac", "mat-khau-moi-1")  # asked again
    secret = tmp_path / "password"
    secret.write_text("mat khau co dau cach\n")  # the newline is no part of it; the spaces are
    from_file = runner.invoke(args=["create-user", "tu.tep", "--password-file", str(secret), "--full-name", "x"])
    assert from_file.exit_code == 0 and accounts.authenticate("tu.tep", "mat khau co dau cach")
    from_stdin = runner.invoke(args=["create-user", "tu.stdin", "--password-file", "-", "--full-name", "x"],
                               input="tu-dau-vao-chuan\n")
    assert from_stdin.exit_code == 0 and accounts.authenticate("tu.stdin", "tu-dau-vao-chuan")
    again = runner.invoke(args=["create-user", "thuky", "--password-file", "-", "--full-name", "x"],
                          input="mat-khau-dai")
    assert again.exit_code != 0 and "thuky" in again.output
    weak = runner.invoke(args=["create-user", "yeu", "--password-file", "-", "--full-name", "x"], input="123")
    assert weak.exit_code != 0
    empty = runner.invoke(args=["create-user", "rong", "--password-file", "-", "--full-name", "x"], input="\n")
    assert empty.exit_code != 0 and accounts.find_user_by_username("rong") is None
    on_the_command_line = runner.invoke(args=["create-user", "lo", "--password", "lo-ra", "--full-name", "x"])
    assert on_the_command_line.exit_code != 0 and "No such option" in on_the_command_line.output


def test_demo_is_realistic_and_loads_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "vanphong" in first.output and "demo-2026" in first.output
    committee = db.session.query(Body).filter_by(name="Ủy ban nhân dân thành phố Thanh Hóa").one()
    assert len(committee.members) >= 19
    assert db.session.query(User).count() >= 25
    titles = [m.title for m in db.session.query(Meeting).order_by(Meeting.id)]
    assert len(titles) >= 2
    items = [i.title for m in db.session.query(Meeting) for i in m.items]
    assert any("Đề án xây dựng thành phố thông minh" in t for t in items)
    regular = db.session.query(Meeting).filter(Meeting.status == "published", Meeting.form == "session").first()
    roles = {p.role for p in regular.participants}
    assert {"chair", "secretary", "member", "guest"} <= roles
    from cabinet.demo import default_samples
    from cabinet.models import Document
    if default_samples() is not None:  # the shared sample PDFs become the meetings' documents
        assert db.session.query(Document).count() >= 4
        assert {d.access for d in db.session.query(Document)} == {"public", "participants", "confidential"}
    from cabinet.models import Consultation
    from cabinet.services.consultations import progress
    consultation = db.session.query(Consultation).one()  # open, a few members have answered
    assert consultation.meeting.status == "published" and progress(consultation)["answered"] == 2
    past = db.session.query(Meeting).filter(Meeting.status == "closed").one()  # held: minutes await signatures
    from cabinet.models import Minutes
    from cabinet.services import certificates
    record = db.session.query(Minutes).filter_by(meeting_id=past.id).one()
    assert record.current.content["record"]["attendance"]["present"] >= 10
    assert record.current.content["record"]["items"][0]["polls"][0]["passed"] is True
    chair = next(p.user for p in past.participants if p.role == "chair")
    assert certificates.certificate_info(chair)["status"] == "valid"
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert db.session.query(Meeting).count() == len(titles)
