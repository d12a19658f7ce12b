"""Review of issue 11: "malformed … JSON → 400 with the usual error shape". JSON may carry \\u0000 in a
string; PostgreSQL's text cannot hold NUL, and psycopg2 refuses such a parameter (ValueError) before
the query runs. An unauthenticated caller gets a 500 from the token API and the login page, and the
failure is neither counted against the address nor answered in the documented shape."""
from .. import factories


def test_a_nul_in_the_username_is_an_ordinary_refusal(client):
    answer = client.post("/api/v1/auth/token", json={"username": "khong-ai\x00x", "password": "mat-khau-dai-du"})
    assert answer.status_code in (400, 401), answer.status_code
    assert answer.get_json()["error"]["code"] in ("invalid_credentials", "malformed_json", "invalid_input")


def test_a_nul_in_the_login_form_is_an_ordinary_refusal(client):
    token = factories.csrf_token(client)
    answer = client.post("/login", data={"username": "khong-ai\x00x", "password": "mat-khau-dai-du",
                                         "csrf_token": token})
    assert answer.status_code in (400, 401), answer.status_code
