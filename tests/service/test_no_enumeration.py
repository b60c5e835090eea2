"""No enumeration through a client's email (issue 15, item 5): whatever a therapist gives as a
client's address, everything they see afterwards is the same whether or not another account
already has it (another practice's client, a colleague, an admin, one of their own clients).
The owner of a taken address is told by email and keeps their account untouched; the code
handed over tells only whoever uses it; the conflict is audited for the admin."""

import itertools
import json
import re
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from tests.conftest import make_person
from tests.service.web.test_therapist_pages import csrf_of, text, web_session

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CODE = re.compile(r"hti_[A-Za-z0-9_-]{20,}")
WHEN = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?")
PASSWORD = "a-long-test-password"


def _blank(value, *words: str) -> str:
    """What a therapist sees, without what differs on every call (ids, codes, times) and
    without the words that differ by design (the address and name they typed)."""
    seen = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    for word in words:
        seen = re.sub(re.escape(word), "<typed>", seen, flags=re.IGNORECASE)
    seen = UUID.sub("<id>", CODE.sub("<code>", seen))
    seen = re.sub(r"csrf_token\" value=\"[^\"]+", "<csrf>", seen)
    return WHEN.sub("<time>", seen)


def _owners(app, therapist) -> dict:
    """Accounts whose address a therapist might type: each kind of person hearth knows."""
    elsewhere = make_person(app, "therapist", "elsewhere@example.org", sign_in=False)
    return {
        "another practice's client": make_person(
            app, "client", "in.therapy@example.org", therapist=elsewhere, sign_in=False
        ),
        "a colleague": elsewhere,
        "an admin": make_person(app, "admin", "runs.hearth@example.org", sign_in=False),
        "their own client": make_person(
            app, "client", "already.mine@example.org", therapist=therapist, sign_in=False
        ),
        "themselves": therapist,
    }


def _create(client, who, email: str, name: str = "Kai Moreno"):
    body = {"display_name": name, "timezone": "Europe/Berlin", "email": email}
    return client.post("/api/v1/clients", headers=who.headers, json=body)


def _audit_actions(client, who, client_id: str) -> list:
    page = client.get(f"/api/v1/clients/{client_id}/audit", headers=who.headers).json
    return [(row["action"], row["outcome"]) for row in page["items"]]


def _signs_in(client, person, password: str = PASSWORD) -> bool:
    body = {"email": person.email, "password": password}
    return client.post("/api/v1/auth/token", json=body).status_code == 201


@pytest.mark.parametrize(
    "kind",
    [
        "another practice's client",
        "a colleague",
        "an admin",
        "their own client",
        "themselves",
    ],
)
def test_the_api_answers_a_taken_address_as_it_answers_a_fresh_one(
    app, client, therapist, admin, kind
):
    owner = _owners(app, therapist)[kind]
    fresh = _create(client, therapist, "brand.new@example.org")
    taken = _create(client, therapist, owner.email.upper())
    assert fresh.status_code == taken.status_code == 201
    assert taken.json["email"] == owner.email and taken.json["login"] == "invited"
    assert _blank(taken.json, owner.email) == _blank(fresh.json, "brand.new@example.org")
    ids = fresh.json["id"], taken.json["id"]
    views = [client.get(f"/api/v1/clients/{i}", headers=therapist.headers).json for i in ids]
    assert _blank(views[1], owner.email) == _blank(views[0], "brand.new@example.org")
    again = [client.post(f"/api/v1/clients/{i}/invitation", headers=therapist.headers) for i in ids]
    assert [r.status_code for r in again] == [201, 201]
    assert _blank(again[1].json) == _blank(again[0].json)
    assert _audit_actions(client, therapist, ids[1]) == _audit_actions(client, therapist, ids[0])
    exports = [
        client.get(f"/api/v1/clients/{i}/export", headers=therapist.headers).json for i in ids
    ]
    assert _blank(exports[1], owner.email) == _blank(exports[0], "brand.new@example.org")
    # The owner's account is exactly as it was: the password works, nothing was revoked.
    assert _signs_in(client, owner)
    # The admin sees the conflict, against the owner's account and outside the client's record.
    rows = client.get(
        "/api/v1/audit", headers=admin.headers, query_string={"action": "client.email_taken"}
    ).json["items"]
    assert [(r["target_id"], r["client_id"]) for r in rows] == [(owner.id, None)] * 2


