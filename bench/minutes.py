"""Minutes, signatures and the dossier, measured.

    .venv/bin/python bench/minutes.py              # results to stdout and bench/results/minutes.md
    .venv/bin/python bench/minutes.py --repeat 11

1. Minutes of a 30-item meeting with 60 speakers and 20 polls (10 named with 51 ballots each): render
   time through the service (template + WeasyPrint in the warm PDF worker; the first rendering, which
   starts it, reported apart) and a worker's peak RSS (os.wait4 on a fresh child running the same job).
2. One PAdES signature (pyHanko, in process) on that PDF: time.
3. The dossier of a meeting with 1 000 pages of documents (bench/make_pdf.py's text-500.pdf twice):
   time and the worker's peak RSS, beside `qpdf --empty --pages … --` joining the same two files.
Medians and percentiles over --repeat runs; the machine is described in the output.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary(values: list[float]) -> str:
    return (f"median {statistics.median(values):.3f} s, p90 {percentile(values, 0.9):.3f} s, "
            f"min {min(values):.3f} s, max {max(values):.3f} s (n={len(values)})")


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def worker_peak_rss_mib(job: dict) -> float:
    """Run one PDF worker job as a child and read its peak RSS from the kernel (wait4's rusage)."""
    process = subprocess.Popen([sys.executable, "-m", "cabinet.pdf.worker"], stdin=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, cwd=ROOT)
    process.stdin.write(json.dumps(job).encode())
    process.stdin.close()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"worker exited {process.returncode}")
    return usage.ru_maxrss / 1024


def build_meeting(make):
    """30 items and 52 people (a chair, a secretary, 50 members) invited by the secretariat."""
    secretariat = make.user("secretariat", full_name="Lê Thị Văn Phòng")
    chair = make.user("member", full_name="Nguyễn Văn Chủ Tọa")
    secretary = make.user("member", full_name="Trần Thị Thư Ký")
    members = [make.user("member", full_name=f"Đại biểu Phạm Văn Thành {i:02d}") for i in range(50)]
    meeting = make.meeting(secretariat, status="published", items=30,
                           title="Kỳ họp thứ 12 Hội đồng nhân dân thành phố Thanh Hóa khóa XXII",
                           participants_={chair: "chair", secretary: "secretary", **{m: "member" for m in members}})
    return meeting, secretariat, chair, secretary, members


