"""Logins during a live session, and a 60 MB body without a login, on one real server process (issue 11).

    .venv/bin/python bench/logins.py                                # 500 tablets, 100 logins, 3 runs
    .venv/bin/python bench/logins.py --tablets 100 --logins 20 --runs 1   # a quick check

Needs the `test` and `bench` extras. The setup and the tablets are bench/live.py's: a temporary data folder,
`cabinet init-db`, accounts written directly (one argon2 hash shared by all, made with the production
costs: no CABINET_ARGON2_* is set), one `cabinet serve` process (eventlet), --procs client processes
holding --tablets python-socketio AsyncClients, each its own member's token, joined to a live session.
The rate limiter is on with its defaults (CABINET_RATELIMIT=true): every login comes from 127.0.0.1,
but both login limits count failed logins only, so 100 members logging in at once are not refused.

Each part runs --runs times on the same server and tablets; throughout each run, this process's threads
GET /healthz every --probe-every s (the probe: does any request wait?) and the chair POSTs
/agenda/current every --move-every s (broadcast latency = POST sent → a tablet's `agenda.current`
handler ran, over every (tablet, move)); --quiet s of that before the action give a baseline.
(a) logins: --logins members (none of them holding a tablet; new ones each run), half through the token
    API (POST /api/v1/auth/token, JSON) and half through the login page (its GET, with the csrf_token,
    done first, as a member opens the page), send their passwords at the same moment from a separate
    client process (asyncio, aiohttp); latency = POST sent → answer (201 with a token, 302 with the
    session cookie). Each credential is then checked (GET /api/v1/me as that member).
(b) big body: --body-mb MiB to POST /api/v1/auth/token, no login, over a raw socket: `full` (Content-Length,
    the whole JSON body sent at once), `slow` (Content-Length, 64 KiB every 0.1 s for --slow-seconds s,
    then hang up), `chunked` (Transfer-Encoding: chunked, no length, 1 MiB chunks). Time = request
    head sent → the answer's first byte; the server's VmRSS before and (1 s) after.
Results go to bench/results/logins.md (and stdout); the tables quote each run and the median over runs.
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import re
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live import (PASSWORD, ROOT, Clients, ServerProcess, filesystem, fmt, grow_session,  # noqa: E402
                  loadavg, machine, make_site, move_current, pct, raise_nofile)
from tests.servers import cabinet_env  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "logins.md"
BODY_KINDS = ("full", "slow", "chunked")


# --- the login client process ----------------------------------------------------------------------

def login_main(conn, url: str, users: list) -> None:
    """A separate process, so the logins' client work is not this process's (the probe's, the chair's)."""
    raise_nofile()
    asyncio.run(_logins(conn, url, users))


async def _logins(conn, url: str, users: list) -> None:
    """users: [(username, door)], door "token" or "page". Ready → wait for the start time → all at once."""
    import aiohttp

    connector = aiohttp.TCPConnector(limit=0)
    # Each member its own session: the login page's session cookie carries its CSRF secret.
    sessions = [aiohttp.ClientSession(connector=connector, connector_owner=False,
                                      cookie_jar=aiohttp.CookieJar(unsafe=True),
                                      timeout=aiohttp.ClientTimeout(total=120)) for _ in users]
    csrf: dict[int, str] = {}
    gate = asyncio.Semaphore(10)

    async def open_page(i):
        async with gate, sessions[i].get(f"{url}/login") as page:
            found = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())
            if found is None:
                raise RuntimeError(f"no csrf_token on the login page (HTTP {page.status})")
            csrf[i] = found.group(1)

    async def log_in(i):
        username, door = users[i]
        sent = time.time()
        try:
            if door == "token":
                async with sessions[i].post(f"{url}/api/v1/auth/token", json={
                        "username": username, "password": PASSWORD, "label": "bench"}) as answer:
                    credential = (await answer.json()).get("token") if answer.status == 201 else None
                    status = answer.status
            else:
                async with sessions[i].post(f"{url}/login", allow_redirects=False, data={
                        "username": username, "password": PASSWORD, "csrf_token": csrf[i]}) as answer:
                    await answer.read()
                    cookie = answer.cookies.get("cabinet_session")
                    credential = cookie.value if answer.status == 302 and cookie is not None else None
                    status = answer.status
            error = None if credential else f"HTTP {status}"
        except Exception as err:
            credential, error = None, f"{type(err).__name__}: {err}"[:200]
        return {"door": door, "sent": sent, "done": time.time(), "ok": credential is not None, "error": error,
                "credential": credential}

    async def check(i, result):
        """GET /api/v1/me with the credential the login gave: the member it names."""
        if not result["ok"]:
            return False
        headers = {"Authorization": f"Bearer {result['credential']}"} if result["door"] == "token" else {}
        async with gate, sessions[i].get(f"{url}/api/v1/me", headers=headers) as answer:
            return answer.status == 200 and (await answer.json()).get("username") == users[i][0]

    try:
        await asyncio.gather(*(open_page(i) for i, (_, door) in enumerate(users) if door == "page"))
        conn.send({"ready": len(users)})
        start_at = (await asyncio.get_running_loop().run_in_executor(None, conn.recv))["start_at"]
        await asyncio.sleep(max(0.0, start_at - time.time()))
        results = await asyncio.gather(*(log_in(i) for i in range(len(users))))
        conn.send([{k: v for k, v in r.items() if k != "credential"} for r in results])
        conn.send({"verified": sum(await asyncio.gather(*(check(i, r) for i, r in enumerate(results))))})
    except Exception as err:
        conn.send({"error": f"{type(err).__name__}: {err}"[:300]})
    finally:
        for session in sessions:
            await session.close()
        await connector.close()


def login_burst(url: str, users: list, timeout: float):
    """Start the login process and let it open its pages; returns go() → (logins, verified)."""
    parent, child = mp.get_context("spawn").Pipe()
    process = mp.get_context("spawn").Process(target=login_main, args=(child, url, users), daemon=True)
    process.start()

    def receive():
        if not parent.poll(timeout):
            raise RuntimeError(f"the login process did not answer within {timeout:.0f} s")
        answer = parent.recv()
        if isinstance(answer, dict) and "error" in answer:
            raise RuntimeError(f"login process failed: {answer['error']}")
        return answer

    receive()  # ready: the login pages are open

    def go():
        try:
            parent.send({"start_at": time.time() + 0.02})
            logins = receive()
            return logins, receive()["verified"]
        finally:
            process.join(10)
            if process.is_alive():
                process.terminate()
    return go


# --- a body too large -------------------------------------------------------------------------------

def big_body(port: int, kind: str, mib: int, slow_seconds: float) -> dict:
    """Send a body of `mib` MiB to the token route (no login) as `kind`; when the answer came, what it was."""
    size = mib * 1024 * 1024
    filler = b'{"username": "' + b"a" * (size - 40) + b'", "password": "x"}'
    head = ("POST /api/v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + ("Transfer-Encoding: chunked\r\n" if kind == "chunked" else f"Content-Length: {len(filler)}\r\n")
            + "\r\n").encode()
    out = {"kind": kind, "sent_bytes": 0, "answer": b"", "first_byte": None, "closed_by_server": None}
    conn = socket.create_connection(("127.0.0.1", port), timeout=30)

    def read():
        try:
            while chunk := conn.recv(65536):
                if out["first_byte"] is None:
                    out["first_byte"] = time.time()
                out["answer"] += chunk[:4096 - len(out["answer"])]
            out["closed_by_server"] = out["closed_by_server"] is None  # EOF before we hung up
        except OSError:
            pass
    reader = threading.Thread(target=read, daemon=True)
    conn.sendall(head)
    started = time.time()
    reader.start()
    piece = 1024 * 1024 if kind != "slow" else 64 * 1024
    try:
        for offset in range(0, len(filler), piece):
            data = filler[offset:offset + piece]
            conn.sendall(b"%x\r\n%s\r\n" % (len(data), data) if kind == "chunked" else data)
            out["sent_bytes"] += len(data)
            if kind == "slow":
                if time.time() - started > slow_seconds:
                    break
                time.sleep(0.1)
        if kind == "chunked":
            conn.sendall(b"0\r\n\r\n")
    except OSError as err:
        out["send_error"] = type(err).__name__
    out["sending_seconds"] = time.time() - started
    reader.join(2.0)  # the whole answer (a keep-alive connection stays open after it)
    if out["closed_by_server"] is None:
        out["closed_by_server"] = False
    try:
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    conn.close()
    reader.join(5.0)
    text = out.pop("answer").decode("utf-8", "replace")
    out["status"] = int(text.split(" ", 2)[1]) if text.startswith("HTTP/") else None
    code = re.search(r'"code":\s*"([a-z_]+)"', text)
    out["code"] = code.group(1) if code else None
    out["too_large"] = out["code"] == "too_large"
    out["answer_ms"] = (out["first_byte"] - started) * 1000 if out["first_byte"] else float("nan")
    return out


# --- one measured window ----------------------------------------------------------------------------

def watched(server: ServerProcess, chair_move, action, args) -> dict:
    """Probe /healthz and move the agenda for --quiet s, during `action()`, and --tail s after it."""
    stop = threading.Event()
    probes, moves = [], []

    def every(period, work):
        due = time.time()
        while not stop.is_set():
            work()
            due = max(due + period, time.time())  # one that came late is not made up for in a rush
            stop.wait(max(0.0, due - time.time()))

    def probe(session=requests.Session()):
        sent = time.time()
        try:
            ok = session.get(server.url + "/healthz", timeout=30).status_code == 200
        except requests.RequestException:
            ok = False
        probes.append((sent, (time.time() - sent) * 1000, ok, server.threads()))  # argon2's lanes are threads

    def move():
        try:
            moves.append(chair_move())
        except requests.RequestException as err:
            moves.append((time.time(), time.time(), None, f"{type(err).__name__}: {err}"[:200]))

    threads = [threading.Thread(target=every, args=(args.probe_every, probe), daemon=True),
               threading.Thread(target=every, args=(args.move_every, move), daemon=True)]
    for thread in threads:
        thread.start()
    time.sleep(args.quiet)
    rss_before, load = server.rss_kib(), loadavg()
    cpu, began = server.cpu_seconds(), time.time()
    outcome = action()
    ended = time.time()
    cpu = server.cpu_seconds() - cpu
    time.sleep(args.tail)
    stop.set()
    for thread in threads:
        thread.join(60)
    time.sleep(1.0)
    return {"outcome": outcome, "began": began, "ended": ended, "cpu_s": cpu, "cpu_pct": cpu / (ended - began) * 100,
            "load": load,
            "rss_before": rss_before / 1024, "rss_after": server.rss_kib() / 1024, "threads": server.threads(),
            "probes": probes, "moves": moves}


def latencies(window: dict, clients: Clients, session_id: int, timeout: float) -> dict:
    """Probe and broadcast figures, before (quiet) and during the action."""
    during = lambda sent: window["began"] <= sent <= window["ended"]  # noqa: E731
    out = {}
    for name, pick in (("quiet", lambda sent: sent < window["began"]), ("during", during)):
        probes = [ms for sent, ms, *_ in window["probes"] if pick(sent)]
        slowest = max(((ms, sent) for sent, ms, *_ in window["probes"] if pick(sent)), default=(0, window["began"]))
        threads = max((n for sent, *_, n in window["probes"] if pick(sent)), default=0)
        moved = [m for m in window["moves"] if pick(m[0]) and len(m) == 3]
        samples, missed = [], 0
        for sent, _, seq in moved:
            for answer in clients.everyone("wait", {"event": "agenda.current", "key": [session_id, seq],
                                                    "idxs": None, "timeout": timeout}, timeout + 30):
                samples += [(at - sent) * 1000 for _, at in answer["received"]]
                missed += len(answer["expected"]) - len(answer["received"])
        posts = [(done - sent) * 1000 for sent, done, _ in moved]
        out[name] = {"probes": len(probes), "probe_p50": pct(probes, 0.5), "probe_p99": pct(probes, 0.99),
                     "probe_max": max(probes, default=float("nan")),
                     "probe_max_at": (slowest[1] - window["began"]) * 1000, "threads_max": threads,
                     "moves": len(moved), "samples": len(samples),
                     "missed": missed, "p50": pct(samples, 0.5), "p99": pct(samples, 0.99),
                     "max": max(samples, default=float("nan")), "post_p50": pct(posts, 0.5),
                     "post_max": max(posts, default=float("nan"))}
    out["failed_probes"] = sum(1 for _, _, ok, _ in window["probes"] if not ok)
    out["failed_moves"] = [m[3] for m in window["moves"] if len(m) == 4][:3]
    out.update({k: window[k] for k in ("cpu_s", "cpu_pct", "load", "rss_before", "rss_after", "threads")})
    out["seconds"] = window["ended"] - window["began"]
    return out


# --- report -----------------------------------------------------------------------------------------

COUNTS = {"ok", "asked", "verified", "probes", "moves", "samples", "missed", "threads", "threads_max", "closed"}


def median_row(label: str, runs: list, keys: tuple, digits: int = 0, sep: str = " / ") -> str:
    """One table row: each run's values of `keys`, then their medians over the runs (counts: no decimals)."""
    places = [0 if k.split("_", 1)[-1] in COUNTS or k in COUNTS else digits for k in keys]
    cells = [sep.join(fmt(run.get(k), d) for k, d in zip(keys, places)) for run in runs]
    numbers = [[r[k] for r in runs if isinstance(r.get(k), (int, float)) and r[k] == r[k]] for k in keys]
    medians = sep.join(fmt(statistics.median(v) if v else None, d) for v, d in zip(numbers, places))
    return f"| {label} | " + " | ".join(cells) + f" | **{medians}** |"


