"""Does a long minutes rendering stall the live session? Broadcast latency with and without renders.

    .venv/bin/python bench/live_render.py            # 100 tablets, 30 moves each phase
    .venv/bin/python bench/live_render.py --tablets 200 --moves 50

One `cabinet serve` (eventlet, SQLite); N tablets (python-socketio AsyncClient over websocket, one
process); the chair moves the current item every --pause seconds and every tablet's `agenda.current`
handler records the delay from the POST being sent. Phase A: nothing else. Phase B: the same while
another client keeps asking for the draft minutes PDF (about 50 pages, rendered anew each time by
WeasyPrint in the PDF worker child), back to back. Needs `pip install -e '.[bench]'` (aiohttp).
"""
from __future__ import annotations

import argparse
import asyncio
import io
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.servers import Server, cabinet_env, run_cabinet  # noqa: E402

PASSWORD = "mat-khau-rat-dai"
CONCLUSION = ("<p>Hội đồng nhân dân thành phố thống nhất với nội dung Tờ trình của Ủy ban nhân dân thành phố; "
              "giao Ủy ban nhân dân thành phố chỉ đạo các phòng, ban chuyên môn và Ủy ban nhân dân các phường, "
              "xã tổ chức thực hiện, định kỳ báo cáo kết quả tại các kỳ họp thường lệ.</p>") * 10


def percentile(values, q):
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def prepare(url: str, tablets: int) -> dict:
    api = url + "/api/v1"

    def token(username):
        answer = requests.post(api + "/auth/token", json={"username": username, "password": PASSWORD})
        answer.raise_for_status()
        return {"Authorization": f"Bearer {answer.json()['token']}"}, answer.json()["user"]["id"]

    admin, _ = token("quantri")
    meeting = requests.post(api + "/meetings", headers=admin, json={
        "title": "Kỳ họp thứ 12 HĐND thành phố", "starts_at": "2026-12-20T08:00:00+07:00"}).json()
    mid = meeting["id"]
    items = [requests.post(f"{api}/meetings/{mid}/agenda", headers=admin,
                           json={"title": f"Nội dung {n + 1}: Nghị quyết chuyên đề"}).json()["id"] for n in range(40)]
    people = {}
    for name, role in [("chutoa", "chair"), ("thuky", "secretary")] + [(f"db{i}", "member") for i in range(tablets)]:
        user = requests.post(api + "/users", headers=admin, json={"username": name, "full_name": f"Đại biểu {name}",
                                                                  "password": PASSWORD}).json()
        requests.post(f"{api}/meetings/{mid}/participants", headers=admin, json={"user_id": user["id"], "role": role})
        people[name] = token(name)[0]
    requests.post(f"{api}/meetings/{mid}/publish", headers=admin).raise_for_status()
    requests.post(f"{api}/meetings/{mid}/start", headers=admin).raise_for_status()
    minutes = requests.post(f"{api}/meetings/{mid}/minutes", headers=people["thuky"]).json()
    requests.put(f"{api}/minutes/{minutes['id']}", headers=people["thuky"],
                 json={"conclusions": {str(i): CONCLUSION for i in items}}).raise_for_status()
    return {"api": api, "mid": mid, "items": items, "chair": people["chutoa"], "secretary": people["thuky"],
            "minutes_id": minutes["id"], "tokens": [people[f"db{i}"]["Authorization"].split()[1] for i in range(tablets)]}


async def measure(url: str, setup: dict, moves: int, pause: float, render: bool) -> dict:
    import aiohttp
    import socketio

    sent: dict[int, float] = {}
    delays: list[float] = []
    clients = []
    for token in setup["tokens"]:
        sio = socketio.AsyncClient(reconnection=False)

        @sio.on("agenda.current")
        async def moved(data):
            if data["item_id"] in sent:
                delays.append(time.perf_counter() - sent[data["item_id"]])

        await sio.connect(url, auth={"token": token}, transports=["websocket"])
        await sio.call("join", {"meeting_id": setup["mid"]}, timeout=30)
        clients.append(sio)
    renders, stop = [], threading.Event()

    def keep_rendering():
        while not stop.is_set():
            start = time.perf_counter()
            response = requests.get(f"{setup['api']}/minutes/{setup['minutes_id']}/pdf", headers=setup["secretary"])
            response.raise_for_status()
            pages = len(PdfReader(io.BytesIO(response.content)).pages)
            renders.append((time.perf_counter() - start, pages))

    renderer = threading.Thread(target=keep_rendering, daemon=True)
    if render:
        renderer.start()
        await asyncio.sleep(1.0)  # the first rendering is under way
    async with aiohttp.ClientSession(headers=setup["chair"]) as http:
        for n in range(moves):
            item = setup["items"][n % len(setup["items"])]
            sent.pop(setup["items"][(n - 1) % len(setup["items"])], None)
            sent[item] = time.perf_counter()
            async with http.post(f"{setup['api']}/meetings/{setup['mid']}/agenda/current", json={"item_id": item}) as r:
                assert r.status == 200, await r.text()
            await asyncio.sleep(pause)
    stop.set()
    if render:
        renderer.join()
    for sio in clients:
        await sio.disconnect()
    return {"delays": delays, "renders": renders}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tablets", type=int, default=100)
    parser.add_argument("--moves", type=int, default=30)
    parser.add_argument("--pause", type=float, default=0.3)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="cabinet-bench-render-"))
    env = cabinet_env(data, CABINET_ARGON2_TIME_COST="1", CABINET_ARGON2_MEMORY_KIB="1024")
    run_cabinet(env, "init-db")
    run_cabinet(env, "create-user", "quantri", "--password-file", "-", "--full-name", "Quản trị", "--role", "admin",
                "--role", "secretariat", input=PASSWORD)
    server = Server(env, data / "server.log").start()
    try:
        setup = prepare(server.url, args.tablets)
        print(f"# Broadcast latency while minutes render (`bench/live_render.py`), "
              f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
        print(f"{os.cpu_count()} cores; one `cabinet serve` (eventlet, SQLite); {args.tablets} tablets in one client "
              f"process; {args.moves} moves per phase, {args.pause} s apart; load {os.getloadavg()[0]:.1f}.\n")
        print("| phase | samples | p50 (ms) | p99 (ms) | max (ms) | renders during the phase |")
        print("|---|---:|---:|---:|---:|---|")
        for render in (False, True):
            result = asyncio.run(measure(server.url, setup, args.moves, args.pause, render))
            delays = [d * 1000 for d in result["delays"]]
            note = "–"
            if result["renders"]:
                times = [t for t, _ in result["renders"]]
                note = (f"{len(times)} × {result['renders'][0][1]} pages, median "
                        f"{statistics.median(times):.2f} s each")
            print(f"| {'rendering minutes back to back' if render else 'quiet'} | {len(delays)} | "
                  f"{statistics.median(delays):.1f} | {percentile(delays, 0.99):.1f} | {max(delays):.1f} | {note} |")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
