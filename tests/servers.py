"""Real servers for tests: `cabinet serve` (eventlet) in a subprocess on a free port, or the same app in
the threading async mode (Werkzeug's threaded server: real concurrency between requests)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

CABINET = str(Path(sys.executable).with_name("cabinet"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cabinet_env(data_dir: Path, **extra) -> dict:
    # Not FLASK_RUN_FROM_CLI either: Flask's CLI runner (tests/unit/test_cli.py) leaves it set in this
    # process, and a server started with it refuses to run.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CABINET_") and k != "FLASK_RUN_FROM_CLI"}
    env.update(CABINET_DATA_DIR=str(data_dir), CABINET_RATELIMIT="false", **extra)
    return env


def run_cabinet(env: dict, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    """`cabinet ARGS` in a child; secrets go on `input` (its standard input), never in ARGS."""
    result = subprocess.run([CABINET, *args], env=env, capture_output=True, text=True, timeout=120, input=input)
    assert result.returncode == 0, f"cabinet {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


THREADED_SERVER = """
from cabinet import create_app
from cabinet.extensions import socketio
socketio.run(create_app(), host="127.0.0.1", port={port}, allow_unsafe_werkzeug=True)
"""


class Server:
    """`cabinet serve` on a free port (CABINET_ASYNC_MODE=threading in `env`: the threaded server);
    `stop()` ends it, `start()` starts it again on the same port. `cabinet`, `cwd`: another installation's
    script, started from another folder."""

    def __init__(self, env: dict, log_path: Path, cabinet: str = CABINET, cwd: Path | None = None):
        self.env, self.log_path, self.cabinet, self.cwd = env, log_path, cabinet, cwd
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> "Server":
        log = self.log_path.open("ab")
        command = [sys.executable, "-c", THREADED_SERVER.format(port=self.port)] \
            if self.env.get("CABINET_ASYNC_MODE") == "threading" \
            else [self.cabinet, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                        cwd=self.cwd)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not answer /healthz:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class RedisServer:
    """A real redis-server on a free port of 127.0.0.1, no persistence; `password` sets requirepass."""

    def __init__(self, folder: Path, password: str | None = None):
        import shutil
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is missing: `make test` installs it (.ci/services.sh)")
        self.port = free_port()
        auth = f":{password}@" if password else ""
        self.url = f"redis://{auth}127.0.0.1:{self.port}/0"
        # The password goes in a config file read on stdin's stead: not on this test's command line either.
        config = folder / "redis.conf"
        config.write_text(f"port {self.port}\nbind 127.0.0.1\nsave \"\"\nappendonly no\ndir {folder}\n"
                          + (f"requirepass {password}\n" if password else ""))
        self.process = subprocess.Popen([binary, str(config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(64).startswith((b"+PONG", b"-NOAUTH")):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


# --- clients of a real server: what a tablet or a browser does -------------------------------------------

PASSWORD = "mat-khau-rat-dai"


def bearer(server: Server, username: str, password: str = PASSWORD) -> str:
    """An API token, as a tablet app gets one."""
    answer = requests.post(f"{server.url}/api/v1/auth/token", json={"username": username, "password": password})
    assert answer.status_code == 201, answer.text
    return answer.json()["token"]


def session_cookie(server: Server, username: str, password: str = PASSWORD) -> str:
    """Log in through the login page as a browser does; the `Cookie` header it then sends."""
    import re
    browser = requests.Session()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', browser.get(f"{server.url}/login").text).group(1)
    answer = browser.post(f"{server.url}/login", data={"username": username, "password": password,
                                                       "csrf_token": csrf}, allow_redirects=False)
    assert answer.status_code == 302, answer.text[:500]
    return f"cabinet_session={browser.cookies['cabinet_session']}"


def events_within(client, seconds: float) -> list:
    """Every (name, payload) a python-socketio SimpleClient receives in the next `seconds`."""
    import socketio
    received, deadline = [], time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            received.append(client.receive(timeout=left))
        except (socketio.exceptions.TimeoutError, socketio.exceptions.DisconnectedError):
            break
    return received


def wait_disconnected(client, seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while client.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    return not client.connected
