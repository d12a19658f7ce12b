"""The served OpenAPI document describes every /api/v1 route."""
import re


def _openapi_path(rule: str) -> str:
    path = rule[len("/api/v1"):]
    path = re.sub(r"<any\([^)]*\):(\w+)>", r"{\1}", path)
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path)


def test_every_api_rule_is_documented(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = _openapi_path(rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() not in document["paths"].get(path, {}):
                missing.append(f"{method} {path}")
    assert not missing, f"undocumented: {missing}"


def test_documented_routes_exist(app, client):
    """No stale entries either: every documented operation is served."""
    document = client.get("/api/v1/openapi.json").get_json()
    served = {(_openapi_path(r.rule), m.lower()) for r in app.url_map.iter_rules()
              if r.rule.startswith("/api/v1") for m in r.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, ops in document["paths"].items() if "servers" not in ops
                  for method in ops}
    assert documented == served


def test_healthz_is_documented_beside_the_api(client):
    """/healthz lies outside /api/v1: its path names its own server, and it needs no login."""
    health = client.get("/api/v1/openapi.json").get_json()["paths"]["/healthz"]
    assert health["servers"] == [{"url": "/"}] and health["get"]["security"] == []
    assert set(health["get"]["responses"]) == {"200", "503"}


def test_schema_references_resolve(client):
    document = client.get("/api/v1/openapi.json").get_json()
    refs = set(re.findall(r'"#/components/schemas/(\w+)"', client.get("/api/v1/openapi.json").get_data(as_text=True)))
    assert refs <= set(document["components"]["schemas"])