def login_rows(runs: list) -> list[str]:
    flat = [{**{f"q_{k}": v for k, v in r["quiet"].items()}, **{f"d_{k}": v for k, v in r["during"].items()},
             **{k: v for k, v in r.items() if not isinstance(v, dict)}} for r in runs]
    return [
        median_row("logins succeeded / asked / credential checked (GET /me)", flat, ("ok", "asked", "verified")),
        median_row("login, POST sent → answer: p50 / p90 / p99 / max (ms)", flat,
                   ("login_p50", "login_p90", "login_p99", "login_max")),
        median_row("… token API p50 / max; login page p50 / max (ms)", flat,
                   ("token_p50", "token_max", "page_p50", "page_max")),
        median_row("burst: first POST sent → last answer (s)", flat, ("seconds",), 1),
        median_row("broadcast during the burst: moves / (tablet, move) samples / missed", flat,
                   ("d_moves", "d_samples", "d_missed")),
        median_row("**broadcast during the burst: p50 / p99 / max (ms)**", flat, ("d_p50", "d_p99", "d_max"), 1),
        median_row("broadcast before the burst: p50 / p99 / max (ms)", flat, ("q_p50", "q_p99", "q_max"), 1),
        median_row("chair's POST during the burst: p50 / max (ms)", flat, ("d_post_p50", "d_post_max")),
        median_row("**probe GET /healthz during the burst: count, p50 / p99 / max (ms)**", flat,
                   ("d_probes", "d_probe_p50", "d_probe_p99", "d_probe_max"), 1),
        median_row("… the slowest probe was sent at (ms after the first POST)", flat, ("d_probe_max_at",)),
        median_row("probe before the burst: p50 / p99 / max (ms)", flat,
                   ("q_probe_p50", "q_probe_p99", "q_probe_max"), 1),
        median_row("server CPU during the burst: s / % of one core", flat, ("cpu_s", "cpu_pct"), 1),
        median_row("server RSS before → after (MiB)", flat, ("rss_before", "rss_after"), sep=" → "),
        median_row("server threads: most seen during the burst / after it", flat, ("d_threads_max", "threads")),
        median_row("load average at the start", flat, ("load",), 1)]


