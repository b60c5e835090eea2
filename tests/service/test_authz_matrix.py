"""The authorization matrix, generated from the app's URL map: every route x every role x
objects of another tenant is denied, and only the routes listed in service/public.py answer
without sign-in. A new route is covered the day it is added: if it takes a path parameter this
test does not know, the test fails and asks for one.

Documented answers: the API says 401 without sign-in and 403 for the wrong role; the pages send
anonymous visitors to the sign-in page and answer 403 for the wrong role; another tenant's
object is 404 everywhere (as if it did not exist, so ids cannot be probed)."""

import re
from dataclasses import dataclass

import pytest

from service.public import PUBLIC_ENDPOINTS
from tests.conftest import make_person
from tests.records import sent_prompt

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ROLES = ("admin", "therapist", "client")
# Bodies that pass validation, so that the ownership check (not a 422) answers.
BODIES = {
    "update_client": {"script_name": "Robin"},
    "create_assignment": {"practice_id": "watching-kindness"},
    "update_assignment": {"note": "gently"},
    "finish_session": {"post_distress": 3},
    "set_dose": {"max_level": 4},
    "release_hold": {"note": "spoke by phone"},
    "preview_schedule": {"schedule": {"times": ["10:00"]}},
    "erase_client": {"confirm": "sam"},
    "update_webhook": {"description": "x"},
    "update_therapist": {"active": False},
    "set_break": {"start": "2099-07-01", "end": "2099-07-14"},
}
# Form fields for pages, for the same reason.
FORMS = {
    "web.therapist_client_settings": {"display_name": "Robin", "timezone": "Europe/Berlin"},
    "web.therapist_release_hold": {"note": "spoke by phone"},
    "web.therapist_new_assignment": {"practice_id": "watching-kindness"},
    "web.therapist_edit_assignment": {"practice_id": "watching-kindness"},
    "web.client_finish": {"post_distress": "3"},
}


@dataclass
class World:
    """Tenant A (a therapist and their client with records of every kind) and tenant B."""

    ids: dict
    a_therapist: object
    a_client: object
    b_therapist: object
    b_client: object
    admin: object


@pytest.fixture
def world(app, client, therapist, patient, other_therapist, admin) -> World:
    t = therapist.headers
    assignment = client.post(
        f"/api/v1/clients/{patient.client_id}/assignments",
        headers=t,
        json={"practice_id": "self-compassion-break"},
    ).json["id"]
    session = client.post(
        "/api/v1/me/sessions",
        headers=patient.headers,
        json={"assignment_id": assignment, "pre_distress": 3},
    ).json["id"]
    endpoint = client.post(
        "/api/v1/webhooks", headers=t, json={"url": "https://companion.example.org/hook"}
    ).json["id"]
    prompt_id = str(sent_prompt(app, patient.client_id, assignment, slot="matrix"))
    # A crisis check-in gives tenant A an alert (and a hold, which changes no permission).
    client.post("/api/v1/me/checkins", headers=patient.headers, json={"distress": 9})
    alert = client.get("/api/v1/alerts", headers=t).json["items"][0]["id"]
    b_client = make_person(app, "client", "blake@example.org", therapist=other_therapist)
    return World(
        ids={
            "client_id": patient.client_id,
            "assignment_id": assignment,
            "session_id": session,
            "prompt_id": prompt_id,
            "alert_id": alert,
            "endpoint_id": endpoint,
            "therapist_id": therapist.id,
            "user_id": therapist.id,
            "practice_id": "watching-kindness",
            "token": "not-a-real-calendar-token",
            "filename": "css/base.css",
            "name": "swagger-ui.css",
            "sign_in_id": "00000000-0000-4000-8000-000000000000",
        },
        a_therapist=therapist,
        a_client=patient,
        b_therapist=other_therapist,
        b_client=b_client,
        admin=admin,
    )


def _routes(app):
    """(endpoint, method, path with A's ids) for every route of the URL map."""
    for rule in app.url_map.iter_rules():
        for method in sorted(set(rule.methods) & set(METHODS)):
            yield rule, method


def _fill(rule, ids: dict) -> str:
    unknown = [name for name in rule.arguments if name not in ids]
    assert not unknown, (
        f"{rule.endpoint} ({rule.rule}) takes {unknown}: add an object of tenant A for it to "
        "the world fixture of this test"
    )
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(ids[m[1]]), rule.rule)


def _operation_id(endpoint: str) -> str:
    return endpoint.split(".", 1)[1]


def _roles_of(app, endpoint: str):
    """The roles a route admits: from the API registry or the page decorator."""
    from service.api import api

    if endpoint.startswith("api."):
        op = next(o for o in api.operations if o.operation_id == _operation_id(endpoint))
        # None: public; (): any signed-in user; otherwise the roles named.
        return op.audience.roles if op.audience.signed_in else None
    return getattr(app.view_functions[endpoint], "hearth_roles", None)


