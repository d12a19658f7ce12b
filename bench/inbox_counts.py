"""Inbox counts to 500 tablets: one change that alters every participant's "Việc cần làm", pushed as
`inbox.count` to each of them (issue 13: "inbox counts reach 500 tablets within 100 ms p99").

    .venv/bin/python bench/inbox_counts.py                  # 500 tablets, 20 changes per run, 3 runs
    .venv/bin/python bench/inbox_counts.py --tablets 100 --changes 5 --runs 1   # a quick check

Needs the `test` and `bench` extras. The setup and the tablets are bench/live.py's: a temporary data folder,
`cabinet init-db`, accounts written directly, one `cabinet serve` process (eventlet), --procs client
processes holding --tablets python-socketio AsyncClients (websocket), each its own member's token, joined to
a live meeting of --tablets members (as a tablet on the meeting page is).

The change: the secretariat (REST, the administrator's token) restores a withdrawn document of that meeting
(public, so no reader's stamped copy is prepared in the background: the server does the inbox's work only).
It is back, unread, in all 500 inboxes: the server counts the 500 inboxes in the same transaction (one grouped
query per source) and, after commit, emits `inbox.count` {count} to each member's room. Before the tablets
connect, --runs × --changes documents are uploaded and withdrawn, so every change raises every count to a
value no earlier change produced: a tablet's receipt of that count is the receipt of that change.
Latency = POST sent → the tablet's `inbox.count` handler ran, for every (tablet, change): an upper bound of
commit → receipt, since it also holds the request's own work and the counting before the commit. Same
machine, so `time.time()` is one clock for this process and the clients.
Also measured, in this process against the same database: services.inbox.counts_for for the 500 members
(the counting inside the transaction), --changes times.
Results go to bench/results/inbox.md (and stdout).
"""
from __future__ import annotations

import argparse
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live import (PASSWORD, ROOT, Clients, ServerProcess, filesystem, fmt, loadavg, machine,  # noqa: E402
                  make_site, pct, raise_nofile)
from tests.servers import cabinet_env  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "inbox.md"


def tiny_pdf(n: int) -> bytes:
    import pypdf
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": f"Tài liệu số {n}"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


COUNT_IN_PROCESS = """
import json, sys, time
from cabinet import create_app
from cabinet.services import inbox
ids = json.loads(sys.argv[1])
app = create_app()
with app.app_context():
    times, by_source = [], {name: [] for name in inbox.SOURCES}
    for _ in range(int(sys.argv[2])):
        started = time.perf_counter()
        counts = inbox.counts_for(ids)
        times.append((time.perf_counter() - started) * 1000)
        for name, source in inbox.SOURCES.items():  # and each source alone: where the time goes
            started = time.perf_counter()
            source.counts(sorted(ids))
            by_source[name].append((time.perf_counter() - started) * 1000)
    print(json.dumps({"ms": times, "total": sum(counts.values()), "by_source": by_source}))
"""


