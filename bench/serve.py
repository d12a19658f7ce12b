"""Serving the 50 MB PDF from a real `cabinet serve` (eventlet) over loopback.

    .venv/bin/python bench/serve.py      # = --readers 50 --single 10 --runs 3 --cold-runs 2 --small 10

Setup (a temporary data folder, removed at the end; the server is stopped at the end, also on
errors; its log is kept as bench/.cache/serve-last.log): `cabinet init-db` and `cabinet create-user`
for one secretariat account and --readers members (slow, so done once: that database is cached in
bench/.cache/site-N/, copied for each run, then `cabinet init-db` again to follow the schema); a
published meeting with all members invited; the 50 MB / 300-page PDF of bench/make_pdf.py uploaded
once with access `participants` (every reader gets a copy stamped with their name, made on their
first request) and once with access `public` (everyone gets the stored bytes).

What is measured (client: `requests`, one thread per reader, each reader with their own token):
1. Opening one document, one reader at a time (--single readers, each once cold then twice warm):
   TTFB = request sent → response headers of `Range: bytes=0-65535`; first page = that request's
   body plus a second `Range` for the last 1 MiB (where the xref is) — roughly what PDF.js needs
   before it can paint page 1 of a linear-less PDF. "cold" = the reader's first request of that
   participants document, so it includes stamping their copy; "warm" = the copy exists.
2. --readers readers fetching the whole file at the same moment (a barrier): participants warm
   (every reader's copy already made) and public (same bytes for all), --runs times each;
   participants cold (a freshly uploaded document each run, so every reader's copy is stamped during
   the run), --cold-runs times; participants cold with only --small readers, --runs times.
   Failed requests are counted (with the exceptions the server logged), not hidden.
   Per run: wall time (first request sent → last byte received) and aggregate MB/s; per request
   (all runs pooled): TTFB and total time, median/p90/max. Also sampled every 0.1 s: peak number
   of PDF children alive (since session 4 the warm ones are always there: the minutes renderer and
   one stamping child per core) and peak RSS of the server plus its children; per run, the CPU seconds
   of the server and of its workers (/proc/PID/stat), which do not depend on what else the machine runs.
Goal (from the issue): the first page of a document in about a second.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from make_pdf import CACHE, image_pdf  # noqa: E402
from tests.servers import Server, cabinet_env, run_cabinet  # noqa: E402

PASSWORD = "mat-khau-rat-dai"
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
GIVEN = ["Thị Thu Hà", "Văn Bình", "Minh Khôi", "Thị Ngọc Ánh", "Quốc Việt"]
FIRST_RANGE, TAIL_RANGE = 65536, 1024 * 1024
CHUNK = 1024 * 1024


def pct(values, q):
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# --- setup -------------------------------------------------------------------------------------

class Site:
    """The server, its accounts and documents."""

    def __init__(self, data: Path, members: int):
        self.data, self.members, self.server = data, members, None
        # Cold openings are what is measured: no copies made ahead in the background (docs/DOCUMENTS.md).
        self.env = cabinet_env(data, CABINET_PREPARE_COPIES="false")

    def start(self) -> "Site":
        members, data = self.members, self.data
        names = [f"daibieu{i:02d}" for i in range(1, members + 1)]
        template = CACHE / f"site-{members}"
        if not template.exists():
            self._make_accounts(names, template)
        shutil.copytree(template, data, dirs_exist_ok=True)
        run_cabinet(self.env, "init-db")  # upgrades the cached database if the schema moved on
        self.server = Server(self.env, data / "server.log")
        self.server.start()
        self.api = self.server.url + "/api/v1"
        self.staff = {"Authorization": f"Bearer {self.token('vanphong')[0]}"}
        self.readers = [self.token(name) for name in names]  # [(token, user id)]
        meeting = self.post("/meetings", json={"title": "Kỳ họp thường lệ (đo hiệu năng)",
                                               "starts_at": "2026-12-20T08:00:00+07:00"})
        self.meeting_id = meeting["id"]
        self.post(f"/meetings/{self.meeting_id}/agenda", json={"title": "Báo cáo kinh tế – xã hội"})
        for _, user_id in self.readers:
            self.post(f"/meetings/{self.meeting_id}/participants",
                      json={"user_id": user_id, "role": "member"})
        requests.post(f"{self.api}/meetings/{self.meeting_id}/publish", headers=self.staff).raise_for_status()
        return self

    def _make_accounts(self, names: list[str], template: Path) -> None:
        """init-db and `cabinet create-user` for everyone (about 1.5 s of CPU per account: process start
        and argon2), once; the database is kept under bench/.cache/ and copied for later runs."""
        scratch = Path(tempfile.mkdtemp(prefix="cabinet-accounts-"))
        try:
            env = cabinet_env(scratch)
            run_cabinet(env, "init-db")
            run_cabinet(env, "create-user", "vanphong", "--password-file", "-", "--full-name",
                        "Lê Thị Thu Hà", "--role", "secretariat", input=PASSWORD)
            with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:  # SQLite: few writers at once
                list(pool.map(lambda i: run_cabinet(env, "create-user", names[i], "--password-file", "-",
                                                    "--full-name", f"{FAMILY[i % 10]} {GIVEN[i // 10 % 5]}",
                                                    input=PASSWORD),
                              range(len(names))))
            partial = template.with_name(template.name + ".part")
            shutil.rmtree(partial, ignore_errors=True)
            shutil.copytree(scratch, partial)
            partial.replace(template)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def token(self, username):
        answer = requests.post(self.api + "/auth/token", json={"username": username, "password": PASSWORD})
        answer.raise_for_status()
        return answer.json()["token"], answer.json()["user"]["id"]

    def post(self, path, **kwargs):
        answer = requests.post(self.api + path, headers=self.staff, **kwargs)
        if answer.status_code >= 300:
            raise RuntimeError(f"POST {path}: {answer.status_code} {answer.text[:300]}")
        return answer.json()

    def upload(self, pdf: Path, access: str) -> tuple[int, int, float]:
        """(document id, size, seconds for the upload including the server's checks)."""
        started = time.perf_counter()
        with pdf.open("rb") as handle:
            document = self.post(f"/meetings/{self.meeting_id}/documents",
                                 files={"file": (pdf.name, handle, "application/pdf")},
                                 data={"access": access, "title": f"Phụ lục ảnh ({access})"})
        return document["id"], document["version"]["size"], time.perf_counter() - started

    def file_url(self, document_id):
        return f"{self.api}/documents/{document_id}/file"

    def log_text(self) -> str:
        return (self.data / "server.log").read_text(errors="replace")

    def stop(self):
        if self.server is not None:
            self.server.stop()


# --- memory of the server and its workers -------------------------------------------------------

class TreeSampler(threading.Thread):
    """Every 0.1 s: how many children the server has (stamping workers) and the RSS of it and them."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.stop_event = pid, threading.Event()
        self.peak_children, self.peak_rss_mib = 0, 0.0

    @staticmethod
    def _status(pid):
        try:
            fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
            return int(fields["PPid"]), int(fields.get("VmRSS", "0 kB").split()[0]) / 1024
        except (OSError, ValueError, KeyError):
            return None, 0.0

    def run(self):
        while not self.stop_event.wait(0.1):
            children, rss = 0, self._status(self.pid)[1]
            for entry in os.scandir("/proc"):
                if entry.name.isdigit() and entry.name != str(self.pid):
                    parent, child_rss = self._status(entry.name)
                    if parent == self.pid:
                        children, rss = children + 1, rss + child_rss
            self.peak_children = max(self.peak_children, children)
            self.peak_rss_mib = max(self.peak_rss_mib, rss)

    def stop(self):
        self.stop_event.set()
        self.join()


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU time (user + system) of the server itself and of its children (the PDF workers): those that
    ended (counted in the server's cutime/cstime) and those still running (the warm ones, since session 4)."""
    def times(p):
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        return [int(v) for v in fields[11:15]], int(fields[1])  # utime stime cutime cstime, ppid

    tick = os.sysconf("SC_CLK_TCK")
    (utime, stime, cutime, cstime), _ = times(pid)
    children = cutime + cstime
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and entry.name != str(pid):
            try:
                (c_utime, c_stime, _, _), parent = times(entry.name)
            except (OSError, ValueError, IndexError):
                continue
            if parent == pid:
                children += c_utime + c_stime
    return (utime + stime) / tick, children / tick


# --- measurements ------------------------------------------------------------------------------

def open_first_page(url: str, token: str) -> tuple[float, float]:
    """(TTFB, time to the bytes of page 1) for one opening, PDF.js-style, on a new connection."""
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token}"
        started = time.perf_counter()
        head = session.get(url, headers={"Range": f"bytes=0-{FIRST_RANGE - 1}"}, stream=True)
        ttfb = time.perf_counter() - started
        assert head.status_code == 206, (head.status_code, head.text[:300])
        assert len(head.content) == FIRST_RANGE
        total = int(head.headers["Content-Range"].rsplit("/", 1)[1])
        tail = session.get(url, headers={"Range": f"bytes={total - TAIL_RANGE}-{total - 1}"})
        assert tail.status_code == 206 and len(tail.content) == TAIL_RANGE, tail.status_code
        return ttfb, time.perf_counter() - started


