"""GET /healthz for monitors: the database and a real redis-server (with a password), no login; a Redis
that stops answering makes it 503 within about a second, never a hang, and the answer names no URL."""
import os
import signal
import time

import pytest

from ..servers import RedisServer

REDIS_PASSWORD = "redis-mat-khau-bi-mat"


@pytest.fixture()
def redis(app, tmp_path, monkeypatch):
    server = RedisServer(tmp_path, password=REDIS_PASSWORD)
    monkeypatch.setitem(app.config, "REDIS_URL", server.url)
    yield server
    if server.process.poll() is None:
        os.kill(server.process.pid, signal.SIGCONT)
    server.stop()


def _health(client):
    started = time.monotonic()
    response = client.get("/healthz")
    return response, time.monotonic() - started


def test_database_and_redis_answer(client, redis):
    response, _ = _health(client)
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["redis"]["ok"] and body["redis"]["ms"] >= 0
    text = response.get_data(as_text=True)
    assert REDIS_PASSWORD not in text and "redis://" not in text and str(redis.port) not in text


def test_a_redis_that_stops_answering_is_503_within_a_second(client, redis):
    assert _health(client)[0].status_code == 200
    os.kill(redis.process.pid, signal.SIGSTOP)  # connected, but silent: the case a socket timeout is for
    response, took = _health(client)
    assert response.status_code == 503 and took < 1.5, took
    assert response.get_json()["status"] == "degraded" and response.get_json()["redis"]["ok"] is False
    assert response.get_json()["database"]["ok"] is True
    os.kill(redis.process.pid, signal.SIGCONT)
    assert _health(client)[0].status_code == 200  # back without a restart
    redis.stop()  # gone altogether: refused at once
    response, took = _health(client)
    assert response.status_code == 503 and took < 1.5 and response.get_json()["status"] == "degraded"


def test_a_wrong_redis_password_is_not_ok_and_not_shown(client, redis, app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", redis.url.replace(REDIS_PASSWORD, "sai-mat-khau"))
    response, _ = _health(client)
    assert response.status_code == 503 and "sai-mat-khau" not in response.get_data(as_text=True)