def body_rows(runs: list) -> list[str]:
    rows = []
    for kind in BODY_KINDS:
        flat = [{**r[kind], **{f"d_{k}": v for k, v in r[kind]["during"].items()}} for r in runs if kind in r]
        if not flat:
            continue
        for r in flat:
            r["sent_mib"] = r["sent_bytes"] / 1024 / 1024
            r["grew"] = r["rss_after"] - r["rss_before"]
            r["closed"] = int(bool(r["closed_by_server"]))
        rows += [
            f"| **{kind}**: status, error code | " + " | ".join(f"{r['status']} {r['code']}" for r in flat)
            + f" | {'same' if len({(r['status'], r['code']) for r in flat}) == 1 else 'differ'} |",
            median_row(f"**{kind}: head sent → the answer (ms)**", flat, ("answer_ms",), 1),
            median_row(f"{kind}: MiB sent, client sending (s), server closed (1 yes)", flat,
                       ("sent_mib", "sending_seconds", "closed"), 1),
            median_row(f"**{kind}: server RSS before → after (MiB)**", flat, ("rss_before", "rss_after"), 1,
                       sep=" → "),
            median_row(f"{kind}: server CPU while sending (s)", flat, ("cpu_s",), 2),
            median_row(f"{kind}: probes while sending: count, p50 / p99 / max (ms)", flat,
                       ("d_probes", "d_probe_p50", "d_probe_p99", "d_probe_max"), 1),
            median_row(f"{kind}: broadcast while sending: samples, p99 / max (ms)", flat,
                       ("d_samples", "d_p99", "d_max"), 1)]
    return rows