def counting_ms(env: dict, ids: list[int], times: int) -> dict:
    made = subprocess.run([sys.executable, "-c", COUNT_IN_PROCESS, str(ids), str(times)], env=env,
                          capture_output=True, text=True, timeout=300)
    if made.returncode != 0:
        raise RuntimeError(made.stderr[-2000:])
    return __import__("json").loads(made.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tablets", type=int, default=500)
    parser.add_argument("--changes", type=int, default=20, help="changes (restored documents) per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between two changes")
    parser.add_argument("--procs", type=int, default=2, help="client processes")
    parser.add_argument("--concurrency", type=int, default=10, help="connections opened at once per process")
    parser.add_argument("--timeout", type=float, default=15.0)
    parser.add_argument("--data-parent", type=Path, default=None)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    raise_nofile()
    started = time.time()
    data = Path(tempfile.mkdtemp(prefix="cabinet-inbox-", dir=args.data_parent))
    server = clients = None
    runs, notes = [], []
    try:
        env = cabinet_env(data, CABINET_ARGON2_TIME_COST="1", CABINET_ARGON2_MEMORY_KIB="1024")
        setup = make_site(env, data, args.tablets, args.tablets, 1)
        meeting_id = setup["meetings"][0]["vote_id"]  # live, all --tablets members invited
        server = ServerProcess("eventlet", env, data / "server.log").start()
        api = f"{server.url}/api/v1"
        staff = requests.Session()
        login = staff.post(f"{api}/auth/token", json={"username": "quantri", "password": PASSWORD}, timeout=30)
        login.raise_for_status()
        staff.headers["Authorization"] = f"Bearer {login.json()['token']}"

        documents = []
        for n in range(args.runs * args.changes):
            made = staff.post(f"{api}/meetings/{meeting_id}/documents", timeout=120, data={"title": f"Tài liệu số {n}", "access": "public"},
                              files={"file": (f"tai-lieu-{n}.pdf", tiny_pdf(n), "application/pdf")})
            made.raise_for_status()
            documents.append(made.json()["id"])
            staff.post(f"{api}/documents/{documents[-1]}/withdraw", timeout=30).raise_for_status()
        member0 = requests.Session()  # member 0 is also invited to the other meeting: answered, so all counts agree
        member0.headers["Authorization"] = f"Bearer {setup['tokens'][0]}"
        member0.post(f"{api}/meetings/{setup['meetings'][0]['session_id']}/rsvp", json={"attending": True},
                     timeout=30).raise_for_status()
        print(f"setup: {args.tablets} members, {len(documents)} documents in {time.time() - started:.1f} s", flush=True)

        clients = Clients(args.procs, server.url)
        tablets = [(i, setup["tokens"][i], None) for i in range(args.tablets)]
        connected = clients.ask([("connect", {"tablets_to_add": part, "meeting_id": meeting_id,
                                              "concurrency": args.concurrency, "timeout": args.timeout,
                                              "give_up": 50, "budget": 300})
                                 for part in clients.split(tablets)], 400)
        failed = [f for answer in connected for f in answer["failed"]]
        if failed:
            notes.append(f"{len(failed)} tablets did not connect: {failed[:3]}")
        connected_n = args.tablets - len(failed)
        print(f"connected {connected_n} tablets in {max(a['seconds'] for a in connected):.1f} s", flush=True)
        time.sleep(2)

        base = 1  # each member: the live meeting's invitation (not answered)
        restored = 0
        for run in range(args.runs):
            load_before = loadavg()
            samples, posts, missed = [], [], 0
            for _ in range(args.changes):
                document_id = documents[restored]
                restored += 1
                sent = time.time()
                answer = staff.post(f"{api}/documents/{document_id}/restore", timeout=args.timeout)
                posts.append((time.time() - sent) * 1000)
                answer.raise_for_status()
                waited = clients.everyone("wait", {"event": "inbox.count", "key": base + restored, "idxs": None,
                                                   "timeout": args.timeout}, args.timeout + 10)
                received = {i: t for w in waited for i, t in w["received"]}
                expected = {i for w in waited for i in w["expected"]}
                missed += len(expected - set(received))
                samples.extend((t - sent) * 1000 for t in received.values())
                time.sleep(args.pause)
            runs.append({"run": run + 1, "samples": len(samples), "missed": missed, "median": statistics.median(samples),
                         "p95": pct(samples, 0.95), "p99": pct(samples, 0.99), "max": max(samples),
                         "post_median": statistics.median(posts), "load": load_before, "load_after": loadavg()})
            print(f"run {run + 1}: {runs[-1]}", flush=True)
        counting = counting_ms(env, setup["user_ids"][:args.tablets], args.changes)
    finally:
        if clients is not None:
            clients.close()
        if server is not None:
            server.stop()
        shutil.rmtree(data, ignore_errors=True)
    text = report(args, machine(), runs, counting, notes, started, data)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(text)


def report(args, info: dict, runs: list, counting: dict, notes: list, started: float, data: Path) -> str:
    every = [r for r in runs]
    worst_p99 = max(r["p99"] for r in every)
    met = all(r["missed"] == 0 for r in every) and worst_p99 < 100
    lines = [
        f"# Inbox counts to {args.tablets} tablets (`bench/inbox_counts.py`), "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}",
        "",
        f"Machine: {info['nproc']} cores ({info['cpu']}), {info['mem_gib']:.1f} GiB RAM, Linux {info['kernel']}, "
        f"Python {info['python']}; code {info['code']}; "
        + ", ".join(f"{k} {v}" for k, v in info["versions"].items()) + f"; data on {filesystem(data.parent)}.",
        f"Load average (1 min) before each run: {', '.join(fmt(r['load'], 2) for r in every)}; after: "
        f"{', '.join(fmt(r['load_after'], 2) for r in every)} — the machine is shared with other workers' tests.",
        "",
        f"One `cabinet serve` (eventlet, SQLite), {args.tablets} python-socketio clients in {args.procs} processes, "
        f"each its own member's token, joined to a live meeting of {args.tablets} members. A change = the "
        "secretariat restores a withdrawn document (REST): every member's inbox gains it; each gets `inbox.count`. "
        f"{args.changes} changes per run, {args.pause} s apart. Latency = POST sent → the tablet's handler ran "
        "(an upper bound of commit → receipt).",
        "",
        f"**Goal: p99 < 100 ms to {args.tablets} tablets, none missed — {'met' if met else 'MISSED'}** "
        f"(worst run p99 {fmt(worst_p99, 1)} ms).",
        "",
        "| run | receipts | missed | median ms | p95 ms | p99 ms | max ms | POST answered, median ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in every:
        lines.append(f"| {r['run']} | {r['samples']} | {r['missed']} | {fmt(r['median'], 1)} | {fmt(r['p95'], 1)} | "
                     f"{fmt(r['p99'], 1)} | {fmt(r['max'], 1)} | {fmt(r['post_median'], 1)} |")
    ms = counting["ms"]
    lines += ["", f"Counting the {args.tablets} inboxes (services.inbox.counts_for, in one process against the same "
              f"database, {len(ms)} times): median {fmt(statistics.median(ms), 1)} ms, max {fmt(max(ms), 1)} ms "
              f"(total entries {counting['total']}); per source, median ms: "
              + ", ".join(f"{name} {fmt(statistics.median(t), 1)}" for name, t in counting["by_source"].items()) + "."]
    if notes:
        lines += ["", "Notes: " + "; ".join(notes)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
