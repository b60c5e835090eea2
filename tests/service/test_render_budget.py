"""The render budget: coarse voice settings, a few new recordings per person (429 with
Retry-After), one at a time per person, a bounded number at once for everyone (503), and no
limit at all on what is already recorded."""

import threading

import pytest

from service import render_budget
from service.api.problems import ApiProblem
from service.app import create_app
from service.render_budget import Budget
from service.settings import load
from tests.conftest import finish, make_person, settings_env

URL = "/api/v1/practices/watching-kindness"


NEW = lambda: False  # noqa: E731  (a recording not made yet)


def test_a_person_gets_a_few_new_recordings_per_window():
    budget = Budget(per_person=2, at_once=2)
    for at in (0.0, 1.0):
        with budget.guard("sam", NEW, now=at):
            pass
    with pytest.raises(ApiProblem) as refused, budget.guard("sam", NEW, now=2.0):
        pass
    assert refused.value.status == 429 and 590 <= int(refused.value.headers["Retry-After"]) <= 600
    with budget.guard("sam", lambda: True, now=2.0):  # a cached one is never limited
        pass
    with budget.guard("kai", NEW, now=2.0):  # someone else is not affected
        pass
    with budget.guard("sam", NEW, now=601.0):  # the window moved on
        pass


def test_a_persons_second_request_waits_its_turn_and_finds_the_recording(monkeypatch):
    budget = Budget(per_person=1, at_once=2)
    made = threading.Event()
    order = []

    def second():
        with budget.guard("sam", made.is_set, now=0.0):
            order.append("second served")

    with budget.guard("sam", NEW, now=0.0):
        waiter = threading.Thread(target=second)
        waiter.start()
        threading.Event().wait(0.1)
        assert order == []  # waiting its turn, not refused
        made.set()
        order.append("first made")
    waiter.join(timeout=10)
    # The second found it made, so it counted nothing against a budget of one.
    assert order == ["first made", "second served"]


def test_a_bound_for_everyone(monkeypatch):
    monkeypatch.setattr(render_budget, "WAIT_SECONDS", 0.1)
    budget = Budget(per_person=10, at_once=1)
    with budget.guard("sam", NEW):
        with pytest.raises(ApiProblem) as full, budget.guard("kai", NEW):
            pass
        assert full.value.status == 503 and full.value.headers["Retry-After"]
    with budget.guard("kai", NEW):  # the slot is free again
        pass


@pytest.fixture
def tight_app(database_url, tmp_path):
    env = settings_env(tmp_path, database_url, HEARTH_RENDERS_PER_PERSON="2")
    app = create_app(load(env), testing=True)
    yield app
    finish(app)


def test_a_client_flooding_new_variants_is_told_to_wait_but_replays_freely(tight_app):
    therapist = make_person(tight_app, "therapist", "rowan@example.org")
    patient = make_person(tight_app, "client", "kai@example.org", therapist=therapist)
    client = tight_app.test_client()
    headers = patient.headers
    first = client.get(f"{URL}/audio?level=1&format=wav&rate=120", headers=headers)
    second = client.get(f"{URL}/audio?level=1&format=wav&rate=130", headers=headers)
    assert first.status_code == second.status_code == 200
    third = client.get(f"{URL}/audio?level=1&format=wav&rate=150", headers=headers)
    assert third.status_code == 429 and int(third.headers["Retry-After"]) > 0
    again = client.get(f"{URL}/audio?level=1&format=wav&rate=120", headers=headers)
    assert again.status_code == 200  # already recorded: never limited
    for response in (first, second, again):
        response.close()


@pytest.mark.parametrize("query", ["rate=125", "rate=133", "pitch=45"])
def test_voice_settings_come_in_steps_of_ten(client, therapist, query):
    response = client.get(f"{URL}/audio?level=1&format=wav&{query}", headers=therapist.headers)
    assert response.status_code == 422 and "multiple of 10" in response.json["detail"]


def test_a_clients_audio_keeps_their_saved_pitch(client, patient):
    response = client.get(f"{URL}/audio?level=1&format=wav&pitch=40", headers=patient.headers)
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "pitch"


def test_budget_is_shared_by_the_threads_of_a_process():
    budget = Budget(per_person=1000, at_once=2)
    inside, peak, lock = [0], [0], threading.Lock()

    def work(who):
        with budget.guard(who, NEW):
            with lock:
                inside[0] += 1
                peak[0] = max(peak[0], inside[0])
            threading.Event().wait(0.05)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=work, args=(f"p{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert peak[0] <= 2
