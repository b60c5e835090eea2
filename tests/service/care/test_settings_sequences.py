"""Generated sequences of dose-settings changes through every way a therapist can make them:
creating a client, `PATCH /clients/{id}`, `PUT /clients/{id}/dose` and the client page's
settings form, with values valid and not (out of range, null, true/false, text, fractions,
unknown zones). Whatever the sequence:

- no answer is a 5xx, and every refusal is a 422 problem that names the field;
- the dose, its whole history and the hold release stay readable;
- a rough session always steps the level down (or it is already 1) and alerts the therapist
  (R3, R12), a crisis always holds (R5), and the hold can always be released.

The suite runs a few sequences; `make fuzz` runs many more (HEARTH_FUZZ_SEQUENCES).
"""

import itertools
import os
import re

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from tests.conftest import make_person

UNIQUE = itertools.count()
SEQUENCES = int(os.environ.get("HEARTH_FUZZ_SEQUENCES", "6"))
FIELDS = ["start_level", "min_level", "max_level", "window_threshold", "crisis_threshold"]
values = st.one_of(
    st.integers(-2, 12),
    st.integers(1, 5),
    st.none(),
    st.booleans(),
    st.sampled_from(["7", "x", "", 7.5, [], {}]),
)
changes = st.dictionaries(st.sampled_from(FIELDS), values, max_size=4)
dose_changes = st.dictionaries(
    st.sampled_from([*FIELDS, "pinned_level", "paused"]), values, max_size=5
)
zones = st.sampled_from(["Europe/Berlin", "Pacific/Auckland", "Mars/Olympus", ""])
form_values = st.one_of(st.integers(-2, 12).map(str), st.sampled_from(["", "x", "3.5", " 4 "]))


def _ok(response) -> None:
    """Never a 5xx; a refusal is a problem that says what to fix, naming the field."""
    assert response.status_code < 500, response.get_data(as_text=True)[:400]
    if response.status_code == 422 and response.mimetype == "application/problem+json":
        body = response.json
        named = [e.get("field") for e in body.get("errors", [])] or [body.get("field")]
        assert any(named), body


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]


