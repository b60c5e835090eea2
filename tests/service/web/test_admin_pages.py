"""The admin pages: therapists listed, created (with a password or an invitation) and
disabled; the deployment's crisis resources; access control and CSRF."""

import re

from tests.conftest import make_person


def csrf_of(page: str) -> str:
    """The form token on a page."""
    return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]


def web_session(app, email: str, password: str = "a-long-test-password"):
    """A test client signed in through the login form; returns (client, csrf token)."""
    browser = app.test_client()
    token = csrf_of(browser.get("/login").get_data(as_text=True))
    response = browser.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return browser, csrf_of(browser.get("/").get_data(as_text=True))


def text(response) -> str:
    """The page as text."""
    return response.get_data(as_text=True)


def can_sign_in(app, email: str, password: str) -> bool:
    """Whether the login form accepts these credentials."""
    browser = app.test_client()
    token = csrf_of(browser.get("/login").get_data(as_text=True))
    response = browser.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    return response.status_code == 302


def test_admin_home_lists_therapists_with_their_clients(app, admin, therapist, patient):
    browser, _ = web_session(app, admin.email)
    page = text(browser.get("/"))
    assert "Administration" in page and "rowan@example.org" in page
    assert re.search(r"<td>rowan@example.org</td>\s*<td>1</td>", page)
    assert text(browser.get("/admin/therapists")).count("rowan@example.org") == 1


def test_create_a_therapist_with_a_password(app, admin):
    browser, token = web_session(app, admin.email)
    data = {
        "csrf_token": token,
        "name": "Dr. Lee",
        "email": "Lee@Example.org",
        "password": "lees-own-password",
    }
    response = browser.post("/admin/therapists", data=data)
    page = text(response)
    assert response.status_code == 201
    assert "Dr. Lee" in page and "lee@example.org" in page and "sign in with the password" in page
    assert can_sign_in(app, "lee@example.org", "lees-own-password")


def test_create_a_therapist_with_an_invitation_link(app, admin):
    browser, token = web_session(app, admin.email)
    data = {"csrf_token": token, "name": "Dr. Kim", "email": "kim@example.org", "password": ""}
    page = text(browser.post("/admin/therapists", data=data))
    link = re.search(r'id="invite-link" readonly value="([^"]+)"', page)[1]
    assert link.startswith("http://hearth.test/welcome?code=hti_")
    assert "invited" in page
    code = link.split("code=")[1]
    visitor = app.test_client()
    welcome = text(visitor.get(f"/welcome?code={code}"))
    accepted = visitor.post(
        "/welcome",
        data={
            "csrf_token": csrf_of(welcome),
            "code": code,
            "password": "kims-new-password",
            "password_again": "kims-new-password",
        },
    )
    assert accepted.status_code == 302
    assert "Your dashboard" in text(visitor.get("/"))
    assert "invited" not in text(browser.get("/")).split("kim@example.org")[1][:200]


def test_create_errors_sit_next_to_the_field_and_keep_entries(app, admin, therapist):
    browser, token = web_session(app, admin.email)
    cases = [
        ({"email": "rowan@example.org"}, "email", "already exists"),
        ({"email": "not-an-email"}, "email", "Write a full email address"),
        ({"name": ""}, "name", "Write their name"),
        ({"password": "short"}, "password", "at least 12 characters"),
    ]
    for changes, field, message in cases:
        data = {
            "csrf_token": token,
            "name": "Dr. Mo",
            "email": "mo@example.org",
            "password": "",
            **changes,
        }
        response = browser.post("/admin/therapists", data=data)
        page = text(response)
        assert response.status_code == 422, changes
        error = re.search(rf'<p class="field-error" id="err-{field}">([^<]+)</p>', page)
        assert error and message in error[1], (changes, page[:200])
        if field != "name":
            assert 'value="Dr. Mo"' in page
        assert 'type="password"' in page and "short" not in page  # a password is never echoed
    assert "mo@example.org" not in text(browser.get("/"))


