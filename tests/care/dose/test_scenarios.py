"""The dose policy as a clinical spec: one row per situation, read top to bottom with `pytest -v`.

Each row names the rule(s) of CLINICAL.md section 5 it shows, the client's events written
compactly (day offsets from a Monday, 24 March 2025, 09:00 in Europe/Berlin; summer time
starts on day 6, Sunday 30 March), and what must hold after the last event, or after each
event where the path matters. The assignment starts (the R2 change clock) on day 0 at 09:00.

R1 (stability gate), R6 (direction ladder), R7 (quality matches need) and R8 (yang needs
readiness) decide which practice may be assigned, not its dose: they are enforced where the
therapist assigns a practice (the care assignments layer), not in `care.dosing`.
"""

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from care.dose.fold import (
    CheckIn,
    DoseSettings,
    HoldReleased,
    Paused,
    PromptCompleted,
    PromptMissed,
    Resumed,
    SessionAbandoned,
    SessionFinished,
    SessionStarted,
    SettingsChanged,
    replay,
)

BERLIN = ZoneInfo("Europe/Berlin")
DAY0 = datetime(2025, 3, 24, 9, 0, tzinfo=BERLIN).date()
DEFAULTS = DoseSettings(timezone="Europe/Berlin")


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A moment on the client's clock, `day` days after day 0, handed over in UTC."""
    local = datetime.combine(DAY0 + timedelta(days=day), time(hour, minute), tzinfo=BERLIN)
    return local.astimezone(UTC)


def finished(day, pre, post, backdraft=(), hour=9, minute=0, concern=False):
    """A completed practice rated before and after."""
    return SessionFinished(at(day, hour, minute), pre, post, frozenset(backdraft), concern)


def steady(day, hour=9, minute=0):
    """A calm, completed practice: distress 3 before and after, no backdraft."""
    return finished(day, 3, 3, hour=hour, minute=minute)


def rough(day, hour=9):
    """A completed practice that ended at distress 8 (above the window of tolerance)."""
    return finished(day, 4, 8, hour=hour)


def started(day, pre, hour=9):
    """A practice begun with a distress rating."""
    return SessionStarted(at(day, hour), pre)


def abandoned(day, hour=9):
    """A practice begun and left unfinished."""
    return SessionAbandoned(at(day, hour))


def checkin(day, distress, concern=False, hour=12):
    """A check-in outside practice."""
    return CheckIn(at(day, hour), distress, concern)


def missed(day, hour=18):
    """A prompt that went unanswered."""
    return PromptMissed(at(day, hour))


def completed(day, hour=9):
    """A prompt answered with practice."""
    return PromptCompleted(at(day, hour))


def therapist_sets(day, hour=8, **changes):
    """The therapist changes settings (on top of the defaults)."""
    return SettingsChanged(at(day, hour), replace(DEFAULTS, **changes), by="Dr Rao")


def released(day, hour=10):
    """The therapist lifts the hold."""
    return HoldReleased(at(day, hour), by="Dr Rao", note="Spoke with the client; safe to go on.")


def paused(day, hour=8):
    """The therapist pauses prompts."""
    return Paused(at(day, hour), by="Dr Rao")


def resumed(day, hour=8):
    """The therapist resumes prompts."""
    return Resumed(at(day, hour), by="Dr Rao")


@dataclass
class Row:
    """One clinical situation and what the policy must do."""

    name: str
    rules: str
    events: list
    then: dict = field(default_factory=dict)  # after the last event: see FIELDS, rule, text
    levels: list | None = None  # the level after each event, where the path matters
    prompts: list | None = None  # prompts a day after each event
    settings: DoseSettings = DEFAULTS
    start_day: int = 0  # the assignment starts on this day at 09:00


def s(**changes) -> DoseSettings:
    """The default settings with the therapist's changes."""
    return replace(DEFAULTS, **changes)


