def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["redis"] == "not configured"
    assert body["database"]["ok"] is True and body["database"]["ms"] >= 0