def test_disable_and_enable_a_therapist(app, client, admin, therapist):
    browser, token = web_session(app, admin.email)
    page = text(browser.get("/"))
    action = re.search(r'action="(/admin/therapists/[^/]+/active)"', page)[1]
    assert client.get("/api/v1/clients", headers=therapist.headers).status_code == 200
    response = browser.post(action, data={"csrf_token": token, "active": "0"})
    assert response.status_code == 302
    page = text(browser.get("/"))
    assert "is disabled" in page and '<span class="tag">disabled</span>' in page
    assert not can_sign_in(app, therapist.email, therapist.password)
    assert client.get("/api/v1/clients", headers=therapist.headers).status_code == 401
    assert browser.post(action, data={"csrf_token": token, "active": "1"}).status_code == 302
    assert can_sign_in(app, therapist.email, therapist.password)


def test_a_disabled_therapists_open_session_ends(app, admin, therapist):
    theirs, _ = web_session(app, therapist.email)
    browser, token = web_session(app, admin.email)
    action = re.search(r'action="(/admin/therapists/[^/]+/active)"', text(browser.get("/")))[1]
    browser.post(action, data={"csrf_token": token, "active": "0"})
    assert theirs.get("/").status_code == 302


def test_admin_pages_refuse_others_and_stale_forms(app, admin, therapist, patient):
    for person in (therapist, patient):
        browser, token = web_session(app, person.email)
        assert browser.get("/admin/therapists").status_code == 403
        assert browser.get("/admin/crisis-resources").status_code == 403
        refused = browser.post(
            "/admin/therapists",
            data={"csrf_token": token, "name": "X", "email": "x@example.org"},
        )
        assert refused.status_code == 403
    browser, _ = web_session(app, admin.email)
    stale = browser.post("/admin/therapists", data={"name": "X", "email": "x@example.org"})
    assert stale.status_code == 400 and "nothing was saved" in text(stale)
    assert "x@example.org" not in text(browser.get("/"))
    other = make_person(app, "admin", "root@example.org", sign_in=False)
    action = f"/admin/therapists/{other.id}/active"  # an admin is not a therapist: 404
    token = csrf_of(text(browser.get("/")))
    assert browser.post(action, data={"csrf_token": token}).status_code == 404


def test_admin_sets_the_deployment_crisis_resources(app, client, admin, patient):
    browser, token = web_session(app, admin.email)
    assert "neutral default" in text(browser.get("/admin/crisis-resources"))
    data = {
        "csrf_token": token,
        "intro": "Help is here.",
        "label-0": "Samaritans",
        "text-0": "Any time, day or night.",
        "phone-0": "116 123",
        "url-0": "",
    }
    assert browser.post("/admin/crisis-resources", data=data).status_code == 302
    seen = client.get("/api/v1/me/crisis-resources", headers=patient.headers).json
    assert seen["source"] == "deployment" and seen["items"][0]["label"] == "Samaritans"
    bad = browser.post("/admin/crisis-resources", data={**data, "url-0": "ftp://x"})
    assert bad.status_code == 422 and "starting with https://" in text(bad)


def test_admin_is_asked_for_the_local_crisis_line_until_it_is_saved(app, client, admin, patient):
    browser, token = web_session(app, admin.email)
    home = text(browser.get("/"))
    assert 'id="crisis-unconfirmed"' in home and "Enter your local crisis line" in home
    page = text(browser.get("/admin/crisis-resources"))
    assert "Not yet confirmed for this service" in page and "Crisis line" in page
    default = client.get("/api/v1/me/crisis-resources", headers=patient.headers).json
    assert default["source"] == "default" and default["confirmed"] is False
    # The placeholder never shows the client a made-up number.
    assert all(item["phone"] is None and item["url"] is None for item in default["items"])
    refused = browser.post("/admin/crisis-resources", data={"csrf_token": token, "intro": ""})
    assert refused.status_code == 422 and "Not yet confirmed" in text(refused)
    data = {
        "csrf_token": token,
        "intro": "Help is here.",
        "label-0": "Crisis line",
        "text-0": "Any time, day or night.",
        "phone-0": "116 123",
    }
    assert browser.post("/admin/crisis-resources", data=data).status_code == 302
    assert "crisis-unconfirmed" not in text(browser.get("/"))
    assert "Not yet confirmed" not in text(browser.get("/admin/crisis-resources"))
    saved = client.get("/api/v1/me/crisis-resources", headers=patient.headers).json
    assert saved["confirmed"] is True and saved["items"][0]["phone"] == "116 123"
    assert client.get("/api/v1/crisis-resources", headers=admin.headers).json["confirmed"] is True