# The table is the clinical spec, laid out by hand for reading; the formatter leaves it be.
# fmt: off
ROWS = [
    # R2: start low, step up slowly -------------------------------------------------------------
    Row("starts at the start level, lukewarm", "R2",
        [steady(1)],
        then=dict(level=1, prompts=1)),
    Row("starts at a higher start level the therapist chose", "R2,R10",
        [steady(1)], settings=s(start_level=3),
        then=dict(level=3, prompts=2)),
    Row("three steady sessions on three days, three days after the start: up one level", "R2",
        [steady(1), steady(2), steady(3)],
        then=dict(level=2, changed=True, rule="R2", text="Stepped up from 1 to 2"),
        levels=[1, 1, 2]),
    Row("no change says how far along the client is", "R2,R11",
        [steady(1), steady(2)],
        then=dict(level=1, changed=False, text="2 of 3 steady sessions")),
    Row("three steady sessions on one day: no step up", "R2",
        [steady(3, 8), steady(3, 12), steady(3, 19)],
        then=dict(level=1, text="on 1 of 3 different days")),
    Row("three days but within two days of the last change: not yet; next day: up", "R2",
        [steady(0, 18), steady(1), steady(2), steady(3)],
        then=dict(level=2, text="Stepped up"),
        levels=[1, 1, 1, 2]),
    Row("a rise of one point is still steady", "R2",
        [finished(1, 3, 4), finished(2, 2, 3), finished(3, 5, 6)],
        then=dict(level=2)),
    Row("one level at a time, the run starting again after each step", "R2",
        [steady(day) for day in range(1, 10)],
        then=dict(level=4),
        levels=[1, 1, 2, 2, 2, 3, 3, 3, 4]),
    Row("never above the therapist's maximum", "R2,R10",
        [steady(day) for day in range(1, 10)], settings=s(max_level=2),
        then=dict(level=2, text="highest the therapist allows")),
    Row("an unfinished session starts the count again", "R2",
        [steady(1), steady(2), abandoned(2, hour=20), steady(3)],
        then=dict(level=1, text="1 of 3 steady sessions")),
    Row("missed prompts do not break the run (not practising is not failure)", "R2,R9",
        [steady(1), missed(1), steady(2), missed(2), steady(3)],
        then=dict(level=2)),
    # R3: step down fast ------------------------------------------------------------------------
    Row("post-practice distress at the window threshold (7): one level down at once", "R3",
        [finished(1, pre=6, post=7)], settings=s(start_level=3),
        then=dict(level=2, changed=True, notify=True, urgent=False,
                  text="Stepped down from 3 to 2 at once: post-practice distress was 7")),
    Row("post-practice distress just below the window: no change, nobody alerted", "R3",
        [finished(1, pre=5, post=6)], settings=s(start_level=3),
        then=dict(level=3, notify=False)),
    Row("a rise of two points below the window: one level down", "R3",
        [finished(1, pre=2, post=4)], settings=s(start_level=3),
        then=dict(level=2, notify=True, text="a rise of 2")),
    Row("backdraft with calm ratings: one level down", "R3,R4",
        [finished(1, 2, 2, backdraft=["emotions"])], settings=s(start_level=3),
        then=dict(level=2, rule="R4")),
    Row("two rough sessions within 7 days: straight to level 1, therapist told", "R3",
        [rough(1), rough(6)], settings=s(start_level=4),
        then=dict(level=1, notify=True, urgent=False, text="second rough session within 7 days"),
        levels=[3, 1]),
    Row("two rough sessions 7 calendar days apart still count as two strikes", "R3",
        [rough(1), rough(8)], settings=s(start_level=4),
        then=dict(level=1),
        levels=[3, 1]),
    Row("rough sessions 8 days apart: one step down each", "R3",
        [rough(1), rough(9)], settings=s(start_level=4),
        then=dict(level=2),
        levels=[3, 2]),
    Row("a rough session steps down below the therapist's minimum too (R3 before R10)", "R3,R10",
        [rough(1), rough(2)], settings=s(min_level=2, start_level=3),
        then=dict(level=1, notify=True, text="below the lowest level 2 you set"),
        levels=[2, 1]),
    Row("a minimum as high as the maximum cannot switch the step down off", "R3,R10,R12",
        [rough(1)], settings=s(min_level=4, max_level=4, start_level=4),
        then=dict(level=3, notify=True, rule="R3", text="below the lowest level 4"),
        levels=[3]),
    Row("level 1 is the lowest there is: a rough session there still reaches the therapist",
        "R3,R12",
        [rough(1)], settings=s(start_level=1),
        then=dict(level=1, notify=True, rule="R3", text="the lowest there is"),
        levels=[1]),
    Row("never up after a rough session, even at the end of a steady run", "R3,R2",
        [steady(1), steady(2), rough(3)], settings=s(start_level=2),
        then=dict(level=1),
        levels=[2, 2, 1]),
    Row("after a rough session three new steady sessions are needed", "R3,R2",
        [rough(1), steady(2), steady(3), steady(4)], settings=s(start_level=2),
        then=dict(level=2),
        levels=[1, 1, 1, 2]),
    Row("a pinned level is stepped down too, and the therapist is told", "R3,R10,R12",
        [rough(1)], settings=s(pinned_level=3),
        then=dict(level=2, notify=True, rule="R3", text="below the pinned level 3")),
    Row("after a step down below the pin, steady sessions climb back to the pin, not above",
        "R3,R2,R10",
        [rough(1), *[steady(day) for day in range(2, 9)]], settings=s(pinned_level=3),
        then=dict(level=3, rule="R10-pin"),
        levels=[2, 2, 2, 3, 3, 3, 3, 3]),
    Row("a settings change days after a rough session does not undo its step down", "R3,R10",
        [rough(1), therapist_sets(3, min_level=3, start_level=3)], settings=s(start_level=3),
        then=dict(level=2, rule="R3", text="stays below them for now"),
        levels=[2, 2]),
    Row("a week after the rough session, a raised minimum applies at once again", "R3,R10",
        [rough(1), therapist_sets(9, min_level=3, start_level=3)], settings=s(start_level=3),
        then=dict(level=3, rule="R10"),
        levels=[2, 3]),
    Row("a lowered maximum applies at once, even right after a rough session", "R3,R10",
        [rough(1), therapist_sets(2, max_level=1, start_level=1)], settings=s(start_level=4),
        then=dict(level=1, rule="R10"),
        levels=[3, 1]),
    # R4: backdraft -----------------------------------------------------------------------------
    Row("backdraft forms are named for the therapist, routine not urgent", "R4,R12",
        [finished(1, 3, 3, backdraft=["thoughts", "behaviour"])],
        then=dict(notify=True, urgent=False, text="Backdraft reported (behaviour, thoughts)")),
    # R5: safety hold ---------------------------------------------------------------------------
    Row("post-practice distress 9: hold at once, crisis resources, urgent alert", "R5",
        [finished(1, pre=5, post=9)], settings=s(start_level=3),
        then=dict(level=0, on_hold=True, prompts=0, crisis=True, urgent=True, notify=True,
                  changed=True, rule="R5")),
    Row("a crisis rating at a check-in holds", "R5",
        [checkin(1, 9)],
        then=dict(level=0, on_hold=True, crisis=True, urgent=True)),
    Row("a safety concern with a calm rating holds", "R5",
        [checkin(1, 2, concern=True)],
        then=dict(on_hold=True, crisis=True, urgent=True, text="may harm themselves")),
    Row("a safety concern after a calm session holds", "R5",
        [finished(1, 2, 2, concern=True)],
        then=dict(on_hold=True, urgent=True)),
    Row("a crisis rating before practice holds as the session starts", "R5",
        [started(1, pre=9)],
        then=dict(on_hold=True, crisis=True, urgent=True, prompts=0)),
    Row("a crisis pre-rating on a finished session holds", "R5",
        [finished(1, pre=9, post=5)],
        then=dict(on_hold=True, urgent=True)),
    Row("check-in distress 8 is not a crisis: nothing moves, nobody alerted", "R5",
        [checkin(1, 8)],
        then=dict(level=1, on_hold=False, notify=False, crisis=False)),
    Row("on hold, good sessions change nothing", "R5",
        [checkin(1, 10)] + [steady(day) for day in range(2, 9)],
        then=dict(level=0, on_hold=True, prompts=0, changed=False)),
    Row("on hold, new settings are kept but the hold stays", "R5,R10",
        [checkin(1, 9), therapist_sets(2, max_level=3)],
        then=dict(level=0, on_hold=True)),
    Row("on hold, pause and resume do not lift it", "R5,R10",
        [checkin(1, 9), paused(2), resumed(3)],
        then=dict(level=0, on_hold=True, prompts=0)),
    Row("on hold, a new crisis alerts again", "R5",
        [checkin(1, 9), checkin(2, 10)],
        then=dict(on_hold=True, urgent=True, crisis=True, text="Still on hold")),
    Row("on hold, a rough session still reaches the therapist", "R5,R12",
        [checkin(1, 9), finished(2, pre=3, post=8)],
        then=dict(on_hold=True, notify=True, urgent=False)),
    Row("only the therapist lifts a hold: practice restarts at level 1", "R5",
        [rough(1, hour=8), checkin(1, 9), released(2)], settings=s(start_level=4),
        then=dict(level=1, on_hold=False, prompts=1, changed=True, rule="R5"),
        levels=[3, 0, 1]),
    Row("a lifted hold restarts at the therapist's minimum", "R5,R10",
        [checkin(1, 9), released(2)], settings=s(min_level=2, start_level=3),
        then=dict(level=2)),
    Row("a lifted hold restarts at the pin", "R5,R10",
        [checkin(1, 9), released(2)], settings=s(pinned_level=3),
        then=dict(level=3)),
    Row("a hold lifted soon after a rough session restarts at level 1, not the pin", "R5,R3,R10",
        [rough(1), checkin(2, 9), released(3)], settings=s(pinned_level=4),
        then=dict(level=1, rule="R5", text="below the therapist's settings for now"),
        levels=[3, 0, 1]),
    Row("a hold lifted a week after the last rough session restarts at the pin", "R5,R10",
        [rough(1), checkin(2, 9), released(10)], settings=s(pinned_level=4),
        then=dict(level=4),
        levels=[3, 0, 4]),
    Row("lifting a hold that is not there changes nothing", "R5",
        [released(1)],
        then=dict(level=1, changed=False, text="no hold to lift")),
    Row("after a hold steady sessions are counted afresh from the release", "R5,R2",
        [checkin(1, 9), released(2, hour=8), steady(2), steady(3), steady(4), steady(5)],
        then=dict(level=2),
        levels=[0, 1, 1, 1, 1, 2]),
    # R9: non-practice is not failure -----------------------------------------------------------
    Row("three missed prompts in a row: fewer prompts, same level, therapist told", "R9",
        [missed(1), missed(2), missed(3)], settings=s(start_level=3),
        then=dict(level=3, notify=True, urgent=False),
        prompts=[2, 2, 1]),
    Row("two missed prompts: nothing changes, nobody is told, no extra reminder", "R9",
        [missed(1), missed(2)], settings=s(start_level=3),
        then=dict(level=3, prompts=2, notify=False, changed=False)),
    Row("at one prompt a day, misses never go lower; the therapist is told", "R9",
        [missed(1), missed(2), missed(3)],
        then=dict(level=1, prompts=1, changed=False, notify=True, text="already at one prompt")),
    Row("every three misses in a row lower one more step", "R9",
        [missed(day) for day in range(1, 7)], settings=s(start_level=5),
        then=dict(level=5, prompts=1),
        prompts=[3, 3, 2, 2, 2, 1]),
    Row("a practised prompt starts the count of misses again", "R9",
        [missed(1), missed(2), completed(3), missed(4)], settings=s(start_level=3),
        then=dict(prompts=2, notify=False)),
    Row("a steady session gives back one step of frequency", "R9",
        [missed(1), missed(2), missed(3), steady(4)], settings=s(start_level=3),
        then=dict(level=3, prompts=2),
        prompts=[2, 2, 1, 2]),
    Row("misses while paused are not counted", "R9,R10",
        [paused(1), missed(1), missed(2), missed(3), resumed(4)], settings=s(start_level=3),
        then=dict(prompts=2, notify=False)),
    # R10: clinician in charge ------------------------------------------------------------------
    Row("lowering the maximum moves the level down at once", "R10",
        [therapist_sets(1, max_level=2)], settings=s(start_level=4),
        then=dict(level=2, changed=True, text="set the highest level to 2")),
    Row("raising the minimum moves the level up at once", "R10",
        [therapist_sets(1, min_level=3, start_level=3)],
        then=dict(level=3, changed=True)),
    Row("a pin set mid-course applies at once", "R10",
        [therapist_sets(1, pinned_level=2)],
        then=dict(level=2, rule="R10-pin")),
    Row("a pin holds the level through steady sessions", "R10",
        [steady(day) for day in range(1, 8)], settings=s(pinned_level=3),
        then=dict(level=3, rule="R10-pin")),
    Row("a bounds change restarts the step-up clock", "R10,R2",
        [therapist_sets(1, min_level=2, start_level=2), steady(2), steady(3), steady(4)],
        then=dict(level=3),
        levels=[2, 2, 2, 3]),
    Row("a pause stops prompts and keeps the level; it is not a hold", "R10",
        [paused(1)], settings=s(start_level=3),
        then=dict(level=3, prompts=0, on_hold=False, paused=True)),
    Row("resuming brings the prompts back", "R10",
        [paused(1), resumed(2)], settings=s(start_level=3),
        then=dict(level=3, prompts=2, paused=False)),
    Row("no step up while paused", "R10,R2",
        [paused(0), steady(1), steady(2), steady(3)],
        then=dict(level=1, text="paused")),
    Row("a rough session while paused still steps down", "R10,R3",
        [paused(0), rough(1)], settings=s(start_level=3),
        then=dict(level=2, prompts=0)),
    # R12: "no flags" is not "safe" -------------------------------------------------------------
    Row("a rough session at the lowest level still reaches the therapist", "R12",
        [finished(1, pre=3, post=7)],
        then=dict(level=1, changed=False, notify=True, rule="R12")),
    Row("a rise alone reaches the therapist", "R12",
        [finished(1, pre=1, post=3)],
        then=dict(notify=True, rule="R12")),
    Row("a steady session does not alert anyone", "R12",
        [finished(1, pre=6, post=6)],
        then=dict(notify=False)),
    # Days are the client's own calendar days -----------------------------------------------------
    Row("23:30 and 00:30 Berlin time are two days (in UTC they are one)", "R2",
        [steady(2, 23, 30), steady(3, 0, 30), steady(4, 23, 30)],
        then=dict(level=2)),
    Row("the same moments for a client living on UTC are one day", "R2",
        [steady(2, 23, 30), steady(3, 0, 30), steady(4, 23, 30)], settings=s(timezone="UTC"),
        then=dict(level=1, text="on 2 of 3 different days")),
    Row("summer time week: Friday start, Sat-Sun-Mon sessions step up on Monday", "R2",
        [steady(5), steady(6), steady(7)], start_day=4,
        then=dict(level=2),
        levels=[1, 1, 2]),
]
# fmt: on