class SettingsSequences(RuleBasedStateMachine):
    """One therapist, their clients, and every way to change a client's dose settings."""

    clients = Bundle("clients")

    @initialize()
    def therapist(self):
        self.http = APP.test_client()
        self.therapist = make_person(APP, "therapist", f"set{next(UNIQUE)}@example.org")
        self.people = {}
        self.browser = APP.test_client()
        self.browser.get("/login")
        login = _csrf(self.browser.get("/login").get_data(as_text=True))
        self.browser.post(
            "/login",
            data={
                "email": self.therapist.email,
                "password": self.therapist.password,
                "csrf_token": login,
            },
        )

    @rule(target=clients)
    def new_client(self):
        person = make_person(
            APP, "client", f"setc{next(UNIQUE)}@example.org", therapist=self.therapist
        )
        self.people[person.client_id] = person
        return person.client_id

    @rule(fields=changes, zone=st.one_of(st.none(), zones))
    def create_through_the_api(self, fields, zone):
        body = {"display_name": "Sam", **fields} | ({"timezone": zone} if zone else {})
        response = self.http.post("/api/v1/clients", headers=self.therapist.headers, json=body)
        _ok(response)
        if response.status_code == 201:
            self._dose(response.json["id"])  # readable from the first moment
            self._history(response.json["id"])

    @rule(client=clients, fields=changes, zone=st.one_of(st.none(), zones))
    def patch_client(self, client, fields, zone):
        body = dict(fields) | ({"timezone": zone} if zone is not None else {})
        response = self.http.patch(
            f"/api/v1/clients/{client}", headers=self.therapist.headers, json=body
        )
        _ok(response)

    @rule(client=clients, fields=dose_changes)
    def put_dose(self, client, fields):
        held = self._dose(client)["on_hold"]
        response = self.http.put(
            f"/api/v1/clients/{client}/dose", headers=self.therapist.headers, json=fields
        )
        _ok(response)
        if held:
            assert self._dose(client)["on_hold"], "a settings change lifted a hold (R5)"

    @rule(client=clients, fields=st.dictionaries(st.sampled_from(FIELDS), form_values))
    def settings_form(self, client, fields):
        held = self._dose(client)["on_hold"]
        page = self.browser.get(f"/clients/{client}")
        assert page.status_code == 200, page.status_code
        current = {k: str(self._record(client)[k]) for k in FIELDS}
        data = {**current, **fields, "csrf_token": _csrf(page.get_data(as_text=True))}
        response = self.browser.post(f"/clients/{client}/settings", data=data)
        assert response.status_code in (302, 422), response.status_code
        if held:
            assert self._dose(client)["on_hold"], "a settings form lifted a hold (R5)"

    @rule(
        client=clients,
        forms=st.lists(st.sampled_from(["thoughts", "body"]), min_size=1, unique=True),
    )
    def rough_session(self, client, forms):
        """Backdraft makes a session rough whatever the thresholds; ratings of 1 are never a
        crisis (the crisis threshold is at least 2)."""
        before = self._dose(client)
        person = self.people[client]
        start = self.http.post(
            "/api/v1/me/sessions",
            headers=person.headers,
            json={"practice_id": "watching-kindness", "pre_distress": 1},
        )
        _ok(start)
        if before["on_hold"]:
            assert start.status_code == 409, start.json
            return
        assert start.status_code == 201, start.json
        alerts_before = self._alerts(client)
        finish = self.http.post(
            f"/api/v1/me/sessions/{start.json['id']}/finish",
            headers=person.headers,
            json={"post_distress": 1, "backdraft": forms},
        )
        assert finish.status_code == 200, finish.json
        after = self._dose(client)
        # R3: one level down at once (two strikes: level 1), whatever was saved before.
        assert after["level"] <= max(1, before["level"] - 1), (before, after)
        # R12: the therapist hears of it.
        assert self._alerts(client) > alerts_before

    @rule(client=clients, note=st.sampled_from(["Spoke today; safe to go on.", "", "   "]))
    def crisis_then_release(self, client, note):
        person = self.people[client]
        response = self.http.post(
            "/api/v1/me/checkins", headers=person.headers, json={"distress": 10}
        )
        assert response.status_code == 201, response.json
        assert response.json["crisis"] is not None
        assert self._dose(client)["on_hold"] is True  # R5
        release = self.http.post(
            f"/api/v1/clients/{client}/hold/release",
            headers=self.therapist.headers,
            json={"note": note},
        )
        _ok(release)
        if note.strip():
            assert release.status_code == 200, release.json
            assert release.json["on_hold"] is False
        else:
            assert release.status_code == 422
            assert self._dose(client)["on_hold"] is True

    @invariant()
    def everything_stays_readable(self):
        for client in self.people:
            dose = self._dose(client)
            record = self._record(client)
            assert 1 <= record["min_level"] <= record["max_level"] <= 5, record
            assert 1 <= record["window_threshold"] < record["crisis_threshold"] <= 10, record
            if dose["on_hold"]:
                assert dose["level"] == 0
            else:
                assert 1 <= dose["level"] <= record["max_level"], (dose, record)
            self._history(client)
            page = self.browser.get(f"/clients/{client}")
            assert page.status_code == 200, page.status_code

    def _dose(self, client):
        response = self.http.get(f"/api/v1/clients/{client}/dose", headers=self.therapist.headers)
        assert response.status_code == 200, response.json
        return response.json

    def _history(self, client) -> None:
        cursor = None
        for _ in range(50):
            query = {"limit": 100} | ({"cursor": cursor} if cursor else {})
            history = self.http.get(
                f"/api/v1/clients/{client}/dose/history",
                headers=self.therapist.headers,
                query_string=query,
            )
            assert history.status_code == 200, history.json
            cursor = history.json["next_cursor"]
            if not cursor:
                return

    def _record(self, client):
        response = self.http.get(f"/api/v1/clients/{client}", headers=self.therapist.headers)
        assert response.status_code == 200, response.json
        return response.json

    def _alerts(self, client) -> int:
        response = self.http.get(
            "/api/v1/alerts", headers=self.therapist.headers, query_string={"limit": 100}
        )
        assert response.status_code == 200, response.json
        return sum(1 for a in response.json["items"] if a["client_id"] == client)


APP = None


def test_settings_changes_never_break_the_dose(app):
    global APP
    APP = app
    try:
        run = SettingsSequences.TestCase
        run.settings = settings(
            max_examples=SEQUENCES,
            stateful_step_count=14,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        run().runTest()
    finally:
        APP = None


pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
