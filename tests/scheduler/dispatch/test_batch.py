"""Dispatching in batches on both databases: one call drains what is due, inbox-only prompts
are settled in the claiming transaction (the prompt row is the inbox: 'sent' with its sent_at,
and the delivery log stays for outside channels), holds and pauses cancel a prompt
without holding up its neighbours, prompts with an email go out once, and a dispatcher whose
lease ran out never overwrites the worker that took the prompt over."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, update
from sqlmodel import Session, select

from care.tables import Assignment, Client, DeliveryLog, Prompt
from care.vocab import PromptStatus
from practices import default_library
from scheduler.channels.base import Channels, DeliveryResult
from scheduler.dispatch import batch
from scheduler.dispatch.batch import claim
from scheduler.dispatch.decide import settle
from scheduler.dispatch.deliver import deliver
from scheduler.dispatch.once import dispatch_once
from tests.conftest import make_person
from tests.records import due_prompt_row

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def _engine(app):
    from service import db

    with app.app_context():
        return db.engine()


def _factory(app):
    engine = _engine(app)
    return lambda: Session(engine, expire_on_commit=False)


def _due(app, person, count: int, *, now: datetime = NOW, **prompt) -> list[uuid.UUID]:
    """A fresh assignment for `person` with `count` prompts due a minute before `now`."""
    with _factory(app)() as session:
        record = session.get(Client, uuid.UUID(person.client_id))
        assignment = Assignment(
            client_id=record.id,
            therapist_id=record.therapist_id,
            practice_id="watching-kindness",
            schedule="{}",
        )
        session.add(assignment)
        session.flush()
        rows = [
            due_prompt_row(
                record.id,
                assignment.id,
                n,
                now,
                scheduled_at=now - timedelta(minutes=1, seconds=n),
                **prompt,
            )
            for n in range(count)
        ]
        session.execute(insert(Prompt), rows)
        session.commit()
    return [row["id"] for row in rows]


def _prompts(app, ids) -> dict[uuid.UUID, Prompt]:
    with _factory(app)() as session:
        return {p.id: p for p in session.exec(select(Prompt).where(Prompt.id.in_(ids)))}


def _log(app) -> list[tuple[uuid.UUID, str, str]]:
    with _factory(app)() as session:
        rows = session.exec(select(DeliveryLog)).all()
    return [(r.prompt_id, r.channel, r.outcome) for r in rows]


def _dispatch(app, channels=None, worker="w", **options):
    return dispatch_once(
        _factory(app),
        default_library(),
        channels or Channels(base_url="http://h"),
        worker,
        now=NOW,
        **options,
    )


class _Email:
    """An email channel that keeps what it is asked to send (and can run a hook first)."""

    def __init__(self, before_send=None):
        self.sent = []
        self.before_send = before_send

    def send(self, message):
        if self.before_send:
            self.before_send(message)
        self.sent.append(message.prompt_id)
        return DeliveryResult("ok", "250 accepted")


def test_one_call_delivers_every_due_prompt_not_just_one_batch(app, patient):
    ids = _due(app, patient, 120)
    result = _dispatch(app)
    assert (result.claimed, result.sent) == (120, 120)
    prompts = _prompts(app, ids)
    assert {p.status for p in prompts.values()} == {PromptStatus.SENT}
    assert all(p.attempts == 1 and p.sent_at == NOW for p in prompts.values())
    assert all(p.claimed_by == "" and p.lease_until is None for p in prompts.values())
    # In the inbox (sent, with sent_at) and nothing written twice: no outside channel ran.
    assert _log(app) == []
    assert _dispatch(app).claimed == 0  # nothing is sent twice


def test_max_prompts_bounds_one_call(app, patient):
    ids = _due(app, patient, 120)
    first = _dispatch(app, limit=50, max_prompts=70)
    assert (first.claimed, first.sent) == (70, 70)
    statuses = [p.status for p in _prompts(app, ids).values()]
    assert statuses.count(PromptStatus.SENT) == 70 and statuses.count(PromptStatus.PLANNED) == 50
    second = _dispatch(app, limit=50, max_prompts=70)
    assert (second.claimed, second.sent) == (50, 50)
    assert {p.status for p in _prompts(app, ids).values()} == {PromptStatus.SENT}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"on_hold": True}, "the client is on hold"),
        ({"dose_paused": True}, "the therapist paused practice"),
        ({"assignment_active": False}, "the assignment was paused or ended"),
    ],
)
def test_a_held_client_in_a_batch_is_cancelled_and_its_neighbours_are_sent(
    app, therapist, patient, change, reason
):
    other = make_person(app, "client", "kim@example.org", therapist=therapist)
    held = _due(app, patient, 30)
    fine = _due(app, other, 30)
    with _factory(app)() as session:
        client_id = uuid.UUID(patient.client_id)
        if "assignment_active" in change:
            session.execute(
                update(Assignment).where(Assignment.client_id == client_id).values(active=False)
            )
        else:
            session.execute(update(Client).where(Client.id == client_id).values(**change))
        session.commit()
    result = _dispatch(app, limit=25)  # the two clients' prompts share batches
    assert (result.claimed, result.sent, result.cancelled) == (60, 30, 30)
    prompts = _prompts(app, held + fine)
    assert all(prompts[i].status == PromptStatus.CANCELLED for i in held)
    assert all(prompts[i].last_error == reason and prompts[i].sent_at is None for i in held)
    assert all(prompts[i].status == PromptStatus.SENT and prompts[i].sent_at == NOW for i in fine)


def test_a_retried_prompt_keeps_its_first_inbox_time_and_its_sent_channels(app, patient):
    first_sent = NOW - timedelta(minutes=5)
    (prompt_id,) = _due(app, patient, 1, attempts=1, sent_at=first_sent)
    with _factory(app)() as session:
        session.add(DeliveryLog(prompt_id=prompt_id, channel="email", outcome="ok"))
        session.commit()
    email = _Email()
    result = _dispatch(app, Channels(base_url="http://h", email=email))
    assert result.sent == 1 and email.sent == []  # the email went out on the first attempt
    prompt = _prompts(app, [prompt_id])[prompt_id]
    assert (prompt.status, prompt.attempts, prompt.sent_at) == (PromptStatus.SENT, 2, first_sent)
    assert _log(app) == [(prompt_id, "email", "ok")]


def test_email_prompts_go_out_once_beside_inbox_only_neighbours(app, therapist, patient):
    other = make_person(app, "client", "kim@example.org", therapist=therapist)
    with _factory(app)() as session:
        session.execute(
            update(Client)
            .where(Client.id == uuid.UUID(other.client_id))
            .values(email_prompts=False)
        )
        session.commit()
    emailed = _due(app, patient, 40)
    inbox_only = _due(app, other, 40)
    email = _Email()
    result = _dispatch(app, Channels(base_url="http://h", email=email))
    assert (result.claimed, result.sent) == (80, 80)
    assert sorted(email.sent) == sorted(str(i) for i in emailed)
    prompts = _prompts(app, emailed + inbox_only)
    assert {p.status for p in prompts.values()} == {PromptStatus.SENT}
    assert all(p.attempts == 1 and p.claimed_by == "" for p in prompts.values())
    assert all(p.sent_at == NOW for p in prompts.values())
    assert sorted(_log(app)) == sorted((i, "email", "ok") for i in emailed)


def test_a_lost_lease_does_not_overwrite_the_worker_that_took_over(app, patient):
    (prompt_id,) = _due(app, patient, 1)
    engine = _engine(app)

    def taken_over(_message):
        # While A sends, its lease runs out and B reclaims the prompt and claims it.
        with engine.begin() as connection:
            connection.execute(update(Prompt).where(Prompt.id == prompt_id).values(claimed_by="B"))

    email = _Email(before_send=taken_over)
    result = _dispatch(app, Channels(base_url="http://h", email=email), worker="A")
    assert (result.claimed, result.sent, result.lost) == (1, 0, 1)
    prompt = _prompts(app, [prompt_id])[prompt_id]
    assert (prompt.status, prompt.claimed_by) == (PromptStatus.SENDING, "B")
    assert prompt.lease_until is not None and prompt.sent_at is None
    # What A's channel did is on record; the status (and sent_at) are B's to write.
    assert _log(app) == [(prompt_id, "email", "ok")]


def test_a_prompt_reclaimed_before_delivery_is_left_to_its_new_worker(app, patient):
    (prompt_id,) = _due(app, patient, 1)
    factory = _factory(app)
    with factory() as session:
        assert claim(session, "A", now=NOW) == [prompt_id]
        session.execute(update(Prompt).where(Prompt.id == prompt_id).values(claimed_by="B"))
        session.commit()
    email = _Email()
    with factory() as session:
        verdict = deliver(
            session,
            default_library(),
            prompt_id,
            Channels(base_url="http://h", email=email),
            "A",
            NOW,
        )
    assert verdict == "skipped" and email.sent == []
    prompt = _prompts(app, [prompt_id])[prompt_id]
    assert (prompt.status, prompt.claimed_by) == (PromptStatus.SENDING, "B")
    assert _log(app) == []


def test_a_batch_that_fails_before_commit_leaves_every_prompt_as_it_was(app, patient, monkeypatch):
    ids = _due(app, patient, 30)
    calls = []

    def failing(prompt, now):
        calls.append(prompt.id)
        if len(calls) == 20:
            raise RuntimeError("the dispatcher died here")
        return settle(prompt, now)

    monkeypatch.setattr(batch, "settle", failing)
    with pytest.raises(RuntimeError):
        _dispatch(app)
    prompts = _prompts(app, ids)
    assert {(p.status, p.attempts, p.claimed_by) for p in prompts.values()} == {
        (PromptStatus.PLANNED, 0, "")
    }
    assert _log(app) == []
    monkeypatch.undo()
    assert _dispatch(app).sent == 30


def test_the_runner_tick_drains_more_than_one_call(app, patient, monkeypatch):
    from scheduler import runner

    ids = _due(app, patient, 130, now=datetime.now(UTC))
    monkeypatch.setattr(runner, "MAX_PROMPTS", 60)
    scheduler = runner.build(_engine(app), default_library(), Channels(base_url="http://h"))
    scheduler.get_job("dispatch").func()
    prompts = _prompts(app, ids).values()
    assert {p.status for p in prompts} == {PromptStatus.SENT} and all(p.sent_at for p in prompts)


def test_the_runner_ticks_log_what_they_did(app, patient, caplog):
    # Logged at INFO as the demo and production run it (tests run at WARNING otherwise).
    from scheduler import runner

    _due(app, patient, 3, now=datetime.now(UTC))
    scheduler = runner.build(_engine(app), default_library(), Channels(base_url="http://h"))
    with caplog.at_level("INFO", logger="hearth.scheduler"):
        scheduler.get_job("plan").func()
        scheduler.get_job("dispatch").func()
    records = {r.getMessage(): r for r in caplog.records if r.name == "hearth.scheduler"}
    assert records["planned"].clients >= 1
    assert records["dispatched"].prompts_sent == 3