FIELDS = {
    "level": "level",
    "prompts": "prompts_per_day",
    "on_hold": "on_hold",
    "paused": "paused",
    "notify": "notify_therapist",
    "urgent": "urgent",
    "crisis": "crisis",
    "changed": "changed",
}


@pytest.mark.parametrize("row", [pytest.param(r, id=f"{r.rules}: {r.name}") for r in ROWS])
def test_scenario(row: Row) -> None:
    """The decisions follow the clinical rule the row names."""
    decisions = replay(row.settings, row.events, started_at=at(row.start_day))
    assert len(decisions) == len(row.events)
    last = decisions[-1]
    for key, expected in row.then.items():
        if key == "rule":
            assert expected in last.rules, last.reasons
        elif key == "text":
            assert any(expected in reason.text for reason in last.reasons), last.reasons
        else:
            assert getattr(last, FIELDS[key]) == expected, (key, last)
    if row.levels is not None:
        assert [d.level for d in decisions] == row.levels
    if row.prompts is not None:
        assert [d.prompts_per_day for d in decisions] == row.prompts


@pytest.mark.parametrize("row", [pytest.param(r, id=r.name) for r in ROWS])
def test_every_decision_explains_itself(row: Row) -> None:
    """R11: every decision, changed or not, carries a reason in words and its inputs."""
    for decision in replay(row.settings, row.events, started_at=at(row.start_day)):
        assert decision.reasons and all(r.text.endswith(".") for r in decision.reasons)
        assert all(r.rule == "start" or r.rule.startswith("R") for r in decision.reasons)
        assert decision.inputs["event"]
        assert decision.at.utcoffset() == timedelta(0)
