"""Web sign-in: the cookie's attributes, CSRF on every form, a home page per role."""

import re

from tests.conftest import make_person


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]


def _sign_in(client, email, password):
    token = _csrf(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def test_login_page_is_labelled_and_calm(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<label for="email">' in page and '<label for="password">' in page
    assert "<script" not in page


def test_sign_in_sets_a_safe_cookie_and_shows_the_role_home(app, client, therapist):
    response = _sign_in(client, therapist.email, therapist.password)
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Your dashboard" in client.get("/").get_data(as_text=True)


def test_client_home_never_names_the_goal(app, client, patient):
    _sign_in(client, patient.email, patient.password)
    page = client.get("/").get_data(as_text=True).lower()
    assert "self-compassion" not in page and "hello" in page


def test_wrong_password_keeps_the_email_and_explains(client, therapist):
    response = _sign_in(client, therapist.email, "nope-nope-nope")
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "did not match" in page and f'value="{therapist.email}"' in page


def test_form_without_csrf_token_is_refused_and_explained(client, therapist):
    response = client.post(
        "/login", data={"email": therapist.email, "password": therapist.password}
    )
    assert response.status_code == 400
    assert "nothing was saved" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out


def test_logout_needs_the_token_and_ends_the_session(client, therapist):
    _sign_in(client, therapist.email, therapist.password)
    assert client.post("/logout").status_code == 400
    token = _csrf(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_home_requires_sign_in_and_redirects_back(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login?next=/" in response.headers["Location"]


def test_open_redirect_after_sign_in_is_refused(client, therapist):
    token = _csrf(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login?next=//evil.example",
        data={"email": therapist.email, "password": therapist.password, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_api_with_cookie_needs_csrf_header_for_changes(client, therapist):
    _sign_in(client, therapist.email, therapist.password)
    assert client.get("/api/v1/clients").status_code == 200
    refused = client.post("/api/v1/clients", json={"display_name": "A"})
    assert refused.status_code == 403 and "X-CSRF-Token" in refused.json["detail"]
    token = _csrf(client.get("/").get_data(as_text=True))
    accepted = client.post(
        "/api/v1/clients", json={"display_name": "A"}, headers={"X-CSRF-Token": token}
    )
    assert accepted.status_code == 201


def test_welcome_page_accepts_an_invitation(app, client, therapist):
    created = client.post(
        "/api/v1/clients",
        headers=therapist.headers,
        json={"display_name": "Noor", "email": "noor@example.org"},
    ).json
    code = created["invitation"]["token"]
    page = client.get(f"/welcome?code={code}").get_data(as_text=True)
    data = {
        "csrf_token": _csrf(page),
        "code": code,
        "password": "a-sunlit-passphrase",
        "password_again": "different-one",
    }
    mismatch = client.post("/welcome", data=data)
    assert mismatch.status_code == 400 and "not the same" in mismatch.get_data(as_text=True)
    data["password_again"] = "a-sunlit-passphrase"
    assert client.post("/welcome", data=data).status_code == 302
    assert "Hello" in client.get("/").get_data(as_text=True)


def test_security_headers_and_docs_page(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    page = response.get_data(as_text=True)
    assert "/api/docs/assets/js/swagger-ui-bundle.js" in page and "https://" not in page
    with client.get("/api/docs/assets/js/swagger-ui-bundle.js") as asset:
        assert asset.status_code == 200 and len(asset.data) > 100_000


def test_unknown_page_is_a_calm_404(client):
    response = client.get("/nowhere")
    assert response.status_code == 404 and "Nothing here" in response.get_data(as_text=True)
    api = client.get("/api/v1/nowhere")
    assert api.status_code == 404 and api.mimetype == "application/problem+json"


def test_admin_home(app, client):
    admin = make_person(app, "admin", "root@example.org", sign_in=False)
    _sign_in(client, admin.email, admin.password)
    assert "Administration" in client.get("/").get_data(as_text=True)


def test_api_answers_are_not_cached_and_tls_gets_hsts(client, therapist):
    plain = client.get("/api/v1/me", headers=therapist.headers)
    assert plain.headers["Cache-Control"] == "no-store"
    assert plain.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in plain.headers
    secure = client.get("/api/v1/me", headers=therapist.headers, base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