def goals(logins: list, bodies: list) -> list[str]:
    med = lambda values: statistics.median(values) if values else float("nan")  # noqa: E731
    out = []
    if logins:
        ok = all(r["ok"] == r["asked"] == r["verified"] for r in logins)
        p99 = med([r["during"]["p99"] for r in logins])
        probe_max, probe_p99 = med([r["during"]["probe_max"] for r in logins]), med([r["during"]["probe_p99"]
                                                                                     for r in logins])
        worst = max(r["during"]["probe_max"] for r in logins)
        out += [f"- every login succeeds — {'met' if ok else 'MISSED'} in every run" if ok else
                f"- every login succeeds — MISSED: {[(r['ok'], r['asked']) for r in logins]}, e.g. "
                f"{[e for r in logins for e in r['errors']][:3]}",
                f"- broadcast p99 < 100 ms during the logins — {'met' if p99 < 100 else 'MISSED'}: median p99 "
                f"{fmt(p99, 1)} ms, {sum(r['during']['missed'] for r in logins)} missed",
                f"- no request waits > 100 ms (probe max) — {'met' if probe_max < 100 else 'MISSED'}: median max "
                f"{fmt(probe_max, 1)} ms (worst run {fmt(worst, 1)} ms), p99 {fmt(probe_p99, 1)} ms"]
    for kind in BODY_KINDS:
        done = [r[kind] for r in bodies if kind in r]
        if done:
            ms = med([d["answer_ms"] for d in done])
            grew = max(d["rss_after"] - d["rss_before"] for d in done)
            probe_max = max(d["during"]["probe_max"] for d in done)
            # A chunked body has no length to refuse it by: any refusal that reads no more than the limit.
            refused = [d["status"] == 413 and d["too_large"] if kind != "chunked" else 400 <= (d["status"] or 0) < 500
                       for d in done]
            ok = ms < 50 and all(refused) and grew < 16 and probe_max < 100
            answers = sorted({f"{d['status']} {d['code']}" for d in done})
            out.append(f"- {kind} body refused ({'4xx' if kind == 'chunked' else '413'}) in < 50 ms, server unmoved "
                       f"(RSS + < 16 MiB, probe max < 100 ms) — {'met' if ok else 'MISSED'}: "
                       f"{', '.join(answers)}, median {fmt(ms, 1)} ms; "
                       f"RSS grew at most {fmt(grew, 1)} MiB; probe max {fmt(probe_max, 1)} ms")
    return out