def test_the_handed_over_code_tells_only_its_holder_and_changes_nothing(
    app, client, therapist, other_therapist, admin
):
    owner = make_person(app, "client", "in.therapy@example.org", therapist=other_therapist)
    fresh = _create(client, therapist, "brand.new@example.org").json["invitation"]
    taken = _create(client, therapist, owner.email).json["invitation"]
    # The welcome page before a password is typed is the same for both codes.
    visitor = app.test_client()
    pages = [visitor.get(f"/welcome?code={i['token']}") for i in (fresh, taken)]
    assert pages[0].status_code == pages[1].status_code == 200
    assert _blank(text(pages[1])) == _blank(text(pages[0]))

    # A weak password is refused alike, and leaves both codes as they were.
    def accept(code, password):
        body = {"token": code, "password": password}
        return client.post("/api/v1/auth/invitations/accept", json=body)

    weak = [accept(i["token"], "aaaaaaaaaaaaaa") for i in (fresh, taken)]
    assert [w.status_code for w in weak] == [422, 422]
    assert weak[0].json["detail"] == weak[1].json["detail"]
    # Using it: an honest answer to its holder, the code used up as an invitation would be,
    # and the account stays its owner's.
    answer = accept(taken["token"], "someone-elses-new-password")
    assert answer.status_code == 409
    assert "already has a hearth account" in answer.json["detail"]
    assert "different email address" in answer.json["detail"]
    assert accept(taken["token"], "someone-elses-new-password").status_code == 404
    made = client.get("/api/v1/clients", headers=therapist.headers).json["items"]
    pending = next(c for c in made if c["email"] == owner.email)
    again = client.post(f"/api/v1/clients/{pending['id']}/invitation", headers=therapist.headers)
    web = visitor.post(
        "/welcome",
        data={
            "csrf_token": csrf_of(text(pages[1])),
            "code": again.json["token"],
            "password": "someone-elses-new-password",
            "password_again": "someone-elses-new-password",
        },
    )
    assert web.status_code == 400 and "already has a hearth account" in text(web)
    assert visitor.get("/").status_code == 302  # nobody was signed in
    assert _signs_in(client, owner)
    assert not _signs_in(client, owner, "someone-elses-new-password")
    assert client.get("/api/v1/me", headers=owner.headers).status_code == 200
    refused = client.get(
        "/api/v1/audit",
        headers=admin.headers,
        query_string={"action": "auth.accept_invitation"},
    ).json["items"]
    assert [(r["outcome"], r["actor_id"], r["target_id"]) for r in refused] == [
        ("denied", None, owner.id)
    ] * 2


def test_the_owner_is_told_by_email_and_the_therapist_sees_the_same_page(mailing_app, database_url):
    app, inbox = mailing_app
    therapist = make_person(app, "therapist", "rowan@example.org")
    elsewhere = make_person(app, "therapist", "elsewhere@example.org", sign_in=False)
    owner = make_person(app, "client", "in.therapy@example.org", therapist=elsewhere)
    browser, token = web_session(app, therapist)

    def add(email):
        form = {"display_name": "Kai Moreno", "email": email, "timezone": "Europe/Berlin"}
        return browser.post("/clients/new", data={"csrf_token": token, **form})

    fresh, taken = add("brand.new@example.org"), add(owner.email)
    assert fresh.status_code == taken.status_code == 201
    assert _blank(text(taken), owner.email) == _blank(text(fresh), "brand.new@example.org")
    assert "Sent by email" in text(taken) and owner.email in text(taken)
    inbox.wait_for(2)
    (invitation,) = inbox.to("brand.new@example.org")
    (notice,) = inbox.to(owner.email)
    assert "invited you" in invitation["Subject"] and "tried to invite you" in notice["Subject"]
    body = notice.get_body(("plain",)).get_content()
    assert "different email address" in body and "were not told" in body
    assert "Kai" not in body and "/welcome" not in body and "/login" in body
    # The API tells the owner too (in the background), and answers as for a fresh address.
    api = app.test_client()
    made = _create(api, therapist, owner.email.upper())
    assert made.status_code == 201 and made.json["invitation"]["token"].startswith("hti_")
    inbox.wait_for(3)
    assert len(inbox.to(owner.email)) == 2


