"""Stateful fuzzing: generated sequences of what therapists and clients do (create a client,
assign, start and finish practices, check in, change the dose, release a hold), with generated
values, valid and not. Whatever the order: no 5xx, every refusal is a problem with a reason,
and the safety rules hold after every step (a crisis rating always holds; a held client cannot
start a practice; the level never goes above the therapist's highest level).

The suite runs a few short sequences; `make fuzz` runs many more (HEARTH_FUZZ_SEQUENCES)."""

import itertools
import os

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from tests.conftest import make_person

UNIQUE = itertools.count()  # emails stay unique across sequences on one database
SEQUENCES = int(os.environ.get("HEARTH_FUZZ_SEQUENCES", "4"))
PRACTICES = [
    "watching-kindness",
    "self-compassion-break",
    "giving-and-receiving",
    "fierce-break-protect",
    "soothing-touch",
    "grief-break",
    "no-such-practice",
]
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Mars/Olympus"]
ratings = st.one_of(st.integers(0, 10), st.integers(-3, 14), st.none())
backdraft = st.lists(st.sampled_from(["thoughts", "emotions", "body", "behaviours", "x"]))


def _problem_ok(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json"
        assert response.json["detail"]


class HomePractice(RuleBasedStateMachine):
    """One therapist, the clients they create, and what those clients report."""

    clients = Bundle("clients")
    assignments = Bundle("assignments")
    sessions = Bundle("sessions")

    def __init__(self):
        super().__init__()
        self.http = APP.test_client()
        self.people = {}

    @initialize()
    def therapist(self):
        self.therapist = make_person(APP, "therapist", f"t{next(UNIQUE)}@example.org")

    @rule(
        target=clients,
        name=st.text(min_size=0, max_size=30),
        zone=st.sampled_from(ZONES),
        start=st.integers(0, 6),
    )
    def create_client(self, name, zone, start):
        person = make_person(
            APP,
            "client",
            f"c{next(UNIQUE)}@example.org",
            therapist=self.therapist,
            timezone="Europe/Berlin",
        )
        response = self.http.patch(
            f"/api/v1/clients/{person.client_id}",
            headers=self.therapist.headers,
            json={"display_name": name, "timezone": zone, "start_level": start},
        )
        _problem_ok(response)
        self.people[person.client_id] = person
        return person.client_id

    @rule(target=assignments, client=clients, practice=st.sampled_from(PRACTICES))
    def assign(self, client, practice):
        response = self.http.post(
            f"/api/v1/clients/{client}/assignments",
            headers=self.therapist.headers,
            json={"practice_id": practice, "schedule": {"times": ["08:30"]}},
        )
        _problem_ok(response)
        return (client, response.json["id"]) if response.status_code == 201 else (client, None)

    @rule(target=sessions, pair=assignments, pre=ratings)
    def start(self, pair, pre):
        client, assignment = pair
        person = self.people[client]
        body = {"pre_distress": pre}
        body["assignment_id" if assignment else "practice_id"] = assignment or "watching-kindness"
        held = self._dose(client)["on_hold"]
        response = self.http.post("/api/v1/me/sessions", headers=person.headers, json=body)
        _problem_ok(response)
        crisis = isinstance(pre, int) and pre >= 9  # above 10 too: heard as the worst (R5)
        if held and not crisis:
            assert response.status_code in (409, 422), response.json
        if crisis:
            # Heard whatever else is wrong with the request (R5): saved, held, resources shown.
            assert response.status_code == 201, response.json
            assert response.json["crisis"] is not None
            assert self._dose(client)["on_hold"] is True
        ok = response.status_code == 201 and not response.json.get("crisis")
        return (client, response.json["id"] if ok else None)

    @rule(pair=sessions, post=ratings, forms=backdraft)
    def finish(self, pair, post, forms):
        client, session = pair
        if session is None:
            return
        person = self.people[client]
        response = self.http.post(
            f"/api/v1/me/sessions/{session}/finish",
            headers=person.headers,
            json={"post_distress": post, "backdraft": forms},
        )
        _problem_ok(response)
        if response.status_code == 200 and isinstance(post, int) and post >= 9:
            assert response.json["crisis"] is not None
            assert self._dose(client)["on_hold"] is True

    @rule(client=clients, distress=ratings, concern=st.booleans())
    def check_in(self, client, distress, concern):
        person = self.people[client]
        response = self.http.post(
            "/api/v1/me/checkins",
            headers=person.headers,
            json={"distress": distress, "safety_concern": concern},
        )
        _problem_ok(response)
        if concern or (isinstance(distress, int) and distress >= 9):
            # Heard whatever else is wrong with the body (R5): saved, held, resources shown.
            assert response.status_code == 201, response.json
            assert response.json["crisis"] is not None
            assert self._dose(client)["on_hold"] is True

    @rule(
        client=clients,
        low=st.integers(0, 6),
        high=st.integers(0, 6),
        pinned=st.one_of(st.none(), st.integers(0, 6)),
    )
    def set_dose(self, client, low, high, pinned):
        held = self._dose(client)["on_hold"]
        response = self.http.put(
            f"/api/v1/clients/{client}/dose",
            headers=self.therapist.headers,
            json={"min_level": low, "max_level": high, "pinned_level": pinned},
        )
        _problem_ok(response)
        if held:
            assert self._dose(client)["on_hold"] is True  # settings never lift a hold (R5)

    @rule(client=clients, note=st.text(max_size=40))
    def release(self, client, note):
        response = self.http.post(
            f"/api/v1/clients/{client}/hold/release",
            headers=self.therapist.headers,
            json={"note": note},
        )
        _problem_ok(response)

    @invariant()
    def levels_stay_in_bounds(self):
        for client in self.people:
            dose = self._dose(client)
            if dose["on_hold"]:
                assert dose["level"] == 0
            else:
                record = self.http.get(
                    f"/api/v1/clients/{client}", headers=self.therapist.headers
                ).json
                # Never above the highest level; below the lowest only after a rough session
                # stepped it down (R3 before R10, checked in tests/care/dose/test_properties.py).
                assert 1 <= dose["level"] <= record["max_level"], (dose, record)

    def _dose(self, client):
        response = self.http.get(f"/api/v1/clients/{client}/dose", headers=self.therapist.headers)
        assert response.status_code == 200, response.json
        return response.json


APP = None


def test_generated_sequences_keep_the_rules(app):
    global APP
    APP = app
    try:
        run = HomePractice.TestCase
        run.settings = settings(
            max_examples=SEQUENCES,
            stateful_step_count=12,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        run().runTest()
    finally:
        APP = None


pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