def report(args, info: dict, logins: list, bodies: list, notes: list, started: float, elapsed: float) -> str:
    heading = "| measure | " + " | ".join(f"run {i + 1}" for i in range(args.runs)) + " | median |"
    rule = "|---|" + "---:|" * (args.runs + 1)
    lines = [
        f"# Logins during a live session (`bench/logins.py`), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}",
        "",
        f"Machine: {info['nproc']} cores ({info['cpu']}), {info['mem_gib']:.1f} GiB RAM, Linux {info['kernel']}, "
        f"Python {info['python']}. Versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items())
        + f". Database: SQLite on {filesystem(args.data_dir)}. Code: {info['code']}. "
        f"Run took {elapsed / 60:.1f} minutes.", "",
        "```sh", ".venv/bin/python bench/logins.py " + " ".join(sys.argv[1:]), "```", "",
        f"One `cabinet serve` (eventlet) on loopback, {args.tablets} tablets connected and joined to a live "
        f"session ({args.procs} client processes, as bench/live.py). argon2id with the production costs "
        "(CABINET_ARGON2_* unset: time cost 3, 64 MiB); the rate limiter on with its defaults (every login from "
        "127.0.0.1; both login limits count failures only). Throughout each run: GET /healthz every "
        f"{args.probe_every * 1000:.0f} ms (the probe) and the chair's POST /agenda/current every "
        f"{args.move_every * 1000:.0f} ms; broadcast latency = that POST sent → a tablet's `agenda.current` "
        f"handler ran, over every (tablet, move); \"before\" = the {args.quiet:.0f} s before the action. "
        f"Runs one after another on the same server; each cell is one run, the last column the median.", ""]
    if logins:
        lines += [f"## (a) {args.logins} logins at once, {args.tablets} tablets connected", "",
                  f"{args.logins} members not holding a tablet (new ones each run), alternately through the token "
                  "API (POST /api/v1/auth/token, JSON) and the login page (its GET done before the burst, then "
                  "POST the form with its csrf_token), send their passwords at the same moment from one client "
                  "process (asyncio, aiohttp). \"During the burst\" = first POST sent → last answer. Run 1 "
                  "holds the server's first logins since it started.", "",
                  heading, rule] + login_rows(logins) + [""]
    if bodies:
        lines += [f"## (b) {args.body_mb} MiB to POST /api/v1/auth/token, no login", "",
                  "Raw socket, JSON body: `full` = Content-Length, the whole body sent at once; `slow` = "
                  f"Content-Length, 64 KiB every 0.1 s for {args.slow_seconds:.0f} s, then the client hangs up; "
                  "`chunked` = Transfer-Encoding: chunked, 1 MiB chunks. Time = request head sent → the answer's "
                  "first byte. RSS after = 1 s after the client is done. Limit: CABINET_MAX_REQUEST_KB (1024).", "",
                  heading, rule] + body_rows(bodies) + [""]
    lines += ["Goals (medians over the runs):", ""] + goals(logins, bodies) + [""]
    if notes:
        lines += ["Notes:", ""] + [f"- {note}" for note in notes] + [""]
    return "\n".join(lines) + "\n"


