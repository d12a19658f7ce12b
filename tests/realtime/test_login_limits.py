"""Review of issue 11's login limits: failed-login buckets that a network attacker without an account can
get around (docs: README, CABINET_LOGIN_RATE_LIMIT / CABINET_LOGIN_IP_RATE_LIMIT)."""
import threading

import pytest
import requests

from .. import factories
from ..servers import PASSWORD, Server, cabinet_env, run_cabinet

GUESSES = 20


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory):
    data = tmp_path_factory.mktemp("review-limits")
    env = cabinet_env(data)
    env.update(CABINET_RATELIMIT="true", CABINET_LOGIN_RATE_LIMIT="3 per minute",
               CABINET_LOGIN_IP_RATE_LIMIT="30 per minute",
               CABINET_ARGON2_TIME_COST="2", CABINET_ARGON2_MEMORY_KIB="8192")
    run_cabinet(env, "init-db")
    run_cabinet(env, "create-user", "nannhan", "--password-file", "-", "--full-name", "Nạn nhân", input=PASSWORD)
    srv = Server(env, data / "server.log").start()
    yield srv
    srv.stop()


def test_concurrent_guesses_are_held_to_the_per_username_limit(limited_server):
    """Three failed logins a minute per address and username: an attacker who sends twenty guesses at once
    gets three checked, not twenty. The limit is tested before the hash and counted after it, so every
    request that arrives while the others are being hashed passes the test (login_attempts.py)."""
    answers, start = [], threading.Barrier(GUESSES)

    def guess(i):
        start.wait()
        answer = requests.post(f"{limited_server.url}/api/v1/auth/token", timeout=120,
                               json={"username": "nannhan", "password": f"doan-sai-{i:04d}"})
        answers.append(answer.status_code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(GUESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    checked = answers.count(401)
    assert checked <= 3, f"{checked} of {GUESSES} concurrent guesses had their password checked: {sorted(answers)}"


def test_the_per_address_limit_counts_both_doors_together(app, client, make, monkeypatch):
    """README: CABINET_LOGIN_IP_RATE_LIMIT is "failed logins per address". Flask-Limiter's decorators give
    /login and /api/v1/auth/token a bucket each, so an address gets the limit twice over."""
    monkeypatch.setitem(app.config, "LOGIN_IP_RATE_LIMIT", "3 per minute")
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "100 per minute")
    address = {"REMOTE_ADDR": "10.66.6.1"}
    for i in range(3):
        answer = client.post("/api/v1/auth/token", json={"username": f"khong-co-{i}", "password": "sai-sai-sai"},
                             environ_base=address)
        assert answer.status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": "khong-co-9", "password": "sai-sai-sai"},
                       environ_base=address).status_code == 429  # the API door's own bucket is used up
    token = factories.csrf_token(client)
    page = client.post("/login", data={"username": "khong-co-10", "password": "sai-sai-sai", "csrf_token": token},
                       environ_base=address)
    assert page.status_code == 429, f"the login page checked a 4th guess from the same address ({page.status_code})"