def fetch_together(url: str, tokens: list[str], expected_size: int | None) -> dict:
    """Every token fetches the whole file at once (after a barrier); failures are counted."""
    barrier = threading.Barrier(len(tokens))
    results = [None] * len(tokens)

    def reader(index):
        with requests.Session() as session:
            barrier.wait()
            started = time.perf_counter()
            answer = session.get(url, headers={"Authorization": f"Bearer {tokens[index]}"}, stream=True)
            ttfb = time.perf_counter() - started
            size = sum(len(chunk) for chunk in answer.iter_content(CHUNK))
            results[index] = (started, ttfb, time.perf_counter(), size, answer.status_code,
                              answer.headers.get("ETag"))

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(len(tokens))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ok = [r for r in results if r[4] == 200]
    if expected_size is not None:
        assert all(r[3] == expected_size for r in ok), "short or wrong-size reads"
    return {"wall": max(r[2] for r in results) - min(r[0] for r in results),
            "ttfb": [r[1] for r in ok], "total": [r[2] - r[0] for r in ok], "bytes": sum(r[3] for r in ok),
            "failed": [(r[4], r[2] - r[0]) for r in results if r[4] != 200], "etags": {r[5] for r in ok}}


def stats_line(label, values, unit="s"):
    return (f"{label:<44} {len(values):>4} {statistics.median(values):>9.3f} {pct(values, 0.9):>9.3f} "
            f"{min(values):>9.3f} {max(values):>9.3f}  {unit}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cold-runs", type=int, default=2, help="runs of the all-readers cold case (slow)")
    parser.add_argument("--single", type=int, default=10, help="readers for the one-at-a-time openings")
    parser.add_argument("--small", type=int, default=10,
                        help="also a cold run with this many readers (0: no)")
    args = parser.parse_args()
    pdf = image_pdf()
    data = Path(tempfile.mkdtemp(prefix="cabinet-bench-"))
    site = Site(data, args.readers)
    began = time.perf_counter()
    try:
        site.start()
        setup_s = time.perf_counter() - began
        tokens = [token for token, _ in site.readers]
        uploads = []
        stamped_id, size, seconds = site.upload(pdf, "participants")
        uploads.append(seconds)
        public_id, _, seconds = site.upload(pdf, "public")
        uploads.append(seconds)
        print(f"server {site.server.url} (eventlet), {args.readers} readers; setup {setup_s:.1f} s; "
              f"file {pdf.name} {size / 1e6:.1f} MB; "
              f"uploads took {', '.join(f'{s:.2f}' for s in uploads)} s; "
              f"load average at start {os.getloadavg()[0]:.2f}\n")

        # 1. one reader at a time
        single = tokens[:args.single]
        pid = site.server.process.pid
        cpu_before = cpu_seconds(pid)
        cold = [open_first_page(site.file_url(stamped_id), t) for t in single]
        cpu_after = cpu_seconds(pid)
        cold_server_cpu = (cpu_after[0] - cpu_before[0]) / len(single)
        cold_worker_cpu = (cpu_after[1] - cpu_before[1]) / len(single)
        warm = [open_first_page(site.file_url(stamped_id), t) for _ in range(2) for t in single]
        public = [open_first_page(site.file_url(public_id), t) for _ in range(3) for t in single]
        header = (f"{'opening one document, one reader at a time':<44} {'n':>4} {'median':>9} {'p90':>9} "
                  f"{'min':>9} {'max':>9}")
        print(header)
        print("-" * len(header))
        for label, rows in (("participants, cold (stamps the copy)", cold), ("participants, warm", warm),
                            ("public", public)):
            print(stats_line(f"{label}: TTFB", [r[0] for r in rows]))
            print(stats_line(f"{label}: first page", [r[1] for r in rows]))
        print(f"CPU per cold opening: stamping worker {cold_worker_cpu:.2f} s, "
              f"server {cold_server_cpu:.2f} s\n")

        # 2. everyone at once
        scenarios = {}  # name -> [outcome per run]
        peaks = {}  # name -> (most children alive, peak RSS MiB)

        def measured(name, url, readers, expected=None):
            sampler = TreeSampler(site.server.process.pid)
            sampler.start()
            cpu_before = cpu_seconds(site.server.process.pid)
            try:
                outcome = fetch_together(url, readers, expected)
            finally:
                sampler.stop()
            cpu_after = cpu_seconds(site.server.process.pid)
            outcome["server_cpu"] = cpu_after[0] - cpu_before[0]
            outcome["worker_cpu"] = cpu_after[1] - cpu_before[1]
            children, rss = peaks.get(name, (0, 0.0))
            peaks[name] = (max(children, sampler.peak_children), max(rss, sampler.peak_rss_mib))
            scenarios.setdefault(name, []).append(outcome)
            return outcome

        # warm: the document of part 1, once every reader has their copy (made two at a time)
        url = site.file_url(stamped_id)
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            list(pool.map(lambda token: requests.get(url, timeout=300, headers={
                "Authorization": f"Bearer {token}", "Range": "bytes=0-0"}).raise_for_status(), tokens))
        for _ in range(args.runs):
            measured(f"participants, warm, {len(tokens)}", url, tokens)
        # cold: a new document for each run, so that nobody has a copy yet
        for group, runs in ((tokens, args.cold_runs), (tokens[:args.small], args.runs)):
            if group is not tokens and not 0 < len(group) < len(tokens):
                continue
            for _ in range(runs):
                document_id, _, _ = site.upload(pdf, "participants")
                cold = measured(f"participants, cold, {len(group)}", site.file_url(document_id), group)
                assert len(cold["etags"]) == len(cold["total"]), "each reader should get their own copy"
        for _ in range(args.runs):
            outcome = measured(f"public, {len(tokens)}", site.file_url(public_id), tokens, size)
            assert len(outcome["etags"]) <= 1, "public readers should all get the same bytes"

        header = (f"{'scenario, readers at once':<26} {'runs':>4} {'failed':>7} {'wall med':>9} "
                  f"{'wall max':>9} {'MB/s med':>9} {'req med':>8} {'req p90':>8} {'req max':>8} "
                  f"{'TTFB med':>9} {'TTFB p90':>9} "
                  f"{'workers':>8} {'peak RSS':>9} {'srv CPU':>8} {'wrk CPU':>8}")
        print(header)
        print("-" * len(header))
        for name, outcomes in scenarios.items():
            walls = [o["wall"] for o in outcomes]
            rates = [o["bytes"] / o["wall"] / 1e6 for o in outcomes]
            totals = [t for o in outcomes for t in o["total"]] or [float("nan")]
            ttfbs = [t for o in outcomes for t in o["ttfb"]] or [float("nan")]
            failed = sum(len(o["failed"]) for o in outcomes)
            requested = failed + sum(len(o["total"]) for o in outcomes)
            children, rss = peaks[name]
            print(f"{name:<26} {len(outcomes):>4} {f'{failed}/{requested}':>7} "
                  f"{statistics.median(walls):>9.2f} "
                  f"{max(walls):>9.2f} {statistics.median(rates):>9.0f} {statistics.median(totals):>8.2f} "
                  f"{pct(totals, 0.9):>8.2f} {max(totals):>8.2f} {statistics.median(ttfbs):>9.2f} "
                  f"{pct(ttfbs, 0.9):>9.2f} {children:>8} {rss:>5.0f} MiB "
                  f"{statistics.median(o['server_cpu'] for o in outcomes):>8.1f} "
                  f"{statistics.median(o['worker_cpu'] for o in outcomes):>8.1f}")
        print("(times in s; req/TTFB over successful requests of all runs; workers = most server\n"
              " children alive at once, the warm ones included; peak RSS = server + children;\n"
              " srv/wrk CPU = median CPU s per run of the server / of its workers)")
        failures = [(name, f) for name, outcomes in scenarios.items() for o in outcomes for f in o["failed"]]
        if failures:
            print("\nfailed requests:")
            for name in dict.fromkeys(n for n, _ in failures):
                mine = [f for n, f in failures if n == name]
                codes = Counter(code for code, _ in mine)
                listed = ", ".join(f"{code} x{count}" for code, count in sorted(codes.items()))
                seconds = [t for _, t in mine]
                print(f"  {name}: {listed}, after {min(seconds):.1f}-{max(seconds):.1f} s")
            errors = re.findall(r"^(\w[\w.]*(?:Error|Exception)): (.{0,110})", site.log_text(), re.M)
            for (kind, message), count in Counter(errors).most_common(3):
                print(f"  server log: {count} x {kind}: {message}")
        print(f"\ngoal: first page in about a second. Total bench time {time.perf_counter() - began:.0f} s; "
              f"load average at end {os.getloadavg()[0]:.2f}")
    finally:
        site.stop()
        if (data / "server.log").exists():
            shutil.copy(data / "server.log", CACHE / "serve-last.log")
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