def test_moving_a_clients_address_to_a_taken_one_looks_like_any_move(
    app, client, therapist, other_therapist
):
    owner = make_person(app, "client", "in.therapy@example.org", therapist=other_therapist)
    browser, token = web_session(app, therapist)
    first = _create(client, therapist, "kai.old@example.org").json
    old_code = first["invitation"]["token"]
    mirror = _create(client, therapist, "mirror.old@example.org").json

    def move(client_id, email):
        fields = {
            "display_name": "Kai Moreno",
            "script_name": "",
            "spoken_name": "",
            "email": email,
            "timezone": "Europe/Berlin",
            "quiet_start": "22:00",
            "quiet_end": "07:00",
            "voice": "gmw/en",
        }
        return browser.post(f"/clients/{client_id}/edit", data={"csrf_token": token, **fields})

    moved, mirrored = move(first["id"], owner.email), move(mirror["id"], "mirror.new@example.org")
    assert moved.status_code == mirrored.status_code == 200
    assert _blank(text(moved), "Kai Moreno", owner.email) == _blank(
        text(mirrored), "Kai Moreno", "mirror.new@example.org"
    )
    shown = client.get(f"/api/v1/clients/{first['id']}", headers=therapist.headers).json
    assert (shown["email"], shown["login"]) == (owner.email, "invited")
    pages = [text(browser.get(f"/clients/{c['id']}")) for c in (first, mirror)]
    assert owner.email in pages[0]
    assert _blank(pages[0], owner.email) == _blank(pages[1], "mirror.new@example.org")
    # The invitation to the old address ended, as after any move.
    stale = {"token": old_code, "password": "kai-chooses-a-password"}
    assert client.post("/api/v1/auth/invitations/accept", json=stale).status_code == 404
    # No prompt email goes to the old address, nor to the owner's.
    from care.clients import logins
    from care.db import session_scope
    from care.tables import Client
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        record = session.get(Client, uuid.UUID(first["id"]))
        assert logins.mail_address(record, logins.login_of(session, record)) is None
        # The old address lost its way in, as after any move: no reset link can go there.
        from care.accounts import credentials

        assert credentials.request_reset(session, "kai.old@example.org") is None
    # Moved on to a free address, the client gets a real invitation that works.
    move(first["id"], "kai.new@example.org")
    code = client.post(f"/api/v1/clients/{first['id']}/invitation", headers=therapist.headers)
    accepted = client.post(
        "/api/v1/auth/invitations/accept",
        json={"token": code.json["token"], "password": "kai-chooses-a-password"},
    )
    assert accepted.status_code == 200 and accepted.json["email"] == "kai.new@example.org"
    shown = client.get(f"/api/v1/clients/{first['id']}", headers=therapist.headers).json
    assert (shown["email"], shown["login"]) == ("kai.new@example.org", "active")


def test_once_the_address_is_free_a_new_invitation_is_a_real_one(
    app, client, therapist, other_therapist
):
    owner = make_person(app, "client", "in.therapy@example.org", therapist=other_therapist)
    made = _create(client, therapist, owner.email).json
    from care.db import session_scope
    from care.erasure import erase_client
    from care.tables import ApiToken, User
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        erase_client(
            session, session.get(User, uuid.UUID(other_therapist.id)), uuid.UUID(owner.client_id)
        )
        # The claim handed over for our client was a row of the erased account: gone with it.
        assert session.exec(select(ApiToken).where(ApiToken.kind == "claim")).all() == []
    code = client.post(f"/api/v1/clients/{made['id']}/invitation", headers=therapist.headers)
    accepted = client.post(
        "/api/v1/auth/invitations/accept",
        json={"token": code.json["token"], "password": "kai-chooses-a-password"},
    )
    assert accepted.status_code == 200 and accepted.json["email"] == owner.email


