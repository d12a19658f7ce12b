"""The live session on one real server process: broadcast latency, a vote storm, memory per tablet.

    .venv/bin/python bench/live.py                       # defaults: N = 100 500 1000 2000, eventlet + threading
    .venv/bin/python bench/live.py --n 100 500 --moves 10 --modes eventlet
    .venv/bin/python bench/live.py --modes eventlet --ballots socket rest cookie --append
    .venv/bin/python bench/live.py --data-parent /dev/shm   # SQLite on tmpfs: no fsync in the numbers

Needs the `test` extra plus aiohttp (python-socketio's AsyncClient runs on it); --profile needs py-spy.

Setup (a temporary data folder, removed at the end unless --keep): `cabinet init-db`, then a small
script on the same SQLite database writes the accounts directly (one argon2 hash shared by all, one
API token each): an administrator, a chair and max(--n) members; per server mode, two `live` meetings
with 12 agenda items and that chair: "the session" (member 0 invited, more invited as N grows) and "the
vote" (the first --storm members invited and checked in: a council of that size).

Each server mode gets its own server process (stopped at the end, also on errors); the clients are
--procs separate processes (spawned, asyncio), each holding its share of the tablets as python-socketio
AsyncClients on the websocket transport only, each with its own user's token (`auth={"token": …}`),
except in the cookie door of the vote storm (3. below).
They stand in for tablets, each on its own device, so Python's automatic full garbage collection is off
in them (a collection over a thousand clients took ~0.3 s and showed up as the server's latency).
Same machine, so `time.time()` is one clock for the server, the chair (this process) and the clients.

For each N of --n (ascending): members up to N are invited to the session (rows written directly,
between steps), tablets up to N connect and `join` it (those already connected stay), then
1. Memory: the server's VmRSS (/proc/<pid>/status) minus the baseline (one tablet connected and joined,
   one move made, so lazy imports are paid), divided by N - 1.
2. Broadcast: --moves times, the chair (this process, `requests`) POSTs
   /api/v1/meetings/{id}/agenda/current; latency = POST sent → a tablet's `agenda.current` handler ran,
   over every (tablet, move) pair; also how long the POST took and the CPU time (utime+stime from
   /proc/<pid>/stat) of the server and of the client processes per move.
3. After the last N (or where the mode stopped): every tablet disconnects, and the --storm voters' tablets
   connect to "the vote" and join it. The chair creates and opens a secret poll (REST); every voter casts
   one ballot at a random moment of a --spread second window and, once the last ballot is acknowledged
   (or --ballot-timeout passed), the chair closes the poll (REST) and we wait for `poll.closed` on every
   voter's tablet. One storm (a new poll) per door of --ballots, in that order:
     socket  token sockets as above, ballots by `ballot.cast` (receipt in the ack);
     rest    the same token sockets listen, ballots by POST /api/v1/polls/{id}/ballots with a Bearer token;
     cookie  as a browser: each voter logs in through the login page (GET /login, its hidden csrf_token,
             POST the form; the server runs with CABINET_SECURE_COOKIES=false, as over plain http), then
             its socket connects with `Cookie: cabinet_session=…` and `Origin: <server url>` (no token)
             and casts by `ballot.cast`. Each cookie tablet has its own aiohttp session (cookie jar) on
             the shared connector: python-engineio puts the Cookie header into the session's jar, so a
             shared session would send one voter's cookie on every other tablet's requests.
   Before a door that authenticates differently from the last (token ↔ cookie) every tablet disconnects
   and the voters connect again; the time to log in, connect and join is reported, outside the storm.
   Secret ballots are sealed: the results exist only once the poll is closed. Checked: every ballot
   acknowledged ok with a distinct receipt; the closed poll's results equal the ballots sent and its
   `cast` equals the number of voters; `poll.closed` on every voter's tablet; each voter's own receipt
   (GET /polls/{id} with that voter's token) is the one its ballot got back (counted for its own voter);
   the receipts published after close (GET /polls/{id}/receipts) are exactly those received.
If tablets cannot connect (--give-up failures or drops per client process, or --connect-budget seconds
spent, in a step) or the chair's POST fails, the steps stop there and the results say how far they got
and why; the vote storm still runs.

Server modes: `eventlet` = `cabinet serve` as shipped; `threading` = CABINET_ASYNC_MODE=threading with
Werkzeug's threaded server (socketio.run(allow_unsafe_werkzeug=True)).
Results go to bench/results/live.md (and stdout).
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing as mp
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import CABINET, cabinet_env, free_port, run_cabinet  # noqa: E402

PASSWORD = "mat-khau-rat-dai"
ITEMS = 12
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
GIVEN = ["Thị Thu Hà", "Văn Bình", "Minh Khôi", "Thị Ngọc Ánh", "Quốc Việt"]
RESULTS = ROOT / "bench" / "results" / "live.md"
MODES = ("eventlet", "threading")


def pct(values, q):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


# --- setup (runs in a child process with the server's environment) -------------------------------

def setup_database(members: int, voters: int, modes: int) -> dict:
    from cabinet import create_app
    from cabinet.extensions import db
    from cabinet.models import AgendaItem, Participant, User, UserRole
    from cabinet.services import accounts, meetings

    app = create_app()
    with app.app_context():
        admin = accounts.create_user(None, username="quantri", full_name="Quản trị hệ thống", password=PASSWORD,
                                     roles=["admin"])
        chair = accounts.create_user(None, username="chutoa", full_name="Lê Văn Chủ Tọa", password=PASSWORD)
        shared_hash = accounts.hash_password(PASSWORD)
        people = [User(username=f"daibieu{i:04d}", full_name=f"{FAMILY[i % 10]} {GIVEN[i % 5]} {i}",
                       password_hash=shared_hash, role_rows=[UserRole(role="member")]) for i in range(members)]
        db.session.add_all(people)
        db.session.flush()
        tokens = [accounts.issue_token(u, days=2, label="bench") for u in people]
        chair_token = accounts.issue_token(chair, days=2, label="bench")

        def live_meeting(title, invited, checked_in):
            meeting = meetings.create_meeting(admin, {"title": title, "starts_at": "2026-12-20T08:00:00+07:00"})
            meeting.items = [AgendaItem(position=i, title=f"Mục {i + 1}: Nghị quyết số {i + 1}/NQ-HĐND")
                             for i in range(ITEMS)]
            attendance = "room" if checked_in else "unknown"
            meeting.participants = [Participant(user_id=chair.id, role="chair", attendance=attendance)] + [
                Participant(user_id=u.id, role="member", attendance=attendance) for u in invited]
            db.session.flush()
            meetings.move_status(admin, meeting, "publish")
            meetings.move_status(admin, meeting, "start")
            return meeting

        per_mode = []
        for _ in range(modes):  # each server mode gets its own meetings, so each starts from one invitee
            session = live_meeting("Kỳ họp thứ 12 HĐND thành phố Thanh Hóa", people[:1], checked_in=False)
            vote = live_meeting("Phiên biểu quyết", people[:voters], checked_in=True)
            per_mode.append({"vote_id": vote.id, "session_id": session.id, "items": [i.id for i in session.items]})
        db.session.commit()
        return {"tokens": tokens, "user_ids": [u.id for u in people], "usernames": [u.username for u in people],
                "chair_token": chair_token,
                "meetings": per_mode}


def invite(meeting_id: int, user_ids: list[int]) -> None:
    """Invite more members to the session (rows written directly; the server reads them on its next request)."""
    from cabinet import create_app
    from cabinet.extensions import db
    from cabinet.models import Participant

    app = create_app()
    with app.app_context():
        db.session.add_all(Participant(meeting_id=meeting_id, user_id=u, role="member") for u in user_ids)
        db.session.commit()


def make_site(env: dict, data: Path, members: int, voters: int, modes: int) -> dict:
    """`cabinet init-db` in `data`, then the accounts and meetings (setup_database, in a child process with
    the server's environment); what setup_database returned."""
    run_cabinet(env, "init-db")
    made = subprocess.run([sys.executable, __file__, "--_setup", str(members), str(voters), str(modes)],
                          env=env, capture_output=True, text=True, timeout=600)
    if made.returncode != 0:
        raise RuntimeError(f"setup failed:\n{made.stderr[-3000:]}")
    return json.loads((data / "setup.json").read_text())


# --- servers ---------------------------------------------------------------------------------------

THREADING_SERVER = """
from cabinet import create_app
from cabinet.extensions import socketio
app = create_app()
socketio.run(app, host="127.0.0.1", port={port}, allow_unsafe_werkzeug=True)
"""


class ServerProcess:
    def __init__(self, mode: str, env: dict, log_path: Path):
        self.mode, self.log_path = mode, log_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(env)
        if mode == "eventlet":
            self.command = [CABINET, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        elif mode == "threading":
            self.env["CABINET_ASYNC_MODE"] = "threading"
            self.command = [sys.executable, "-c", THREADING_SERVER.format(port=self.port)]
        else:
            raise ValueError(mode)
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> "ServerProcess":
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError(f"server did not answer /healthz:\n{self.log_path.read_text()[-3000:]}")

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def threads(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("Threads:"):
                return int(line.split()[1])
        return 0

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- client processes ------------------------------------------------------------------------------

def client_main(conn, url: str, password: str) -> None:
    raise_nofile()
    # The clients stand in for tablets, each on its own device: a full collection over the thousand
    # tablets of one process (~0.3 s) would show up as the server's latency. A short-lived process: none.
    gc.set_threshold(*gc.get_threshold()[:2], 2**31 - 1)
    asyncio.run(_client_loop(conn, url, password))


async def _client_loop(conn, url: str, password: str) -> None:
    import logging

    import aiohttp
    import socketio

    why: dict[str, int] = {}  # what engine.io's client said when a connection ended, counted

    class Why(logging.Handler):
        def emit(self, record):
            text = record.getMessage()
            if "packet queue is empty" in text:  # the write loop waited 30 s for something to send
                text = ("no PING from the server for 30 s (python-engineio's client gives up after "
                        "max(pingInterval, pingTimeout) + 5 s; a browser waits pingInterval + pingTimeout = 45 s)")
            if "abort" in text or "PING" in text:
                why[text[:200]] = why.get(text[:200], 0) + 1

    engineio_log = logging.getLogger("engineio.client")
    engineio_log.setLevel(logging.INFO)  # AsyncClient(logger=False) keeps a level already set
    engineio_log.propagate = False
    engineio_log.addHandler(Why())
    logging.getLogger("socketio.client").setLevel(logging.CRITICAL)

    loop = asyncio.get_running_loop()
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                    timeout=aiohttp.ClientTimeout(total=None, sock_connect=15))
    tablets: dict[int, tuple] = {}  # idx -> (AsyncClient, token, own http session or None), connected, not dropped
    receipts: dict[tuple, str] = {}  # (poll id, idx) -> the receipt its ballot got back
    seen: dict[tuple, list] = {}  # (event, key) -> [(idx, time)]
    progress: dict[int, dict[int, int]] = {}  # poll id -> idx -> progress events received
    dropped: dict[int, str] = {}  # idx -> why, for tablets the server dropped (and not reconnected since)
    drops: list[str] = []  # every drop, as "time reason"

    def record(event, key, idx, at):
        seen.setdefault((event, key), []).append((idx, at))

    def handlers(sio, idx):
        @sio.on("agenda.current")
        async def _agenda(data):
            record("agenda.current", (data.get("meeting_id"), data.get("seq")), idx, time.time())

        @sio.on("poll.opened")
        async def _opened(data):
            record("poll.opened", data["poll"]["id"], idx, time.time())

        @sio.on("poll.closed")
        async def _closed(data):
            record("poll.closed", data["poll"]["id"], idx, time.time())

        @sio.on("inbox.count")
        async def _inbox(data):  # bench/inbox_counts.py: keyed by the count, which each run makes new
            record("inbox.count", data.get("count"), idx, time.time())

        @sio.on("poll.progress")
        async def _progress(data):
            counts = progress.setdefault(data["poll_id"], {})
            counts[idx] = counts.get(idx, 0) + 1

        @sio.on("disconnect")
        async def _gone(*reason):
            if idx in tablets:
                http = tablets.pop(idx)[2]
                if http is not None:  # a cookie tablet's own session
                    asyncio.ensure_future(http.close())
                dropped[idx] = f"{time.strftime('%H:%M:%S')} {reason[0] if reason else 'disconnected'}"
                drops.append(dropped[idx])

    async def hang_up(sio, http, timeout):
        """Disconnect a tablet and close its own http session (a cookie tablet's), never raising."""
        try:
            await asyncio.wait_for(sio.disconnect(), timeout)
        except BaseException:  # noqa: B902 (asyncio's timeouts)
            pass
        if http is not None:
            await http.close()

    async def browser_login(http, username, timeout):
        """Log in through the login page as a browser does (the GET's session carries the CSRF secret;
        `http` has its own cookie jar); return the `cabinet_session` cookie."""
        limit = aiohttp.ClientTimeout(total=timeout)
        async with http.get(f"{url}/login", timeout=limit) as page:
            found = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())
        if found is None:
            raise RuntimeError(f"no csrf_token on the login page (HTTP {page.status})")
        form = {"username": username, "password": password, "csrf_token": found.group(1)}
        async with http.post(f"{url}/login", data=form, allow_redirects=False, timeout=limit) as answer:
            cookie = answer.cookies.get("cabinet_session")
            if answer.status != 302 or cookie is None:
                raise RuntimeError(f"login of {username} refused: HTTP {answer.status}")
            return cookie.value

    async def connect(tablets_to_add, meeting_id, concurrency, timeout, give_up, budget):
        """Connect and join; stop trying after `give_up` failures or drops, or after `budget` seconds.
        A tablet (idx, token, username) with a username logs in and connects by cookie, else by token."""
        gate = asyncio.Semaphore(concurrency)
        failed: list = []
        drops_before = len(drops)
        deadline = time.time() + budget

        async def one(idx, token, username):
            async with gate:
                if len(failed) + len(drops) - drops_before >= give_up or time.time() > deadline:
                    failed.append((idx, "skipped"))
                    return
                http = None if username is None else aiohttp.ClientSession(
                    connector=session.connector, connector_owner=False, cookie_jar=aiohttp.CookieJar(unsafe=True),
                    timeout=aiohttp.ClientTimeout(total=None, sock_connect=15))
                sio = socketio.AsyncClient(reconnection=False, http_session=http or session, handle_sigint=False,
                                           request_timeout=timeout)
                handlers(sio, idx)
                try:
                    if http is None:
                        how = {"auth": {"token": token}}
                    else:
                        cookie = await browser_login(http, username, timeout)
                        how = {"headers": {"Cookie": f"cabinet_session={cookie}", "Origin": url}}
                    await asyncio.wait_for(sio.connect(url, transports=["websocket"], wait_timeout=timeout, **how),
                                           timeout)
                    tablets[idx] = (sio, token, http)
                    dropped.pop(idx, None)
                    joined = await sio.call("join", {"meeting_id": meeting_id}, timeout=timeout)
                    if not joined.get("ok"):
                        raise RuntimeError(f"join refused: {joined}")
                except BaseException as err:  # noqa: B902 (asyncio's timeouts)
                    tablets.pop(idx, None)
                    failed.append((idx, f"{type(err).__name__}: {err}"[:200]))
                    await hang_up(sio, http, 2)

        started = time.time()
        await asyncio.gather(*(one(*tablet) for tablet in tablets_to_add))
        return {"failed": failed, "seconds": time.time() - started}

    async def wait(event, key, idxs, timeout):
        key = tuple(key) if isinstance(key, list) else key
        want = set(tablets) if idxs is None else set(idxs)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if want <= {i for i, _ in seen.get((event, key), [])}:
                break
            await asyncio.sleep(0.005)
        return {"expected": sorted(want), "received": [(i, t) for i, t in seen.get((event, key), []) if i in want],
                "progress": progress.get(key, {}) if event == "poll.closed" else {}}

    async def join(idxs, meeting_id, concurrency, timeout):
        gate = asyncio.Semaphore(concurrency)

        async def one(idx):
            async with gate:
                if idx not in tablets:
                    return idx, f"dropped before: {dropped.get(idx)}"
                try:
                    answer = await tablets[idx][0].call("join", {"meeting_id": meeting_id}, timeout=timeout)
                    return None if answer.get("ok") else (idx, str(answer)[:200])
                except Exception as err:
                    return idx, f"{type(err).__name__}: {err}"[:200]
        return [f for f in await asyncio.gather(*(one(i) for i in idxs)) if f]

    async def vote(idxs, poll_id, options, start_at, spread, via, timeout):
        rng = random.Random(poll_id)
        plan = [(idx, start_at + rng.uniform(0, spread), rng.choice(options)) for idx in idxs]

        async def one(idx, at, option):
            await asyncio.sleep(max(0.0, at - time.time()))
            if idx not in tablets:
                return {"idx": idx, "sent": time.time(), "acked": time.time(), "ok": False, "receipt": None,
                        "code": f"dropped before voting: {dropped.get(idx)}", "option": option}
            sio, token, _ = tablets[idx]
            key = f"bench-{poll_id}-{idx}"
            sent = time.time()
            try:
                if via in ("socket", "cookie"):
                    answer = await sio.call("ballot.cast", {"poll_id": poll_id, "option": option, "key": key},
                                            timeout=timeout)
                    acked = time.time()
                    ok = bool(answer.get("ok"))
                    code = None if ok else answer.get("error", {}).get("code")
                else:
                    async with session.post(f"{url}/api/v1/polls/{poll_id}/ballots",
                                            json={"option": option, "key": key},
                                            headers={"Authorization": f"Bearer {token}"},
                                            timeout=aiohttp.ClientTimeout(total=timeout)) as response:
                        answer = await response.json()
                        acked = time.time()
                        ok = response.status == 201
                        code = None if ok else answer.get("error", {}).get("code", str(response.status))
                if ok:
                    receipts[poll_id, idx] = answer.get("receipt")
                return {"idx": idx, "sent": sent, "acked": acked, "ok": ok, "code": code,
                        "receipt": answer.get("receipt"), "option": option}
            except Exception as err:
                return {"idx": idx, "sent": sent, "acked": time.time(), "ok": False,
                        "code": f"{type(err).__name__}: {err}"[:200], "receipt": None, "option": option}

        return await asyncio.gather(*(one(*p) for p in plan))

    async def own_receipts(idxs, poll_id, tokens, timeout):
        """How many voters see, with their own token, that they voted with the receipt their ballot got back."""
        gate = asyncio.Semaphore(10)

        async def one(idx, token):
            async with gate, session.get(f"{url}/api/v1/polls/{poll_id}", headers={"Authorization": f"Bearer {token}"},
                                         timeout=aiohttp.ClientTimeout(total=timeout)) as response:
                poll = await response.json()
                mine = receipts.get((poll_id, idx))
                return mine is not None and poll.get("voted") is True and poll.get("receipt") == mine
        return {"matching": sum(await asyncio.gather(*(one(i, t) for i, t in zip(idxs, tokens))))}

    async def status():
        return {"connected": len(tablets), "drops": len(drops), "lost": sorted(dropped),
                "reasons": sorted(set(r.split(" ", 1)[1] for r in drops))[:3], "last_drops": drops[-3:],
                "why": why}

    async def disconnect_all():
        live = list(tablets.values())
        tablets.clear()  # what follows is not a drop
        dropped.clear()
        await asyncio.gather(*(hang_up(sio, http, 5) for sio, _, http in live))
        return {"disconnected": len(live)}

    async def quit_all():
        await disconnect_all()
        await session.close()

    commands = {"connect": connect, "wait": wait, "disconnect_all": disconnect_all, "join": join, "vote": vote,
                "status": status, "own_receipts": own_receipts}
    while True:
        name, args = await loop.run_in_executor(None, conn.recv)
        if name == "quit":
            try:
                await asyncio.wait_for(quit_all(), 30)
            finally:
                conn.send({"bye": True})
            return
        try:
            conn.send(await commands[name](**args))
        except Exception as err:  # answer, so the orchestrator never waits forever
            conn.send({"error": f"{type(err).__name__}: {err}"})


class Clients:
    """--procs client processes; tablet i lives in process i % procs."""

    def __init__(self, procs: int, url: str):
        ctx = mp.get_context("spawn")
        self.pipes, self.processes = [], []
        for _ in range(procs):
            parent, child = ctx.Pipe()
            process = ctx.Process(target=client_main, args=(child, url, PASSWORD), daemon=True)
            process.start()
            self.pipes.append(parent)
            self.processes.append(process)

    def cpu_seconds(self) -> float:
        total = 0.0
        for process in self.processes:
            try:
                fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            except OSError:
                pass
        return total

    def owner(self, idx: int) -> int:
        return idx % len(self.pipes)

    def split(self, idxs) -> list[list]:
        parts = [[] for _ in self.pipes]
        for idx in idxs:
            parts[self.owner(idx[0] if isinstance(idx, tuple) else idx)].append(idx)
        return parts

    def ask(self, per_process: list, timeout: float) -> list:
        """Send each process its command (None: nothing) and collect the answers."""
        asked = []
        for pipe, command in zip(self.pipes, per_process):
            if command is not None:
                pipe.send(command)
                asked.append(pipe)
        answers = []
        deadline = time.monotonic() + timeout
        for pipe in asked:
            if not pipe.poll(max(0.0, deadline - time.monotonic())):
                raise RuntimeError(f"a client process did not answer within {timeout:.0f} s")
            answer = pipe.recv()
            if isinstance(answer, dict) and "error" in answer:
                raise RuntimeError(f"client process failed: {answer['error']}")
            answers.append(answer)
        return answers

    def everyone(self, name: str, args: dict, timeout: float) -> list:
        return self.ask([(name, args)] * len(self.pipes), timeout)

    def close(self) -> None:
        for pipe, process in zip(self.pipes, self.processes):
            try:
                if process.is_alive():
                    pipe.send(("quit", {}))
            except (BrokenPipeError, OSError):
                pass
        for pipe, process in zip(self.pipes, self.processes):
            try:
                if process.is_alive() and pipe.poll(40):
                    pipe.recv()
            except (EOFError, OSError):
                pass
            process.join(5)
            if process.is_alive():
                process.terminate()
                process.join(5)
            if process.is_alive():
                process.kill()
                process.join()


# --- one server mode -------------------------------------------------------------------------------

class Profiler:
    """py-spy on the server, one raw-stacks file per phase (PREFIX-<mode>-<phase>.txt); off without --profile."""

    def __init__(self, prefix: str | None, mode: str, pid: int):
        self.prefix, self.mode, self.pid, self.process, self.files = prefix, mode, pid, None, []

    def start(self, phase: str) -> None:
        if not self.prefix:
            return
        self.stop()
        path = Path(f"{self.prefix}-{self.mode}-{phase}.txt")
        self.process = subprocess.Popen([str(Path(sys.executable).with_name("py-spy")), "record", "--pid",
                                         str(self.pid), "--rate", "200", "--format", "raw", "--nonblocking",
                                         "-o", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self.files.append(str(path))
        time.sleep(0.5)  # let it attach

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(2)  # py-spy writes its file on SIGINT
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


def machine_jiffies() -> dict:
    """The whole machine's CPU time so far from /proc/stat, in ms: busy, idle and stolen by the hypervisor."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    tick = 1000 / os.sysconf("SC_CLK_TCK")
    return {"busy": sum(fields[:3] + fields[5:7]) * tick, "idle": (fields[3] + fields[4]) * tick,
            "steal": fields[7] * tick}


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def settle(server: ServerProcess, threads: int, limit: float = 90.0) -> float:
    """After a mass disconnect: wait (at most `limit` s) until the server is back to about its baseline
    thread count and answers /healthz within a second; a threaded server needs a while to unwind."""
    started = time.time()
    time.sleep(2.0)
    while time.time() - started < limit:
        try:
            quick = requests.get(server.url + "/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            quick = False
        if quick and server.threads() <= threads + 20:
            break
        time.sleep(1.0)
    return time.time() - started


def move_current(chair: requests.Session, api: str, setup: dict, state: dict, timeout: float) -> tuple:
    """The chair moves the session to its next agenda item (REST); (POST sent, answered, the event's seq)."""
    items = setup["items"]
    state["moves"] += 1
    item = items[state["moves"] % len(items)]
    sent = time.time()
    response = chair.post(f"{api}/meetings/{setup['session_id']}/agenda/current", json={"item_id": item},
                          timeout=timeout)
    done = time.time()
    response.raise_for_status()
    return sent, done, response.json()["seq"]


def grow_session(clients: "Clients", setup: dict, state: dict, n: int, args, env: dict, data: Path) -> dict:
    """Invite members up to N to the session, then connect tablets up to N (each joins the session);
    `state` holds how many are invited and connected so far."""
    out = {"invite_seconds": 0.0, "connect_seconds": 0.0}
    started = time.time()
    new_ids = setup["user_ids"][state["invited"]:n]
    if new_ids:
        ids_file = data / "invite.json"
        ids_file.write_text(json.dumps(new_ids))
        run = subprocess.run([sys.executable, __file__, "--_invite", str(setup["session_id"]), str(ids_file)],
                             env=env, capture_output=True, text=True, timeout=300)
        if run.returncode != 0:
            raise RuntimeError(f"inviting failed:\n{run.stderr[-2000:]}")
        state["invited"] = n
    out["invite_seconds"] = time.time() - started
    lost = [i for s in clients.everyone("status", {}, 30) for i in s["lost"]]
    out["reconnected"] = len(lost)
    new = [(i, setup["tokens"][i], None) for i in lost + list(range(state["n"], n))]
    answers = clients.ask([("connect", {"tablets_to_add": p, "meeting_id": setup["session_id"],
                                        "concurrency": args.concurrency, "timeout": args.timeout,
                                        "give_up": args.give_up, "budget": args.connect_budget})
                           if p else None for p in clients.split(new)], args.connect_budget + 2 * args.timeout + 60)
    failed = [f for a in answers for f in a["failed"]]
    out["connect_seconds"] = max((a["seconds"] for a in answers), default=0.0)
    state["n"] = n
    out["failed"] = len([f for f in failed if f[1] != "skipped"])
    out["skipped"] = len([f for f in failed if f[1] == "skipped"])
    out["failures_sample"] = sorted({f[1] for f in failed if f[1] != "skipped"})[:3]
    return out


def run_mode(mode: str, args, env: dict, data: Path, setup: dict) -> dict:
    result = {"mode": mode, "steps": [], "storms": [], "notes": []}
    server = ServerProcess(mode, env, data / f"server-{mode}.log")
    clients = profiler = None
    try:
        server.start()
        profiler = Profiler(args.profile, mode, server.pid)
        api = server.url + "/api/v1"
        chair = requests.Session()
        chair.headers["Authorization"] = f"Bearer {setup['chair_token']}"
        clients = Clients(args.procs, server.url)
        tokens = setup["tokens"]
        state = {"n": 0, "invited": 1, "moves": 0}  # setup invited member 0

        def move():
            return move_current(chair, api, setup, state, args.timeout)

        def grow(n: int) -> dict:
            return grow_session(clients, setup, state, n, args, env, data)

        # Baseline: one tablet connected and joined, one move made (lazy imports and first queries paid).
        first = grow(1)
        if first["failed"]:
            raise RuntimeError(f"the first tablet could not connect: {first['failures_sample']}")
        move()
        time.sleep(1.0)
        base_rss = server.rss_kib()
        result["baseline_rss_kib"], result["baseline_threads"] = base_rss, server.threads()

        def drops_so_far():
            statuses = clients.everyone("status", {}, 30)
            why: dict[str, int] = {}
            for s in statuses:
                for text, count in s["why"].items():
                    why[text] = why.get(text, 0) + count
            reasons = sorted({r for s in statuses for r in s["reasons"]})
            if why:  # engine.io's own words, with counts since the start (read loop ends, client side)
                reasons.append("; ".join(f"{count} × “{text}”" for text, count in
                                         sorted(why.items(), key=lambda kv: -kv[1])[:3]))
            return sum(s["drops"] for s in statuses), sum(s["connected"] for s in statuses), reasons

        for n in sorted(set(args.n)):
            step = {"n": n, "load_before": loadavg()}
            result["steps"].append(step)
            drops_before, _, _ = drops_so_far()
            profiler.start(f"connect-{n}")
            step.update(grow(n))
            profiler.stop()
            time.sleep(1.0)
            drops_after, live, reasons = drops_so_far()
            step.update(connected=live, dropped=drops_after - drops_before, drop_reasons=reasons,
                        rss_kib=server.rss_kib(), threads=server.threads())
            step["kib_per_tablet"] = (step["rss_kib"] - base_rss) / max(1, live - 1)
            print(f"[{mode}] N={n}: {live} connected ({step['reconnected']} were reconnected after a drop; "
                  f"{step['failed']} failed, {step['skipped']} not tried, {step['dropped']} dropped meanwhile) — "
                  f"invited in {step['invite_seconds']:.1f} s, connected and joined in {step['connect_seconds']:.1f} s; "
                  f"RSS {step['rss_kib'] / 1024:.0f} MiB; load {step['load_before']:.1f}", flush=True)

            latencies, post_ms, missed, firsts, spreads, lasts, traces = [], [], 0, [], [], [], []
            profiler.start(f"moves-{n}")
            cpu_before, clients_before = server.cpu_seconds(), clients.cpu_seconds()
            try:
                for _ in range(args.moves):
                    before = (server.cpu_seconds(), clients.cpu_seconds(), machine_jiffies())
                    sent, done, seq = move()
                    post_ms.append((done - sent) * 1000)
                    answers = clients.everyone("wait", {"event": "agenda.current", "key": [setup["session_id"], seq],
                                                        "idxs": None, "timeout": args.timeout}, args.timeout + 30)
                    arrivals = [t for answer in answers for _, t in answer["received"]]
                    for answer in answers:
                        missed += len(answer["expected"]) - len(answer["received"])
                    latencies.extend((t - sent) * 1000 for t in arrivals)
                    if arrivals:
                        firsts.append((min(arrivals) - sent) * 1000)
                        spreads.append((max(arrivals) - min(arrivals)) * 1000)
                        lasts.append(round((max(arrivals) - sent) * 1000))
                    after = (server.cpu_seconds(), clients.cpu_seconds(), machine_jiffies())
                    traces.append({"post": round((done - sent) * 1000),
                                   "first": round((min(arrivals) - sent) * 1000) if arrivals else None,
                                   "last": lasts[-1] if arrivals else None,
                                   "server_cpu": round((after[0] - before[0]) * 1000),
                                   "clients_cpu": round((after[1] - before[1]) * 1000),
                                   **{k: round(after[2][k] - before[2][k]) for k in ("busy", "idle", "steal")}})
                    time.sleep(args.pause)
                step["dropped_in_moves"] = drops_so_far()[0] - drops_after
            except (requests.RequestException, RuntimeError) as err:
                step["error"] = f"{type(err).__name__}: {err}"[:300]
                print(f"[{mode}] N={n}: broadcast failed: {step['error']}", flush=True)
            profiler.stop()
            step["cpu_ms_per_move"] = (server.cpu_seconds() - cpu_before) * 1000 / max(1, len(post_ms))
            step["clients_cpu_ms_per_move"] = (clients.cpu_seconds() - clients_before) * 1000 / max(1, len(post_ms))
            step.update(moves=len(post_ms), samples=len(latencies), missed=missed,
                        p50=pct(latencies, 0.5), p99=pct(latencies, 0.99),
                        max=max(latencies, default=float("nan")), post_p50=pct(post_ms, 0.5),
                        first_p50=pct(firsts, 0.5), spread_p50=pct(spreads, 0.5), last_per_move=lasts,
                        per_move=traces)
            if latencies:
                print(f"[{mode}] N={n}: last tablet of each move (ms): {lasts}", flush=True)
                print(f"[{mode}] N={n}: per move, ms: the POST, first and last tablet after it; then, from the "
                      "POST until every tablet had it, CPU of the server, of the clients, and the machine's "
                      "busy, idle and stolen time: "
                      + "; ".join(f"POST {t['post']} first {t['first']} last {t['last']} server {t['server_cpu']} "
                                  f"clients {t['clients_cpu']} machine busy {t['busy']} idle {t['idle']} "
                                  f"steal {t['steal']}" for t in traces), flush=True)
                print(f"[{mode}] N={n}: {len(post_ms)} moves, p50 {step['p50']:.1f} ms, p99 {step['p99']:.1f} ms, "
                      f"max {step['max']:.1f} ms, missed {missed}; POST p50 {step['post_p50']:.0f} ms, "
                      f"server CPU {step['cpu_ms_per_move']:.0f} ms/move", flush=True)

            if "error" in step or live < n or step["dropped"] >= args.give_up:
                result["notes"].append(
                    f"stopped at N={n}: " + (step.get("error") or
                                             f"{live} of {n} tablets connected; {step['failed']} failed to connect or "
                                             f"join, {step['skipped']} not tried (--give-up {args.give_up} or "
                                             f"--connect-budget {args.connect_budget:.0f} s reached), "
                                             f"{step['dropped']} dropped meanwhile; failures e.g. "
                                             f"{step['failures_sample']}; drops: {step['drop_reasons']}"))
                break

        if args.storm:
            # The vote, on its own: every tablet disconnects, then the voters connect to the vote's meeting.
            clients.everyone("disconnect_all", {}, 60)
            result["settle_seconds"] = settle(server, result["baseline_threads"])
            connected_by = None  # how the voters' tablets are connected: "token", "cookie", or not yet
            for via in args.ballots:
                before = drops_so_far()[0]
                door = "cookie" if via == "cookie" else "token"
                if connected_by not in (None, door):  # another way in: everyone leaves, the voters come back
                    clients.everyone("disconnect_all", {}, 60)
                    settle(server, result["baseline_threads"])
                    connected_by = None
                lost = [i for st in clients.everyone("status", {}, 30) for i in st["lost"]]
                todo = [(i, tokens[i], setup["usernames"][i] if door == "cookie" else None)
                        for i in (range(args.storm) if connected_by is None else lost)]
                reconnecting, connected_by = connected_by is not None, door
                started = time.time()
                answers = clients.ask([("connect", {"tablets_to_add": p, "meeting_id": setup["vote_id"],
                                                    "concurrency": args.concurrency, "timeout": args.timeout,
                                                    "give_up": args.give_up, "budget": args.connect_budget})
                                       if p else None for p in clients.split(todo)],
                                      args.connect_budget + 2 * args.timeout + 60)
                failed = [f for a in answers for f in a["failed"]]
                connect_seconds = time.time() - started
                if failed:
                    result["notes"].append(f"vote storm via {via} not run: {len(failed)} of {len(todo)} voters' tablets "
                                           f"could not connect, e.g. {failed[0]}")
                    continue
                try:
                    storm = vote_storm(args, clients, chair, api, setup, via, lambda: profiler.start(f"storm-{via}"))
                except (requests.RequestException, RuntimeError) as err:
                    result["notes"].append(f"vote storm via {via} failed: {type(err).__name__}: {err}"[:400])
                    continue
                finally:
                    profiler.stop()
                storm["connect_seconds"], storm["reconnected"] = connect_seconds, len(todo) if reconnecting else 0
                storm["connected_by"] = door
                storm["dropped"] = drops_so_far()[0] - before
                result["storms"].append(storm)
    except Exception as err:
        result["notes"].append(f"aborted: {type(err).__name__}: {err}"[:500])
        print(f"[{mode}] aborted: {err}", flush=True)
    finally:
        if clients is not None:
            clients.close()
        if profiler is not None:
            profiler.stop()
            if profiler.files:
                result["notes"].append("py-spy profiles of the server: " + ", ".join(profiler.files))
        server.stop()
        pauses = [line.rsplit(",", 1)[1].strip() for line in server.log_path.read_text(errors="replace").splitlines()
                  if "full garbage collection:" in line]
        if pauses:
            result["notes"].append(f"the server's timed full garbage collections (cabinet.serving, every "
                                   f"{args.gc_every or 'default'} s): " + ", ".join(pauses))
    return result


def vote_storm(args, clients: Clients, chair: requests.Session, api: str, setup: dict, via: str,
               before_ballots=lambda: None) -> dict:
    voters = list(range(args.storm))
    storm = {"via": via, "voters": len(voters)}
    created = chair.post(f"{api}/meetings/{setup['vote_id']}/polls", timeout=args.timeout,
                         json={"question": "Thông qua Nghị quyết về dự toán ngân sách năm 2027?",
                               "secret": True, "majority": "simple"})
    created.raise_for_status()
    poll = created.json()
    opened_at = time.time()
    chair.post(f"{api}/polls/{poll['id']}/open", timeout=args.timeout).raise_for_status()
    opened = [r for a in clients.ask([("wait", {"event": "poll.opened", "key": poll["id"], "idxs": p,
                                                "timeout": args.timeout}) if p else None
                                      for p in clients.split(voters)], args.timeout + 30) for r in a["received"]]
    storm["opened_p99"] = pct([(t - opened_at) * 1000 for _, t in opened], 0.99)

    before_ballots()
    start_at = time.time() + 1.0
    ballots = [b for a in clients.ask([("vote", {"idxs": p, "poll_id": poll["id"], "options": poll["options"],
                                                 "start_at": start_at, "spread": args.spread, "via": via,
                                                 "timeout": args.ballot_timeout}) if p else None
                                       for p in clients.split(voters)], args.ballot_timeout + 60) for b in a]
    close_sent = time.time()
    closed = chair.post(f"{api}/polls/{poll['id']}/close", timeout=args.timeout)
    close_done = time.time()
    closed.raise_for_status()
    waits = clients.ask([("wait", {"event": "poll.closed", "key": poll["id"], "idxs": p,
                                   "timeout": args.timeout}) if p else None for p in clients.split(voters)],
                        args.timeout + 30)
    received = [t for a in waits for _, t in a["received"]]
    progress = [c for a in waits for c in a["progress"].values()]
    final = chair.get(f"{api}/polls/{poll['id']}", timeout=args.timeout).json()
    # Counted for its own voter? Each voter's own receipt, read with its own token; and the published list.
    own = sum(a["matching"] for a in clients.ask(
        [("own_receipts", {"idxs": p, "poll_id": poll["id"], "tokens": [setup["tokens"][i] for i in p],
                           "timeout": args.timeout}) if p else None for p in clients.split(voters)],
        args.timeout * 4 + 60))
    published = chair.get(f"{api}/polls/{poll['id']}/receipts", timeout=args.timeout)
    published = published.json().get("receipts") if published.ok else None

    ok = [b for b in ballots if b["ok"]]
    first_sent = min(b["sent"] for b in ballots)
    last_sent = max(b["sent"] for b in ballots)
    last_ack = max(b["acked"] for b in ballots)
    expected = {}
    for b in ok:
        expected[b["option"]] = expected.get(b["option"], 0) + 1
    storm.update(
        poll_id=poll["id"], accepted=len(ok), errors=sorted({b["code"] for b in ballots if not b["ok"]}),
        error_count=len(ballots) - len(ok), distinct_receipts=len({b["receipt"] for b in ok}),
        own_receipts=own, published_receipts=None if published is None else len(published),
        published_match=published is not None and sorted(published) == sorted(b["receipt"] for b in ok),
        results=final.get("results"), results_sum=sum((final.get("results") or {}).values()),
        cast=final.get("cast"), results_match=final.get("results") is not None and all(
            final["results"].get(option, 0) == count for option, count in expected.items()),
        window_ms=(last_sent - first_sent) * 1000, all_acked_ms=(last_ack - first_sent) * 1000,
        ack_p50=pct([(b["acked"] - b["sent"]) * 1000 for b in ballots], 0.5),
        ack_p99=pct([(b["acked"] - b["sent"]) * 1000 for b in ballots], 0.99),
        ack_max=max((b["acked"] - b["sent"]) * 1000 for b in ballots),
        ack_to_close_ms=(close_sent - last_ack) * 1000, close_post_ms=(close_done - close_sent) * 1000,
        closed_received=len(received),
        closed_p50_ms=pct([(t - last_ack) * 1000 for t in received], 0.5),
        closed_all_ms=(max(received) - last_ack) * 1000 if received else float("nan"),
        end_to_end_ms=(max(received) - first_sent) * 1000 if received else float("nan"),
        last_ballot_to_final_ms=(max(received) - last_sent) * 1000 if received else float("nan"),
        progress_events=(min(progress, default=0), max(progress, default=0)))
    storm["passed"] = (storm["accepted"] == len(voters) and storm["error_count"] == 0
                       and storm["distinct_receipts"] == len(voters) and storm["results_sum"] == len(voters)
                       and storm["own_receipts"] == len(voters) and storm["published_match"]
                       and storm["cast"] == len(voters) and storm["results_match"]
                       and storm["closed_received"] == len(voters))
    print(f"[storm/{via}] {'passed' if storm['passed'] else 'FAILED'}: {storm['accepted']}/{len(voters)} ok, "
          f"errors {storm['errors']}, {storm['distinct_receipts']} distinct receipts, {storm['own_receipts']} "
          f"voters see their own, published {storm['published_receipts']} "
          f"({'same' if storm['published_match'] else 'DIFFERENT'}), results sum {storm['results_sum']}, cast "
          f"{storm['cast']}, all acked in {storm['all_acked_ms']:.0f} ms after the first ballot, "
          f"last ack → poll.closed on all {storm['closed_received']}: {storm['closed_all_ms']:.0f} ms; last ballot "
          f"sent → final tally on all: {storm['last_ballot_to_final_ms']:.0f} ms", flush=True)
    return storm


# --- report ----------------------------------------------------------------------------------------

def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal:"))
    versions = {}
    for name in ("Flask-SocketIO", "python-socketio", "python-engineio", "eventlet", "simple-websocket",
                 "Werkzeug", "aiohttp", "SQLAlchemy"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "-"
    def git(*command):
        try:
            return subprocess.run(["git", *command], cwd=ROOT, capture_output=True, text=True, timeout=30).stdout.rstrip()
        except (OSError, subprocess.SubprocessError):
            return ""
    changed = [line[3:] for line in git("status", "--porcelain", "--", "cabinet", "migrations").splitlines()]
    code = (git("rev-parse", "--short", "HEAD") or "?") + (
        f" plus uncommitted changes to {', '.join(changed)}" if changed else "")
    return {"nproc": len(os.sched_getaffinity(0)), "cpu": cpu, "mem_gib": mem / 1024 / 1024, "code": code,
            "kernel": platform.release(), "python": platform.python_version(), "versions": versions,
            "nofile": resource.getrlimit(resource.RLIMIT_NOFILE)[0]}


def filesystem(path: Path) -> str:
    """The type of the file system `path` is on (longest mount point that contains it)."""
    best, kind = "", "?"
    for line in Path("/proc/mounts").read_text().splitlines():
        parts = line.split()
        mount = parts[1]
        if str(path).startswith(mount.rstrip("/") + "/") and len(mount) > len(best):
            best, kind = mount, f"{parts[2]} ({parts[0]} on {mount})"
    return kind


def fmt(value, digits=0):
    if value is None or value != value:
        return "–"
    return f"{value:,.{digits}f}"


def goals(args, res: dict) -> list[str]:
    """One line per goal: met, missed or not reached, for this server mode."""
    steps = {s["n"]: s for s in res["steps"]}

    def broadcast(n, limit):
        s = steps.get(n)
        if s is None or not s.get("samples"):
            return f"not reached ({res['notes'][-1] if res['notes'] else 'not run'})" if n in args.n else "not run"
        ok = s["connected"] == n and not s["missed"] and s["p99"] < limit
        return f"{'met' if ok else 'MISSED'}: {s['connected']} connected, p99 {fmt(s['p99'], 1)} ms, {s['missed']} missed"

    out = [f"- broadcast p99 < 100 ms with 500 tablets — {broadcast(500, 100)}",
           f"- 2000 tablets connected, p99 < 500 ms — {broadcast(2000, 500)}"]
    for st in res["storms"]:
        ok = st["passed"] and st["last_ballot_to_final_ms"] < 1000
        out.append(f"- vote of {st['voters']} via {st['via']}: < 1 s, none lost or doubled — "
                   f"{'met' if ok else 'MISSED'}: {st['accepted']}/{st['voters']} accepted, results sum "
                   f"{st['results_sum']}, cast {st['cast']}, last ballot sent → final tally on all "
                   f"{fmt(st['last_ballot_to_final_ms'])} ms (ack p99 {fmt(st['ack_p99'])} ms)")
    if args.storm and not res["storms"]:
        out.append(f"- vote of {args.storm}: not run ({'; '.join(res['notes']) or 'not reached'})")
    return out


def report(args, info: dict, results: list, started: float, elapsed: float) -> str:
    h1, h2 = ("#", "##") if not args.append else ("##", "###")
    lines = [
        f"{h1} Live session benchmark (`bench/live.py`), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}",
        "",
        f"Machine: {info['nproc']} cores ({info['cpu']}), {info['mem_gib']:.1f} GiB RAM, Linux {info['kernel']}, "
        f"Python {info['python']}, RLIMIT_NOFILE {info['nofile']}. "
        "Versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()) + ". "
        f"Database: SQLite on {filesystem(args.data_dir)}. Code: {info['code']}. "
        f"Run took {elapsed / 60:.1f} minutes.", "",
        "```sh", ".venv/bin/python bench/live.py " + " ".join(sys.argv[1:]), "```", "",
        f"One server process on loopback; {args.procs} client processes (asyncio, python-socketio AsyncClient, "
        "websocket transport, one user per tablet, a token each except in the cookie door) on the same cores as "
        "the server, so latencies include the clients' own time to read and dispatch. For each N the session has N members invited (rows "
        "added between steps) and N tablets connected and joined (`join` → state); tablets are added (and those "
        "the server dropped are reconnected), never all reconnected. Dropped = connections that ended during the "
        "step without the client asking (the server closed them, or the client gave up waiting for the server's "
        f"PING). Latency = the chair's POST /agenda/current sent → a tablet's `agenda.current` handler "
        f"ran, over every (tablet, move) pair, {args.moves} moves per N, {args.pause} s apart; first tablet, "
        "first → last tablet and POST (how long the chair's POST took) are medians over the moves. CPU per move = "
        "utime+stime of the server (and of the client processes) over the moves ÷ moves. KiB / tablet = (VmRSS "
        "with N tablets − VmRSS with one tablet) ÷ (N − 1). Load = the machine's 1-minute load average when the "
        "step began: other work competing for the 2 cores, but also, in threading mode, the server's own "
        "thousands of threads.", ""]
    for res in results:
        lines += [f"{h2} {res['mode']}", ""]
        if "baseline_rss_kib" in res:
            lines += [f"Baseline (one tablet): RSS {res['baseline_rss_kib'] / 1024:.1f} MiB, "
                      f"{res['baseline_threads']} threads."
                      + (f" After the steps, every tablet disconnected; the server took {res['settle_seconds']:.0f} s "
                         "to be back to its baseline threads and answer /healthz within 1 s."
                         if "settle_seconds" in res else ""), ""]
        if res["steps"]:
            lines += ["| N | connected | dropped | connect + join (s) | moves | samples | missed | p50 (ms) | p99 (ms) | "
                      "max (ms) | first tablet (ms) | first → last tablet (ms) | POST (ms) | "
                      "CPU / move, server + clients (ms) | RSS (MiB) | KiB / tablet | threads | load |",
                      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
            for s in res["steps"]:
                lines.append(
                    f"| {s['n']} | {s['connected']} | {s['dropped'] + s.get('dropped_in_moves', 0)} | "
                    f"{fmt(s['connect_seconds'], 1)} | {s.get('moves', 0)} | "
                    f"{s.get('samples', 0)} | {s.get('missed', 0)} | {fmt(s.get('p50'), 1)} | {fmt(s.get('p99'), 1)} | "
                    f"{fmt(s.get('max'), 1)} | {fmt(s.get('first_p50'), 1)} | {fmt(s.get('spread_p50'), 1)} | "
                    f"{fmt(s.get('post_p50'), 1)} | {fmt(s.get('cpu_ms_per_move'))} + "
                    f"{fmt(s.get('clients_cpu_ms_per_move'))} | {s['rss_kib'] / 1024:.1f} | "
                    f"{fmt(s['kib_per_tablet'], 1)} | {s['threads']} | {s['load_before']:.1f} |")
            lines.append("")
            lines += [f"- N = {s['n']}, the last tablet of each move (ms after the POST): "
                      + ", ".join(map(str, s["last_per_move"])) for s in res["steps"] if s.get("last_per_move")]
            lines.append("")
        for st in res["storms"]:
            via = {"socket": "socket `ballot.cast` (receipt in the ack) on token-authenticated sockets",
                   "rest": "REST POST /api/v1/polls/{id}/ballots (Bearer token; the token sockets listen)",
                   "cookie": "socket `ballot.cast` on sockets authenticated by the session cookie of a login "
                             "through the login page, as a browser (Origin = the server)"}[st["via"]]
            lines += [f"Vote storm (after the broadcast steps, all tablets disconnected first): {st['voters']} "
                      f"checked-in members of a {st['voters']}-member meeting, each with a tablet connected and "
                      f"joined; one ballot each via {via} at a random moment of a "
                      f"{args.spread} s window; secret poll; the chair closes (REST) once the last ballot is "
                      f"acknowledged. Checks **{'passed' if st['passed'] else 'FAILED'}** (every ballot ok with a "
                      "distinct receipt, closed results = the ballots sent, `cast` = voters, `poll.closed` on every "
                      "voter's tablet, each voter's own receipt (its token) = the one it got, published receipts = "
                      "those received).", "",
                      "| measure | value |", "|---|---:|",
                      f"| ballots accepted / errors | {st['accepted']} / {st['error_count']} "
                      f"{' '.join(map(str, st['errors']))} |",
                      f"| distinct receipts / voters seeing their own / published after close | "
                      f"{st['distinct_receipts']} / {st['own_receipts']} / {st['published_receipts']} "
                      f"({'the same' if st['published_match'] else 'NOT the same'}) |",
                      f"| closed poll: results sum / `cast` | {st['results_sum']} / {st['cast']} "
                      f"({'matches' if st['results_match'] else 'DIFFERS from'} the ballots acknowledged) |",
                      f"| ballots sent over (first → last sent) | {fmt(st['window_ms'])} ms |",
                      f"| all acknowledged (first sent → last ack) | {fmt(st['all_acked_ms'])} ms |",
                      f"| ack latency p50 / p99 / max | {fmt(st['ack_p50'])} / {fmt(st['ack_p99'])} / "
                      f"{fmt(st['ack_max'])} ms |",
                      f"| last ack → chair's close sent | {fmt(st['ack_to_close_ms'], 1)} ms |",
                      f"| chair's close POST | {fmt(st['close_post_ms'])} ms |",
                      f"| last ack → `poll.closed` on all {st['closed_received']} tablets (p50 / all) | "
                      f"{fmt(st['closed_p50_ms'])} / {fmt(st['closed_all_ms'])} ms |",
                      f"| first ballot sent → `poll.closed` on all | {fmt(st['end_to_end_ms'])} ms |",
                      f"| **last ballot sent → final tally (`poll.closed`) on all** | "
                      f"{fmt(st['last_ballot_to_final_ms'])} ms |",
                      f"| `poll.progress` events per tablet (min–max) | {st['progress_events'][0]}–"
                      f"{st['progress_events'][1]} |",
                      f"| `poll.opened` p99 after the open POST | {fmt(st['opened_p99'])} ms |",
                      f"| voters' tablets {'logging in, ' if st.get('connected_by') == 'cookie' else ''}"
                      f"connecting and joining first | {fmt(st['connect_seconds'], 1)} s"
                      f"{' (reconnecting those the last storm dropped)' if st['reconnected'] else ''} |",
                      f"| tablets dropped during the storm | {st.get('dropped', 0)} |", ""]
        lines += ["Goals:", ""] + goals(args, res) + [""]
        if res["notes"]:
            lines += ["Notes:", ""] + [f"- {note}" for note in res["notes"]] + [""]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100, 500, 1000, 2000], help="connected tablets")
    parser.add_argument("--moves", type=int, default=10, help="current-item moves per N")
    parser.add_argument("--pause", type=float, default=0.3, help="seconds between two moves")
    parser.add_argument("--storm", type=int, default=500, help="voters in the vote storm (0: none)")
    parser.add_argument("--spread", type=float, default=1.0, help="seconds over which the ballots are cast")
    parser.add_argument("--ballots", nargs="+", choices=("socket", "rest", "cookie"), default=["socket"],
                        help="the vote storm's doors, one storm each: token socket, REST, cookie socket")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=["eventlet", "threading"])
    parser.add_argument("--procs", type=int, default=2, help="client processes")
    parser.add_argument("--concurrency", type=int, default=10, help="connections opened at once per process")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds for one connect, call or broadcast")
    parser.add_argument("--give-up", type=int, default=20,
                        help="failed connections or drops per client process before a step stops connecting")
    parser.add_argument("--connect-budget", type=float, default=120.0,
                        help="seconds a step may spend connecting tablets before it stops")
    parser.add_argument("--ballot-timeout", type=float, default=30.0, help="seconds a voter waits for the ack")
    parser.add_argument("--data-parent", type=Path, default=None,
                        help="where the temporary data folder goes (default: the system's; /dev/shm takes "
                             "SQLite's fsync out of the measurement)")
    parser.add_argument("--profile", default=None, metavar="PREFIX",
                        help="record the server with py-spy (raw stacks), one file per phase: "
                             "PREFIX-<mode>-<connect-N|moves-N|storm-VIA>.txt")
    parser.add_argument("--gc-every", type=float, default=None, metavar="SECONDS",
                        help="the server's full garbage collection interval (CABINET_GC_EVERY; default 300 s)")
    parser.add_argument("--keep", action="store_true", help="keep the data folder (server logs)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--append", action="store_true", help="add this run to --output instead of replacing it")
    args = parser.parse_args()
    if args.storm:
        args.storm = min(args.storm, max(args.n))

    raise_nofile()
    started = time.time()
    data = Path(tempfile.mkdtemp(prefix="cabinet-live-", dir=args.data_parent))
    args.data_dir = data
    results = []
    try:
        env = cabinet_env(data, CABINET_ARGON2_TIME_COST="1", CABINET_ARGON2_MEMORY_KIB="1024",
                          CABINET_SECURE_COOKIES="false",  # the cookie door logs in over plain http
                          **({"CABINET_GC_EVERY": str(args.gc_every)} if args.gc_every else {}))
        setup = make_site(env, data, max(args.n), args.storm, len(args.modes))
        print(f"setup: {max(args.n)} members, {args.storm} voters in {time.time() - started:.1f} s", flush=True)
        for number, mode in enumerate(args.modes):
            results.append(run_mode(mode, args, env, data, {**setup, **setup["meetings"][number]}))
    finally:
        if args.keep:
            print(f"data kept in {data}")
        else:
            shutil.rmtree(data, ignore_errors=True)
    text = report(args, machine(), results, started, time.time() - started)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    if args.append and args.output.exists():
        text = args.output.read_text().rstrip("\n") + "\n\n" + text
    args.output.write_text(text)
    print(text)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--_setup":
        made = setup_database(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
        (Path(os.environ["CABINET_DATA_DIR"]) / "setup.json").write_text(json.dumps(made))
    elif len(sys.argv) == 4 and sys.argv[1] == "--_invite":
        invite(int(sys.argv[2]), json.loads(Path(sys.argv[3]).read_text()))
    else:
        main()
