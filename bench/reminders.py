"""A written consultation's reminders to 500 members: queued, then sent beside a live session (issue 13).

    .venv/bin/python bench/reminders.py                                   # 500 members; queue ×7, side by side ×3
    .venv/bin/python bench/reminders.py --postgres postgresql+psycopg2://u:p@127.0.0.1/empty_db --parts queue
    .venv/bin/python bench/reminders.py --members 100 --runs 1 --queue-runs 3   # a quick check

Needs the `test` and `bench` extras (aiosmtpd, aiohttp).

(1) queue — in one process, in an app context, on the bench's own database (a temporary SQLite file, or
    the EMPTY PostgreSQL database of --postgres: `cabinet init-db` makes the schema; at the end its public
    schema is dropped and made again), CABINET_SMTP_URL set so mail is on (nothing is sent in this part): --members members with an
    e-mail address, a consultation sent to them (one is its chair), then written back two days and due
    in 23 h. Each run deletes every outgoing_mail row, ends the session (as the server's pass does between
    passes) and times `consultations.remind_due()` — --members reminders rendered from their templates and
    queued in the outbox, committed — then times the same call again at once (the pass that finds every
    reminder already queued: what each 30 s pass costs until the 2 h reminder).
(2) live — bench/live.py's harness: `cabinet serve` (eventlet) with CABINET_SMTP_URL = a real SMTP server
    (tests/mail_server.py: aiosmtpd in a child process writing a Maildir), --members tablets (--procs
    python-socketio client processes) connected and joined to a live session. --runs consultations
    (form "written") to the same members are made as drafts at the start; run i publishes the i-th,
    written directly in the database (status published, sent two days ago, deadline in 23 h) as the
    harness writes its other rows, and from then on only the server's own background tasks act:
    `deadlines_forever` (every 30 s) queues the 24 h reminders, `send_forever` (every 15 s, 50 per pass)
    sends them. Throughout: the chair POSTs /agenda/current every --move-every s (broadcast latency = POST
    sent → a tablet's `agenda.current` handler ran, over every (tablet, move)) and GET /healthz every
    --probe-every s. Windows: "quiet" = the --quiet s before publishing; "sending" = published → the
    --members-th message in the Maildir; "queueing" = the 5 s before the reminders' rows appeared in the
    database (remind_due commits them at once; the bench polls every 0.25 s) → 1 s after; "after" = the
    rest of the sending window (send passes, and deadline passes that find every reminder queued). After a run its
    consultation goes back to draft, so the next run's passes see only their own.
Results go to bench/results/reminders.md (and stdout): each run, then the median over runs.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live import (ROOT, Clients, ServerProcess, filesystem, fmt, grow_session, loadavg, machine,  # noqa: E402
                  make_site, move_current, pct, raise_nofile)
from logins import watched  # noqa: E402
from tests.mail_server import SmtpServer  # noqa: E402
from tests.servers import cabinet_env, run_cabinet  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "reminders.md"
CHEAP_ARGON2 = {"CABINET_ARGON2_TIME_COST": "1", "CABINET_ARGON2_MEMORY_KIB": "1024"}


# --- in a child process with the app's environment ---------------------------------------------------

def _consultation(admin, user_ids: list[int], title: str):
    """A draft consultation: user_ids[0] its chair, the others its members; one choice question."""
    from datetime import timedelta

    from cabinet.models.types import utcnow
    from cabinet.services import consultations
    return consultations.create_consultation(admin, {
        "title": title, "deadline": (utcnow() + timedelta(days=3)).isoformat(),
        "questions": [{"text": "Đồng ý thông qua dự thảo nghị quyết về kế hoạch đầu tư công năm 2027?",
                       "kind": "choice"}],
        "chair_id": user_ids[0], "member_ids": user_ids[1:]})


def _due_in_23_hours(consultation) -> None:
    """Sent two days ago, deadline in 23 h: the 24 h reminder is due (written directly, as a harness does)."""
    from datetime import timedelta

    from cabinet.models.types import utcnow
    consultation.meeting.status = "published"
    consultation.sent_at = utcnow() - timedelta(days=2)
    consultation.deadline = consultation.meeting.starts_at = utcnow() + timedelta(hours=23)


def queue_child(members: int, runs: int, postgres: bool) -> dict:
    """Part (1): time remind_due() on `members` members waiting for their 24 h reminder."""
    from sqlalchemy import delete, func, select, text

    from cabinet import create_app
    from cabinet.extensions import db
    from cabinet.models import OutgoingMail, User, UserRole
    from cabinet.services import accounts, consultations

    app = create_app()
    with app.app_context():
        try:
            admin = accounts.create_user(None, username="quantri", full_name="Quản trị hệ thống",
                                         password="mat-khau-rat-dai", roles=["admin"])
            shared_hash = accounts.hash_password("mat-khau-rat-dai")
            people = [User(username=f"daibieu{i:04d}", full_name=f"Nguyễn Văn Đại Biểu {i}", password_hash=shared_hash,
                           email=f"daibieu{i:04d}@thanhhoa.gov.vn", role_rows=[UserRole(role="member")])
                      for i in range(members)]
            db.session.add_all(people)
            db.session.flush()
            consultation = _consultation(admin, [u.id for u in people], "Xin ý kiến về kế hoạch đầu tư công 2027")
            db.session.commit()
            started = time.perf_counter()
            consultations.send(admin, consultation)  # queues the "you are consulted" message to each
            db.session.commit()
            send_seconds = time.perf_counter() - started
            send_queued = db.session.scalar(select(func.count()).select_from(OutgoingMail))
            _due_in_23_hours(consultation)
            db.session.commit()
            first, repeat, queued = [], [], []
            for _ in range(runs):
                db.session.execute(delete(OutgoingMail))
                db.session.commit()
                db.session.remove()  # a fresh session, as each background pass has
                started = time.perf_counter()
                count = consultations.remind_due()
                first.append(time.perf_counter() - started)
                queued.append(db.session.scalar(select(func.count()).select_from(OutgoingMail).where(
                    OutgoingMail.key.like("consultation-reminder:%"), OutgoingMail.status == "pending")))
                if count != queued[-1]:
                    raise RuntimeError(f"remind_due() said {count}, the outbox holds {queued[-1]}")
                db.session.remove()
                started = time.perf_counter()
                again = consultations.remind_due()
                repeat.append(time.perf_counter() - started)
                if again != 0:
                    raise RuntimeError(f"the repeated pass queued {again} again")
            return {"first": first, "repeat": repeat, "queued": queued, "send_seconds": send_seconds,
                    "send_queued": send_queued, "dialect": db.engine.dialect.name}
        finally:
            db.session.remove()
            if postgres:  # the database was empty (part_queue checked): leave it so, functions and triggers too
                with db.engine.begin() as connection:
                    connection.execute(text("DROP SCHEMA public CASCADE"))
                    connection.execute(text("CREATE SCHEMA public"))


def consult_child(user_ids: list[int], runs: int) -> dict:
    """Part (2)'s setup: the members get e-mail addresses; `runs` draft consultations to them."""
    from sqlalchemy import select

    from cabinet import create_app
    from cabinet.extensions import db
    from cabinet.models import User

    app = create_app()
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "quantri"))
        for user in db.session.scalars(select(User).where(User.id.in_(user_ids))):
            user.email = f"{user.username}@thanhhoa.gov.vn"
        ids = [_consultation(admin, user_ids, f"Xin ý kiến lần {n + 1}: kế hoạch đầu tư công 2027").meeting_id
               for n in range(runs)]
        db.session.commit()
        return {"consultations": ids}


