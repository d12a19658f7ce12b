"""Issue 11: forty members logging in at once made GET /healthz wait 4–7 s, for argon2 ran on eventlet's
hub (and so did every tablet's broadcast). Password hashing now runs in real threads under `cabinet
serve`: a request that needs no hashing is answered while the logins are still being hashed."""
import threading
import time

import pytest
import requests

from ..servers import PASSWORD, Server, cabinet_env, run_cabinet

LOGINS = 12


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("logins")
    env = cabinet_env(data, CABINET_ARGON2_TIME_COST="3", CABINET_ARGON2_MEMORY_KIB="65536")  # the defaults
    run_cabinet(env, "init-db")
    for i in range(LOGINS):
        run_cabinet(env, "create-user", f"daibieu{i}", "--password-file", "-", "--full-name", f"Đại biểu {i}",
                    input=PASSWORD)
    srv = Server(env, data / "server.log").start()
    yield srv
    srv.stop()


def test_a_burst_of_logins_does_not_hold_other_requests(server):
    finished, start = [], threading.Barrier(LOGINS + 1)

    def log_in(i):
        start.wait()
        answer = requests.post(f"{server.url}/api/v1/auth/token", timeout=60,
                               json={"username": f"daibieu{i}", "password": PASSWORD})
        finished.append(("login", answer.status_code))

    threads = [threading.Thread(target=log_in, args=(i,)) for i in range(LOGINS)]
    for thread in threads:
        thread.start()
    start.wait()
    time.sleep(0.05)  # the logins are in
    health = requests.get(f"{server.url}/healthz", timeout=60)
    finished.append(("healthz", health.status_code))
    for thread in threads:
        thread.join(60)
    assert all(status in (200, 201) for _name, status in finished), finished
    logins_before = [name for name, _ in finished].index("healthz")
    # On the hub, every login that arrived first had to be hashed before /healthz could be answered.
    assert logins_before < LOGINS // 2, f"/healthz waited for {logins_before} of {LOGINS} logins"


def _nice_of_threads(pid: int) -> dict[int, int]:
    """Each thread's nice value (/proc/PID/task/TID/stat, field 19)."""
    from pathlib import Path
    values = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            values[int(task.name)] = int(task.joinpath("stat").read_text().rsplit(")", 1)[1].split()[16])
        except (OSError, IndexError, ValueError):
            continue  # a thread that ended meanwhile
    return values


def test_the_threads_that_hash_yield_the_cpu_to_the_event_loop(server):
    """argon2 runs four lanes a hash, two hashes at once: eight busy threads against the one event loop on
    two cores made a probe wait 176 ms at p99 (bench/logins.py). The pool's threads hash at the lowest
    priority (nice 19; argon2's lanes inherit it), so the loop that serves the tablets comes first."""
    answer = requests.post(f"{server.url}/api/v1/auth/token", timeout=60,
                           json={"username": "daibieu0", "password": PASSWORD})
    assert answer.status_code in (200, 201)
    pid = server.process.pid
    nice = _nice_of_threads(pid)
    assert nice[pid] == 0, "the event loop keeps its priority"
    assert 19 in nice.values(), nice


def test_logins_whose_password_trickles_in_do_not_hold_the_others(server):
    """Password posts go through the app four at a time (serving.logins_in_turn), but only once their body
    is in: six senders that stop halfway hold no place, and a member's login is answered meanwhile."""
    import socket
    from urllib.parse import urlsplit
    body = b'{"username": "daibieu1", "password": "' + PASSWORD.encode() + b'"}'
    where = urlsplit(server.url)
    stalled = []
    for path in ("/api/v1/auth/token", "/login") * 3:
        sock = socket.create_connection((where.hostname, where.port), timeout=30)
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: {where.netloc}\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:10])
        stalled.append(sock)
    try:
        time.sleep(0.3)
        started = time.monotonic()
        answer = requests.post(f"{server.url}/api/v1/auth/token", timeout=30,
                               json={"username": "daibieu2", "password": PASSWORD})
        assert answer.status_code == 201, answer.text
        assert time.monotonic() - started < 10
    finally:
        for sock in stalled:
            sock.close()