# --- main -------------------------------------------------------------------------------------------

def run(args, env: dict, data: Path, setup: dict) -> tuple[list, list, list]:
    logins, bodies, notes = [], [], []
    server = ServerProcess("eventlet", env, data / "server.log")
    clients = None
    try:
        server.start()
        api = server.url + "/api/v1"
        chair = requests.Session()
        chair.headers["Authorization"] = f"Bearer {setup['chair_token']}"
        state = {"n": 0, "invited": 1, "moves": 0}  # setup invited member 0
        clients = Clients(args.procs, server.url)
        grown = grow_session(clients, setup, state, args.tablets, args, env, data)
        live_now = sum(s["connected"] for s in clients.everyone("status", {}, 30))
        print(f"{live_now} tablets connected and joined in {grown['connect_seconds']:.1f} s "
              f"({grown['failed']} failed, e.g. {grown['failures_sample']})", flush=True)
        if live_now < args.tablets:
            notes.append(f"only {live_now} of {args.tablets} tablets connected: {grown['failures_sample']}")
        chair_move = lambda: move_current(chair, api, setup, state, args.timeout)  # noqa: E731
        for number in range(args.runs if "logins" in args.parts else 0):
            first = args.tablets + number * args.logins
            users = [(name, "token" if i % 2 == 0 else "page")
                     for i, name in enumerate(setup["usernames"][first:first + args.logins])]
            go = login_burst(server.url, users, args.timeout * 8)
            window = watched(server, chair_move, go, args)
            done, verified = window["outcome"]
            window["began"], window["ended"] = min(d["sent"] for d in done), max(d["done"] for d in done)
            result = latencies(window, clients, setup["session_id"], args.timeout)
            times = {door: [(d["done"] - d["sent"]) * 1000 for d in done if d["door"] == door or door == "all"]
                     for door in ("all", "token", "page")}
            result.update(asked=len(users), ok=sum(d["ok"] for d in done), verified=verified,
                          errors=sorted({d["error"] for d in done if d["error"]})[:3],
                          login_p50=pct(times["all"], 0.5), login_p90=pct(times["all"], 0.9),
                          login_p99=pct(times["all"], 0.99), login_max=max(times["all"]),
                          token_p50=pct(times["token"], 0.5), token_max=max(times["token"], default=float("nan")),
                          page_p50=pct(times["page"], 0.5), page_max=max(times["page"], default=float("nan")))
            logins.append(result)
            print(f"[logins {number + 1}] {result['ok']}/{len(users)} ok, {verified} verified; login p50 "
                  f"{result['login_p50']:.0f} max {result['login_max']:.0f} ms; broadcast p99 "
                  f"{result['during']['p99']:.1f} max {result['during']['max']:.1f} ms; probe p99 "
                  f"{result['during']['probe_p99']:.1f} max {result['during']['probe_max']:.1f} ms (sent "
                  f"+{result['during']['probe_max_at']:.0f} ms); "
                  f"server CPU {result['cpu_s']:.1f} s in {result['seconds']:.1f} s", flush=True)
            time.sleep(args.gap)
        for number in range(args.runs if "body" in args.parts else 0):
            one = {}
            for kind in BODY_KINDS:
                window = watched(server, chair_move, lambda: big_body(server.port, kind, args.body_mb,
                                                                      args.slow_seconds), args)
                one[kind] = {**window["outcome"], **latencies(window, clients, setup["session_id"], args.timeout)}
                b = one[kind]
                print(f"[body {number + 1}] {kind}: HTTP {b['status']} {b['code']} in {b['answer_ms']:.1f} ms, sent "
                      f"{b['sent_bytes'] / 2**20:.1f} MiB in {b['sending_seconds']:.2f} s, RSS "
                      f"{b['rss_before']:.0f} → {b['rss_after']:.0f} MiB, probe max {b['during']['probe_max']:.1f} "
                      f"ms", flush=True)
                time.sleep(args.gap)
            bodies.append(one)
    except Exception as err:
        notes.append(f"aborted: {type(err).__name__}: {err}"[:500])
        print(f"aborted: {err}", flush=True)
    finally:
        if clients is not None:
            clients.close()
        server.stop()
    windows = [(f"logins, run {i + 1}", r) for i, r in enumerate(logins)] + [
        (f"{kind} body, run {i + 1}", one[kind]) for i, one in enumerate(bodies) for kind in one]
    notes += [f"{name}: {r['failed_probes']} probes failed; chair's moves failed: {r['failed_moves']}"
              for name, r in windows if r["failed_probes"] or r["failed_moves"]]
    if any(one.get("full", {}).get("closed_by_server") is False for one in bodies):
        notes.append("the server kept the connection open after its answer: eventlet reads what is left of a "
                     "request's body and throws it away, to reuse the connection (the CPU rows show what it costs)")
    if any(one.get("chunked", {}).get("code") == "malformed_json" for one in bodies):
        notes.append("a chunked body reaches the app as an empty one (eventlet does not set "
                     "`wsgi.input_terminated`, so Werkzeug does not read the stream): 400 malformed_json, not 413")
    return logins, bodies, notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tablets", type=int, default=500, help="tablets connected throughout")
    parser.add_argument("--logins", type=int, default=100, help="members logging in at once, per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--parts", nargs="+", choices=("logins", "body"), default=["logins", "body"])
    parser.add_argument("--body-mb", type=int, default=60, help="MiB of the body too large")
    parser.add_argument("--slow-seconds", type=float, default=5.0, help="how long the slow body is sent")
    parser.add_argument("--probe-every", type=float, default=0.05, help="seconds between GET /healthz")
    parser.add_argument("--move-every", type=float, default=0.1, help="seconds between the chair's moves")
    parser.add_argument("--quiet", type=float, default=2.0, help="seconds measured before each action")
    parser.add_argument("--tail", type=float, default=1.0, help="seconds measured after each action")
    parser.add_argument("--gap", type=float, default=3.0, help="seconds of rest between two runs")
    parser.add_argument("--procs", type=int, default=2, help="tablet client processes")
    parser.add_argument("--concurrency", type=int, default=10, help="tablet connections opened at once per process")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds for one connect, call or broadcast")
    parser.add_argument("--give-up", type=int, default=20, help="failed tablet connections before giving up")
    parser.add_argument("--connect-budget", type=float, default=180.0, help="seconds to connect the tablets")
    parser.add_argument("--data-parent", type=Path, default=None, help="where the temporary data folder goes")
    parser.add_argument("--keep", action="store_true", help="keep the data folder (server log)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    raise_nofile()
    started = time.time()
    data = args.data_dir = Path(tempfile.mkdtemp(prefix="cabinet-logins-", dir=args.data_parent))
    try:
        # Production argon2 costs: cabinet_env drops every CABINET_* of this shell and sets none of them.
        env = {**cabinet_env(data, CABINET_SECURE_COOKIES="false"), "CABINET_RATELIMIT": "true"}
        members = args.tablets + args.logins * args.runs
        made = make_site(env, data, members, 0, 1)
        setup = {**made, **made["meetings"][0]}
        print(f"setup: {members} members in {time.time() - started:.1f} s", flush=True)
        logins, bodies, notes = run(args, env, data, setup)
    finally:
        if args.keep:
            print(f"data kept in {data}")
        else:
            shutil.rmtree(data, ignore_errors=True)
    text = report(args, machine(), logins, bodies, notes, started, time.time() - started)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