def hold_session(meeting, chair, members, services):
    """Everyone checks in; 60 speaker turns over the 30 items; 20 polls (every other one named)."""
    live, polls, speakers, db = services["live"], services["polls"], services["speakers"], services["db"]
    for person in [chair, *members]:
        live.check_in(person, meeting)
    db.session.commit()
    for n, item in enumerate(meeting.items):
        live.move_current_item(chair, meeting, item.id)
        db.session.commit()
        for speaker in members[2 * n % 50:2 * n % 50 + 2]:  # 60 turns over 30 items
            turn = speakers.request_floor(speaker, meeting, "question" if n % 3 == 0 else "speech")
            db.session.commit()
            speakers.grant(chair, turn, 120)
            speakers.finish(chair, turn)
            db.session.commit()
        if n < 20:
            poll = polls.create_poll(chair, meeting, {"question": f"Thông qua nội dung {n + 1} của Tờ trình?",
                                                      "secret": n % 2 == 1, "majority": "all",
                                                      "agenda_item_id": item.id})
            db.session.commit()
            polls.open_poll(chair, poll)
            db.session.commit()
            for k, voter in enumerate([chair, *members]):
                polls.cast_ballot(voter, poll, poll.options[0 if k % 7 else 1])
            db.session.commit()
            polls.close_poll(chair, poll)
            db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--output", default=str(ROOT / "bench" / "results" / "minutes.md"))
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="cabinet-bench-minutes-"))
    os.environ.update(CABINET_DATA_DIR=str(data), CABINET_ARGON2_TIME_COST="1", CABINET_ARGON2_MEMORY_KIB="1024")
    from cabinet import create_app
    from cabinet.extensions import db
    from cabinet.services import documents, dossier, live, meetings, minutes, polls, speakers
    from tests import factories as make

    app = create_app({"SERVER_NAME": "bench.local"})
    lines = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    with app.app_context():
        from cabinet.cli import upgrade_schema
        upgrade_schema()
        services = {"live": live, "polls": polls, "speakers": speakers, "db": db}
        meeting, secretariat, chair, secretary, members = build_meeting(make)
        from make_pdf import text_pdf
        source = text_pdf()
        for item in meeting.items[:2]:  # 2 × 500 pages of Vietnamese text
            with source.open("rb") as stream:
                documents.upload_document(secretariat, meeting, stream, filename="bao-cao-500-trang.pdf",
                                          title=f"Báo cáo tổng hợp ({item.title})", agenda_item_id=item.id)
        db.session.commit()
        meetings.move_status(secretariat, meeting, "start")
        db.session.commit()
        hold_session(meeting, chair, members, services)
        record = minutes.generate_minutes(secretary, meeting)
        minutes.edit_minutes(secretary, record, {"conclusions": {
            str(i.id): "<p>Hội đồng thống nhất với nội dung Tờ trình; giao Ủy ban nhân dân thành phố tổ chức thực "
                       "hiện, báo cáo kết quả tại kỳ họp sau.</p>" for i in meeting.items}})
        db.session.commit()
        revision = record.current

        say(f"# Minutes, signature, dossier (`bench/minutes.py`), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
        say()
        say(f"Machine: {os.cpu_count()} cores ({platform.processor() or platform.machine()}), "
            f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB, Python "
            f"{platform.python_version()}, {platform.platform()}; 1-minute load at start {os.getloadavg()[0]:.1f}.")
        say()
        start = time.perf_counter()
        pdf, layout = minutes.render_pdf(revision, draft=False)  # starts the warm renderer
        cold = time.perf_counter() - start
        from pypdf import PdfReader
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        render_times = timed(lambda: minutes.render_pdf(revision, draft=False), args.repeat)
        template = app.jinja_env.get_template("minutes/minutes_pdf.html")
        html = template.render(doc=minutes.document_view(revision.content, draft=False))
        scratch = Path(tempfile.mkdtemp())
        (ROOT / "bench" / ".cache").mkdir(exist_ok=True)
        (ROOT / "bench" / ".cache" / "minutes-30-items.html").write_text(html, encoding="utf-8")  # for profiling
        rss = worker_peak_rss_mib({"command": "render_minutes", "html": html, "target": str(scratch / "m.pdf"),
                                   "static_dir": app.static_folder, "attachments": [
                                       {"name": "record.json", "content": json.dumps(revision.content["record"])}]})
        say(f"## 1. Minutes: 30 items, 60 speaker turns, 20 polls (10 named × 51 ballots) → {pages} pages, "
            f"{len(pdf) / 1024:.0f} KiB")
        say(f"- render (service → the warm PDF worker, PDF/A-3b): {summary(render_times)}; goal < 2 s")
        say(f"- the first rendering after a server start (the worker starts: Python + WeasyPrint import): "
            f"{cold:.3f} s")
        say(f"- worker peak RSS: {rss:.0f} MiB")
        say()

        say("## 2. One PAdES signature (pyHanko, in process, RSA demo certificate, SHA-256)")
        try:
            from cabinet.pdf.sign import sign_pdf
            from cabinet.services import certificates
            certificates.issue_demo_certificate(secretary, "mat-khau-ky-so")
            signer = certificates.load_signer(secretary, "mat-khau-ky-so")
            box = layout["signature-secretary"]
            sign_times = timed(lambda: sign_pdf(pdf, signer, field_name="Signature_secretary", page=box[0],
                                                box=tuple(box[1:]), reason="Thư ký ký xác nhận biên bản",
                                                location="Thanh Hóa", signer_label=secretary.full_name),
                               max(args.repeat, 11))
            say(f"- sign: {summary(sign_times)}; goal < 0.3 s")
        except ImportError as err:
            say(f"- not measured: {err}")
        say()

        meetings.move_status(secretariat, meeting, "close")
        db.session.commit()

        def build_dossier():
            with dossier.dossier_pdf(secretariat, meeting):
                pass

        with dossier.dossier_pdf(secretariat, meeting) as path:
            dossier_pages = len(PdfReader(path).pages)
        qpdf = shutil.which("qpdf")
        dossier_times, qpdf_times = [], []
        for _ in range(max(9, args.repeat)):  # interleaved, so both see the same machine
            dossier_times += timed(build_dossier, 1)
            if qpdf:
                qpdf_times += timed(lambda: subprocess.run([qpdf, "--empty", "--pages", str(source), str(source),
                                                            "--", str(scratch / "q.pdf")], check=True), 1)
        import resource
        children_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        say(f"## 3. Dossier: cover + agenda + 2 × 500-page documents → {dossier_pages} pages")
        say(f"- largest PDF worker child of the whole run, peak RSS (getrusage RUSAGE_CHILDREN; the dossier "
            f"merge is the biggest job): {children_peak:.0f} MiB")
        say(f"- dossier (service → the warm PDF worker: WeasyPrint cover, pikepdf join, bookmarks, attachments): "
            f"{summary(dossier_times)}")
        if qpdf_times:
            ratio = statistics.median(dossier_times) / statistics.median(qpdf_times)
            say(f"- qpdf --empty --pages (the two documents only): {summary(qpdf_times)}")
            say(f"- ratio of medians: {ratio:.2f}× qpdf; goal within 3×")
        say()
    shutil.rmtree(data, ignore_errors=True)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