def test_erasing_a_client_with_a_pending_address_ends_its_codes(app, client, therapist, admin):
    owner = make_person(app, "admin", "runs.hearth@example.org", sign_in=False)
    made = _create(client, therapist, owner.email).json
    from care.db import session_scope
    from care.erasure import erase_client
    from care.tables import ApiToken, User
    from service import db

    with app.app_context(), session_scope(db.engine()) as session:
        erase_client(session, session.get(User, uuid.UUID(therapist.id)), uuid.UUID(made["id"]))
    with app.app_context(), session_scope(db.engine()) as session:
        assert session.exec(select(ApiToken).where(ApiToken.kind == "claim")).all() == []
        assert session.get(User, uuid.UUID(owner.id)) is not None  # not the owner's account
    accepted = client.post(
        "/api/v1/auth/invitations/accept",
        json={"token": made["invitation"]["token"], "password": "kai-chooses-a-password"},
    )
    assert accepted.status_code == 404


# Any sequence of a therapist's login actions, replayed twice: once with addresses other
# accounts have, once with fresh ones. What the therapist sees must match step for step.
ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.integers(0, 3)),
        st.tuples(st.just("create-without"), st.just(0)),
        st.tuples(st.just("move"), st.integers(0, 5), st.integers(0, 3)),
        st.tuples(st.just("reinvite"), st.integers(0, 5)),
    ),
    min_size=1,
    max_size=8,
)
_RUN = itertools.count()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=ACTIONS)
def test_no_sequence_of_actions_tells_a_taken_address_from_a_fresh_one(app, actions):
    from care import audit
    from care.clients import commands as clients
    from care.clients import logins
    from care.db import session_scope
    from care.errors import CareError
    from care.schemas import ClientCreate
    from care.tables import User
    from service import db
    from service.api.shapes.clients import to_out

    run = next(_RUN)
    with app.app_context(), session_scope(db.engine()) as session:
        from care.accounts import users as accounts

        def person(role, email):
            return accounts.create_user(session, email=email, role=role, password=PASSWORD)

        worlds = {
            "taken": person("therapist", f"t{run}@example.org"),
            "fresh": person("therapist", f"f{run}@example.org"),
        }
        # Four addresses other accounts have, and four nobody has, in the same order.
        taken = [
            worlds["taken"].email,
            person("therapist", f"colleague{run}@example.org").email,
            person("admin", f"admin{run}@example.org").email,
            person("client", f"elsewhere{run}@example.org").email,
        ]
        addresses = {"taken": taken, "fresh": [f"new{run}.{i}@example.org" for i in range(4)]}
        records = {"taken": [], "fresh": []}

        def step(world, action):
            therapist, mine = worlds[world], records[world]
            kind = action[0]
            if kind.startswith("create"):
                email = addresses[world][action[1]] if kind == "create" else None
                data = ClientCreate(display_name="Kai", timezone="UTC", email=email)
                record, offer = clients.create_client(session, therapist, data)
                mine.append(record)
            elif not mine:
                return "nothing"
            elif kind == "move":
                record = mine[action[1] % len(mine)]
                offer = logins.change_login_email(
                    session, therapist, record, addresses[world][action[2]]
                )
            else:
                record = mine[action[1] % len(mine)]
                offer = logins.reinvite(session, therapist, record)
            session.flush()
            index = {a: f"<address {i}>" for i, a in enumerate(addresses[world])}
            seen = to_out(session, record).model_dump(mode="json")
            seen["email"] = index.get(seen["email"], seen["email"])
            # What the record's own audit shows its therapist, in order.
            seen["audit"] = [
                (e.action, e.outcome) for e in audit.search(session, client_ids=[record.id])
            ]
            offered = None
            if offer is not None:
                offered = (index[offer.email], offer.name, offer.secret[:4])
            return _blank(seen) + repr(offered)

        for action in actions:
            outcomes = {}
            for world in worlds:
                try:
                    with session.begin_nested():
                        outcomes[world] = step(world, action)
                except CareError as problem:
                    outcomes[world] = f"{type(problem).__name__}: {problem.message}"
            assert outcomes["taken"] == outcomes["fresh"], action
        assert session.get(User, worlds["taken"].id).password_hash is not None