def _web_client(app, person):
    """A browser-like test client signed in on the web, with its CSRF token."""
    browser = app.test_client()
    page = browser.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    response = browser.post(
        "/login", data={"email": person.email, "password": person.password, "csrf_token": token}
    )
    assert response.status_code == 302, f"web sign-in failed for {person.email}"
    home = browser.get("/").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', home)[1]
    return browser, csrf


def _api_call(client, method, path, person, endpoint):
    body = BODIES.get(_operation_id(endpoint))
    headers = person.headers if person else {}
    if method in ("GET", "DELETE") and body is None:
        return client.open(path, method=method, headers=headers)
    return client.open(path, method=method, headers=headers, json=body or {})


def test_every_public_endpoint_exists(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(PUBLIC_ENDPOINTS) <= endpoints, set(PUBLIC_ENDPOINTS) - endpoints


def test_anonymous_visitors_reach_only_the_public_endpoints(app, client, world):
    checked = 0
    for rule, method in _routes(app):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        path = _fill(rule, world.ids)
        response = client.open(path, method=method)
        checked += 1
        if rule.endpoint.startswith("api."):
            assert response.status_code == 401, (method, path, response.status_code)
        elif method == "POST":
            # A form post without a session has no valid CSRF token: refused before anything.
            assert response.status_code in (400, 302), (method, path, response.status_code)
            if response.status_code == 302:
                assert "/login" in response.headers["Location"]
        else:
            assert response.status_code == 302, (method, path, response.status_code)
            assert "/login" in response.headers["Location"], (method, path)
    assert checked > 60


def test_every_role_outside_a_route_is_refused(app, client, world):
    people = {"admin": world.admin, "therapist": world.a_therapist, "client": world.a_client}
    browsers = {role: _web_client(app, person) for role, person in people.items()}
    refused = 0
    for rule, method in _routes(app):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        roles = _roles_of(app, rule.endpoint)
        assert roles is not None, f"{rule.endpoint} is neither public nor role-checked"
        path = _fill(rule, world.ids)
        for role in ROLES:
            if not roles or role in roles:
                continue
            if rule.endpoint.startswith("api."):
                response = _api_call(client, method, path, people[role], rule.endpoint)
            else:
                browser, csrf = browsers[role]
                data = {"csrf_token": csrf, **FORMS.get(rule.endpoint, {})}
                response = browser.open(path, method=method, data=data if method != "GET" else None)
            assert response.status_code == 403, (role, method, path, response.status_code)
            refused += 1
    assert refused > 50


def test_another_tenants_objects_are_404_everywhere(app, client, world):
    """Tenant B (a therapist and a client) aimed at every route with tenant A's objects."""
    owned = {"client_id", "assignment_id", "session_id", "prompt_id", "alert_id", "endpoint_id"}
    people = {"therapist": world.b_therapist, "client": world.b_client}
    browsers = {role: _web_client(app, person) for role, person in people.items()}
    checked = set()
    for rule, method in _routes(app):
        if not owned & set(rule.arguments):
            continue
        roles = _roles_of(app, rule.endpoint)
        path = _fill(rule, world.ids)
        for role, person in people.items():
            if roles and role not in roles:
                continue  # the role test above covers it
            if rule.endpoint.startswith("api."):
                response = _api_call(client, method, path, person, rule.endpoint)
            else:
                browser, csrf = browsers[role]
                data = {"csrf_token": csrf, **FORMS.get(rule.endpoint, {})}
                response = browser.open(path, method=method, data=data if method != "GET" else None)
            assert response.status_code == 404, (
                role,
                method,
                path,
                response.status_code,
                response.get_data(as_text=True)[:300],
            )
            checked.add(rule.endpoint)
    assert len(checked) >= 25, sorted(checked)
    # The refusals changed nothing: tenant A's records answer A as before.
    t = world.a_therapist.headers
    cid = world.ids["client_id"]
    assert client.get(f"/api/v1/clients/{cid}", headers=t).status_code == 200
    assignments = client.get(f"/api/v1/clients/{cid}/assignments", headers=t).json["items"]
    assert [a["id"] for a in assignments] == [world.ids["assignment_id"]]
    deliveries = f"/api/v1/webhooks/{world.ids['endpoint_id']}/deliveries"
    assert client.get(deliveries, headers=t).status_code == 200


def test_ids_in_bodies_are_checked_like_ids_in_paths(client, world):
    """Tenant B's client names tenant A's assignment, or a practice not shared with them."""
    headers = world.b_client.headers
    theirs = {"assignment_id": world.ids["assignment_id"], "pre_distress": 3}
    assert client.post("/api/v1/me/sessions", headers=headers, json=theirs).status_code == 404
    unshared = {"practice_id": "giving-and-receiving", "pre_distress": 3}
    assert client.post("/api/v1/me/sessions", headers=headers, json=unshared).status_code == 404
    schedule = {"schedule": {"times": ["10:00"]}}
    other = f"/api/v1/clients/{world.ids['client_id']}/schedule/preview"
    assert client.post(other, headers=world.b_therapist.headers, json=schedule).status_code == 404