def publish_child(meeting_id: int, publish: bool) -> dict:
    """Run i's consultation: due for its 24 h reminder (publish), or back to draft after the run."""
    from cabinet import create_app
    from cabinet.extensions import db
    from cabinet.models import Consultation

    app = create_app()
    with app.app_context():
        consultation = db.session.get(Consultation, meeting_id)
        if publish:
            _due_in_23_hours(consultation)
        else:
            consultation.meeting.status = "draft"
        db.session.commit()
        return {"at": time.time()}


def child(env: dict, name: str, *args, timeout: float = 600) -> dict:
    """python bench/reminders.py --_NAME ARGS with `env`; its JSON answer (the last line of its output)."""
    done = subprocess.run([sys.executable, __file__, f"--_{name}", *map(str, args)], env=env, capture_output=True,
                          text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- part 1 -------------------------------------------------------------------------------------------

def part_queue(args, data: Path, postgres: str | None) -> dict:
    env = cabinet_env(data, CABINET_SMTP_URL="smtp://127.0.0.1:9", **CHEAP_ARGON2,
                      **({"CABINET_DATABASE_URL": postgres} if postgres else {}))
    if postgres:
        from sqlalchemy import create_engine, inspect
        engine = create_engine(postgres)
        try:
            if inspect(engine).get_table_names():
                raise SystemExit("--postgres: the database is not empty (its public schema is dropped at the end)")
        finally:
            engine.dispose()
    run_cabinet(env, "init-db")
    out = child(env, "queue", args.members, args.queue_runs, int(bool(postgres)))
    out["load"] = loadavg()
    out["database"] = "PostgreSQL" if postgres else f"SQLite on {filesystem(data)}"
    return out


# --- part 2 -------------------------------------------------------------------------------------------

def latency(samples: list) -> dict:
    return {"n": len(samples), "p50": pct(samples, 0.5), "p95": pct(samples, 0.95), "p99": pct(samples, 0.99),
            "max": max(samples, default=float("nan"))}


def broadcast(window: dict, clients: Clients, session_id: int, timeout: float, pick) -> dict:
    """(tablet, move) latencies of the moves sent where pick(sent), and how many tablets missed one."""
    samples, missed, moves, worst = [], 0, 0, (float("-inf"), None)
    for move in window["moves"]:
        if len(move) != 3 or not pick(move[0]):
            continue
        sent, _, seq = move
        moves += 1
        for answer in clients.everyone("wait", {"event": "agenda.current", "key": [session_id, seq],
                                                "idxs": None, "timeout": timeout}, timeout + 30):
            samples += [(at - sent) * 1000 for _, at in answer["received"]]
            missed += len(answer["expected"]) - len(answer["received"])
            worst = max([worst] + [((at - sent) * 1000, sent) for _, at in answer["received"]])
    return {**latency(samples), "moves": moves, "missed": missed, "max_sent": worst[1]}


def one_run(args, server, clients, chair_move, env: dict, setup: dict, smtp: SmtpServer, meeting_id: int) -> dict:
    box = smtp.maildir / "new"
    database = sqlite3.connect(f"file:{args.data_dir / 'cabinet.sqlite3'}?mode=ro", uri=True, timeout=30)
    key = f"consultation-reminder:{meeting_id}:%"
    marks: dict = {}

    def action():
        before = len(os.listdir(box))
        marks["published"] = child(env, "publish", meeting_id, 1)["at"]
        deadline = time.time() + args.send_budget
        while time.time() < deadline:
            arrived = len(os.listdir(box)) - before
            if "queued" not in marks:
                try:
                    if database.execute("SELECT count(*) FROM outgoing_mail WHERE key LIKE ?",
                                        (key,)).fetchone()[0] >= args.members:
                        marks["queued"] = time.time()
                except sqlite3.OperationalError:
                    pass
            if arrived and "first_mail" not in marks:
                marks["first_mail"] = time.time()
            if arrived >= args.members:
                marks["all_mail"] = time.time()
                break
            time.sleep(0.25)
        marks["arrived"] = len(os.listdir(box)) - before
        return marks

    window = watched(server, chair_move, action, args)
    database.close()
    child(env, "publish", meeting_id, 0)
    quiet_end = window["began"]  # before the publishing child started (its start-up is not quiet)
    began = window["began"] = marks["published"]
    ended = window["ended"] = marks.get("all_mail", window["ended"])
    queued = marks.get("queued")
    result = {"quiet": broadcast(window, clients, setup["session_id"], args.timeout, lambda s: s < quiet_end),
              "sending": broadcast(window, clients, setup["session_id"], args.timeout,
                                   lambda s: began <= s <= ended),
              "queueing": broadcast(window, clients, setup["session_id"], args.timeout,
                                    lambda s: queued is not None and queued - 5 <= s <= queued + 1),
              "after": broadcast(window, clients, setup["session_id"], args.timeout,
                                 lambda s: queued is not None and queued + 1 < s <= ended),
              "arrived": marks["arrived"],
              "queued_s": (queued - began) if queued else float("nan"),
              "first_mail_s": marks["first_mail"] - began if "first_mail" in marks else float("nan"),
              "all_mail_s": marks["all_mail"] - began if "all_mail" in marks else float("nan"),
              "load": window["load"], "cpu_s": window["cpu_s"], "rss_before": window["rss_before"],
              "rss_after": window["rss_after"]}
    result["sending_s"] = result["all_mail_s"] - result["first_mail_s"]
    worst = result["sending"]["max_sent"]
    result["worst_at_s"] = worst - began if worst is not None else float("nan")
    result["rate"] = args.members / result["sending_s"] if result["sending_s"] > 0 else float("nan")
    for name, pick in (("quiet", lambda s: s < quiet_end), ("sending", lambda s: began <= s <= ended)):
        probes = [ms for sent, ms, *_ in window["probes"] if pick(sent)]
        result[name].update(probe_p99=pct(probes, 0.99), probe_max=max(probes, default=float("nan")))
    result["failed_moves"] = [m[3] for m in window["moves"] if len(m) == 4][:3]
    return result


def part_live(args, data: Path) -> tuple[list, list]:
    runs, notes = [], []
    (data / "smtp").mkdir()
    smtp = SmtpServer(data / "smtp").start()
    env = cabinet_env(data, CABINET_SMTP_URL=smtp.url, CABINET_SECURE_COOKIES="false", **CHEAP_ARGON2)
    server = clients = None
    try:
        started = time.time()
        made = make_site(env, data, args.members, 0, 1)
        setup = {**made, **made["meetings"][0]}
        ids = child(env, "consult", json.dumps(setup["user_ids"]), args.runs)["consultations"]
        print(f"setup: {args.members} members, {args.runs} consultations in {time.time() - started:.1f} s",
              flush=True)
        server = ServerProcess("eventlet", env, data / "server.log")
        server.start()
        chair = requests.Session()
        chair.headers["Authorization"] = f"Bearer {setup['chair_token']}"
        state = {"n": 0, "invited": 1, "moves": 0}
        clients = Clients(args.procs, server.url)
        grown = grow_session(clients, setup, state, args.members, args, env, data)
        live_now = sum(s["connected"] for s in clients.everyone("status", {}, 30))
        print(f"{live_now} tablets connected and joined in {grown['connect_seconds']:.1f} s "
              f"({grown['failed']} failed, e.g. {grown['failures_sample']})", flush=True)
        if live_now < args.members:
            notes.append(f"only {live_now} of {args.members} tablets connected: {grown['failures_sample']}")
        chair_move = lambda: move_current(chair, server.url + "/api/v1", setup, state, args.timeout)  # noqa: E731
        for number, meeting_id in enumerate(ids):
            result = one_run(args, server, clients, chair_move, env, setup, smtp, meeting_id)
            runs.append(result)
            q, s, u = result["quiet"], result["sending"], result["queueing"]
            print(f"[run {number + 1}] load {result['load']:.1f}; queued +{result['queued_s']:.1f} s, "
                  f"{result['arrived']} mails by +{result['all_mail_s']:.1f} s; broadcast p50/p95/p99/max ms "
                  f"quiet {q['p50']:.0f}/{q['p95']:.0f}/{q['p99']:.0f}/{q['max']:.0f}, "
                  f"sending {s['p50']:.0f}/{s['p95']:.0f}/{s['p99']:.0f}/{s['max']:.0f}, "
                  f"queueing {u['p50']:.0f}/{u['p95']:.0f}/{u['p99']:.0f}/{u['max']:.0f}", flush=True)
            time.sleep(args.gap)
    except Exception as err:
        notes.append(f"aborted: {type(err).__name__}: {err}"[:500])
        print(f"aborted: {err}", flush=True)
    finally:
        if clients is not None:
            clients.close()
        if server is not None:
            server.stop()
        smtp.stop()
    notes += [f"run {i + 1}: the chair's moves failed: {r['failed_moves']}" for i, r in enumerate(runs)
              if r["failed_moves"]]
    notes += [f"run {i + 1}: only {r['arrived']} of {args.members} messages reached the SMTP server within "
              f"{args.send_budget:.0f} s" for i, r in enumerate(runs) if r["arrived"] < args.members]
    return runs, notes


# --- report -------------------------------------------------------------------------------------------

def row(label: str, values: list, digits: int = 1) -> str:
    numbers = [v for v in values if v == v]
    return (f"| {label} | " + " | ".join(fmt(v, digits) for v in values)
            + f" | **{fmt(statistics.median(numbers) if numbers else None, digits)}** |")


def report(args, info: dict, queue: list, live: list, notes: list, started: float, elapsed: float) -> str:
    lines = [f"# Reminders to {args.members} members (`bench/reminders.py`), "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}", "",
             f"Machine: {info['nproc']} cores ({info['cpu']}), {info['mem_gib']:.1f} GiB RAM, Linux {info['kernel']}, "
             f"Python {info['python']}. Versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items())
             + f". Code: {info['code']}. Run took {elapsed / 60:.1f} minutes.", "",
             "```sh", ".venv/bin/python bench/reminders.py " + " ".join(sys.argv[1:]), "```", ""]
    goals = []
    for part in queue:
        ms = [s * 1000 for s in part["first"]]
        repeat = [s * 1000 for s in part["repeat"]]
        lines += [f"## (1) remind_due(): {args.members} reminders queued, {part['database']}", "",
                  f"In one process (app context), {len(ms)} runs; before each, every outgoing_mail row deleted and "
                  f"the session ended. Load average {part['load']:.1f} at the end. Sending the consultation itself "
                  f"(`consultations.send`, {part['send_queued']} messages queued) took "
                  f"{part['send_seconds'] * 1000:.0f} ms.", "",
                  "| measure | median | p95 | max | runs |", "|---|---:|---:|---:|---|",
                  f"| **remind_due(), {part['queued'][0]} queued and committed (ms)** | **{fmt(statistics.median(ms), 1)}** "
                  f"| {fmt(pct(ms, 0.95), 1)} | {fmt(max(ms), 1)} | {', '.join(fmt(v, 0) for v in ms)} |",
                  f"| messages per second (median run) | {fmt(args.members / statistics.median(ms) * 1000, 0)} | | | |",
                  f"| the pass again at once, all already queued: 0 queued (ms) | {fmt(statistics.median(repeat), 1)} "
                  f"| {fmt(pct(repeat, 0.95), 1)} | {fmt(max(repeat), 1)} | {', '.join(fmt(v, 0) for v in repeat)} |",
                  ""]
        goals.append(f"- {args.members} reminders queued in < 1 s ({part['database']}) — "
                     f"{'met' if statistics.median(ms) < 1000 and max(ms) < 1000 else 'MISSED'}: median "
                     f"{fmt(statistics.median(ms), 0)} ms, max {fmt(max(ms), 0)} ms")
    if live:
        heading = "| measure | " + " | ".join(f"run {i + 1}" for i in range(len(live))) + " | median |"
        rule = "|---|" + "---:|" * (len(live) + 1)
        lines += [f"## (2) the server's own passes queue and send {args.members} reminders, {args.members} tablets live",
                  "", f"One `cabinet serve` (eventlet, SQLite on {filesystem(args.data_dir)}), CABINET_SMTP_URL = "
                  "aiosmtpd in a child process (Maildir); "
                  f"{args.members} tablets ({args.procs} client processes) joined to a live session; the chair "
                  f"moves the current item every {args.move_every * 1000:.0f} ms, GET /healthz every "
                  f"{args.probe_every * 1000:.0f} ms. \"quiet\" = the {args.quiet:.0f} s before the consultation "
                  "is published; \"sending\" = published → the last reminder in the Maildir; \"queueing\" = "
                  "5 s before the reminders' rows appeared → 1 s after; \"after\" = the rest of the sending "
                  "window (send passes, and deadline passes that find every reminder already queued). Latency in "
                  "ms over every (tablet, move).",
                  "", heading, rule,
                  row("load average at the start", [r["load"] for r in live]),
                  row(f"published → {args.members} rows queued (s)", [r["queued_s"] for r in live]),
                  row("published → first message at the SMTP server (s)", [r["first_mail_s"] for r in live]),
                  row("**published → all messages at the SMTP server (s)**", [r["all_mail_s"] for r in live]),
                  row("first → last message (s)", [r["sending_s"] for r in live]),
                  row("… messages per second while sending", [r["rate"] for r in live], 2),
                  row("messages arrived", [r["arrived"] for r in live], 0)]
        for name in ("quiet", "sending", "queueing", "after"):
            lines.append(f"| {name}: moves / samples / missed | " + " | ".join(
                f"{r[name]['moves']} / {r[name]['n']} / {r[name]['missed']}" for r in live) + " | |")
            for q in ("p50", "p95", "p99", "max"):
                label = f"**{name}: broadcast {q}**" if q == "p99" else f"{name}: broadcast {q}"
                lines.append(row(label, [r[name][q] for r in live]))
        for name in ("quiet", "sending"):
            lines.append(row(f"{name}: probe GET /healthz p99", [r[name]["probe_p99"] for r in live]))
            lines.append(row(f"{name}: probe GET /healthz max", [r[name]["probe_max"] for r in live]))
        lines.append(row("sending: the slowest move was sent at (s after published)", [r["worst_at_s"] for r in live]))
        lines.append(row("server CPU during the sending window (s)", [r["cpu_s"] for r in live]))
        lines.append(row("server RSS after (MiB)", [r["rss_after"] for r in live]))
        lines.append("")
        med = lambda key, q: statistics.median([r[key][q] for r in live])  # noqa: E731
        all_mail = [r["all_mail_s"] for r in live if r["all_mail_s"] == r["all_mail_s"]]
        goals.append(f"- sent without moving the broadcast p99 — quiet {fmt(med('quiet', 'p99'), 1)} ms, while "
                     f"sending {fmt(med('sending', 'p99'), 1)} ms, around the queueing pass "
                     f"{fmt(med('queueing', 'p99'), 1)} ms, after it {fmt(med('after', 'p99'), 1)} ms (medians over runs; max "
                     f"{fmt(med('quiet', 'max'), 1)} / {fmt(med('sending', 'max'), 1)} / {fmt(med('queueing', 'max'), 1)})")
        goals.append(f"- {args.members} reminders reach the SMTP server in a median "
                     f"{fmt(statistics.median(all_mail) if all_mail else None, 0)} s after they fall due "
                     f"(queued within 30 s, then 50 per 15 s pass)")
    lines += ["Goals:", ""] + goals + [""]
    if notes:
        lines += ["Notes:", ""] + [f"- {n}" for n in notes] + [""]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=500, help="members consulted (and tablets connected)")
    parser.add_argument("--parts", nargs="+", choices=("queue", "live"), default=["queue", "live"])
    parser.add_argument("--queue-runs", type=int, default=7, help="timed remind_due() runs in part (1)")
    parser.add_argument("--postgres", default=None, metavar="URL",
                        help="part (1) also on this EMPTY PostgreSQL database (its public schema is dropped "
                             "and made again at the end)")
    parser.add_argument("--runs", type=int, default=3, help="side-by-side runs in part (2)")
    parser.add_argument("--move-every", type=float, default=0.2, help="seconds between the chair's moves")
    parser.add_argument("--probe-every", type=float, default=0.1, help="seconds between GET /healthz")
    parser.add_argument("--quiet", type=float, default=30.0, help="seconds measured before publishing")
    parser.add_argument("--tail", type=float, default=1.0, help="seconds measured after the last message")
    parser.add_argument("--send-budget", type=float, default=420.0, help="seconds to wait for every message")
    parser.add_argument("--gap", type=float, default=5.0, help="seconds of rest between two runs")
    parser.add_argument("--procs", type=int, default=2, help="tablet client processes")
    parser.add_argument("--concurrency", type=int, default=10, help="tablet connections opened at once per process")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds for one connect, call or broadcast")
    parser.add_argument("--give-up", type=int, default=20, help="failed tablet connections before giving up")
    parser.add_argument("--connect-budget", type=float, default=180.0, help="seconds to connect the tablets")
    parser.add_argument("--data-parent", type=Path, default=None, help="where the temporary data folder goes")
    parser.add_argument("--keep", action="store_true", help="keep the data folder (server log, Maildir)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    raise_nofile()
    started = time.time()
    queue, live, notes = [], [], []
    data = args.data_dir = Path(tempfile.mkdtemp(prefix="cabinet-reminders-", dir=args.data_parent))
    try:
        if "queue" in args.parts:
            for postgres in [None] + ([args.postgres] if args.postgres else []):
                folder = Path(tempfile.mkdtemp(prefix="queue-", dir=data))
                queue.append(part_queue(args, folder, postgres))
                q = queue[-1]
                print(f"[queue, {q['database']}] remind_due() ms: "
                      f"{', '.join(f'{s * 1000:.0f}' for s in q['first'])}; again: "
                      f"{', '.join(f'{s * 1000:.0f}' for s in q['repeat'])}", flush=True)
        if "live" in args.parts:
            live, notes = part_live(args, data)
    finally:
        if args.keep:
            print(f"data kept in {data}")
        else:
            shutil.rmtree(data, ignore_errors=True)
    text = report(args, machine(), queue, live, notes, started, time.time() - started)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(text)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("--_"):
        name, rest = sys.argv[1][3:], sys.argv[2:]
        if name == "queue":
            answer = queue_child(int(rest[0]), int(rest[1]), rest[2] == "1")
        elif name == "consult":
            answer = consult_child(json.loads(rest[0]), int(rest[1]))
        elif name == "publish":
            answer = publish_child(int(rest[0]), rest[1] == "1")
        else:
            raise SystemExit(f"unknown child {name}")
        print(json.dumps(answer))
    else:
        main()
