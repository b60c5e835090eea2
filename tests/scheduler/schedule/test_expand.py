"""Schedule expansion: DST, quiet hours, jitter, spacing, caps, weekdays and RRULEs (pure,
plain data in and out, no app)."""

import dataclasses
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from scheduler.schedule.expand import Occurrence, expand, resolve_local
from scheduler.schedule.fields import ScheduleError
from scheduler.schedule.rrule import compile_rrules


def window(tz: str, first: date, days: int) -> tuple[datetime, datetime]:
    """[local midnight of `first`, local midnight `days` later) as UTC instants."""
    zone = ZoneInfo(tz)
    start = resolve_local(datetime.combine(first, time()), zone)
    return start, resolve_local(datetime.combine(first + timedelta(days=days), time()), zone)


def plan(spec, tz: str, first: date, days: int, **options) -> list[Occurrence]:
    """Expand over whole local days with generous defaults, overridable per test."""
    options = {"cap": 12, "min_spacing_minutes": 0, "jitter_minutes": 0, **options}
    return expand(spec, tz, *window(tz, first, days), **options)


def local(occurrence: Occurrence, tz: str) -> str:
    return occurrence.at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def per_day(occurrences: list[Occurrence]) -> Counter:
    return Counter(o.local_date for o in occurrences)


# (zone, transition day, time inside the gap/overlap, its UTC instant that day)
TRANSITIONS = [
    ("America/New_York", date(2026, 3, 8), "02:30", datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),
    ("Europe/Berlin", date(2026, 3, 29), "02:30", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
    ("America/New_York", date(2026, 11, 1), "01:30", datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
    ("Europe/Berlin", date(2026, 10, 25), "02:30", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
]


@pytest.mark.parametrize(("tz", "day", "clock", "expected"), TRANSITIONS)
def test_a_week_across_a_transition_has_one_prompt_per_slot_per_day(tz, day, clock, expected):
    occurrences = plan({"times": [clock, "08:00", "20:00"]}, tz, day - timedelta(days=3), 7)
    slots = Counter((o.local_date, o.nominal_local.strftime("%H:%M")) for o in occurrences)
    assert len(slots) == 7 * 3 and set(slots.values()) == {1}
    assert [o.at for o in occurrences] == sorted(o.at for o in occurrences)
    (special,) = [
        o for o in occurrences if o.local_date == day and o.slot.endswith(f"{clock}@{tz}")
    ]
    assert special.at == expected
    assert special.slot == f"{day.isoformat()}T{clock}@{tz}"


@pytest.mark.parametrize(("tz", "day"), [(tz, day) for tz, day, _, _ in TRANSITIONS])
def test_ordinary_times_keep_their_wall_clock_and_change_their_utc_hour(tz, day):
    occurrences = plan({"times": ["08:00"]}, tz, day - timedelta(days=1), 3)
    assert [local(o, tz)[11:] for o in occurrences] == ["08:00"] * 3
    before, on, after = (o.at.hour for o in occurrences)
    assert before != after and on == after


def test_spring_forward_gap_moves_forward_by_the_gap():
    new_york = plan({"times": ["02:30"]}, "America/New_York", date(2026, 3, 8), 1)
    berlin = plan({"times": ["02:30"]}, "Europe/Berlin", date(2026, 3, 29), 1)
    assert [local(o, "America/New_York") for o in new_york] == ["2026-03-08 03:30"]
    assert [local(o, "Europe/Berlin") for o in berlin] == ["2026-03-29 03:30"]
    assert new_york[0].nominal_local == datetime(2026, 3, 8, 2, 30)


def test_fall_back_overlap_takes_the_first_instance():
    (prompt,) = plan({"times": ["01:30"]}, "America/New_York", date(2026, 11, 1), 1)
    assert prompt.at == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, not 01:30 EST
    assert prompt.at.astimezone(ZoneInfo("America/New_York")).utcoffset() == timedelta(hours=-4)


def test_lord_howe_has_a_half_hour_gap():
    zone = ZoneInfo("Australia/Lord_Howe")
    moved = resolve_local(datetime(2026, 10, 4, 2, 15), zone).astimezone(zone)
    assert (moved.hour, moved.minute) == (2, 45)
    first = resolve_local(datetime(2026, 4, 5, 1, 45), zone)
    assert first.astimezone(zone).utcoffset() == timedelta(hours=11)


def test_a_gap_time_and_the_time_it_moves_to_are_one_buzz_not_two():
    occurrences = plan({"times": ["02:30", "03:30"]}, "Europe/Berlin", date(2026, 3, 29), 1)
    assert [o.slot for o in occurrences] == ["2026-03-29T02:30@Europe/Berlin"]


def test_quiet_hours_crossing_midnight_drop_prompts_inside_them():
    times = ["00:15", "06:59", "07:00", "21:59", "22:00", "23:30"]
    occurrences = plan(
        {"times": times},
        "Europe/Berlin",
        date(2026, 5, 4),
        2,
        quiet_start="22:00",
        quiet_end="07:00",
    )
    assert [local(o, "Europe/Berlin")[11:] for o in occurrences] == ["07:00", "21:59"] * 2


def test_quiet_hours_also_hold_for_the_gap_shifted_time():
    # 02:45 is outside 03:00-07:00 on paper, but on the spring-forward day it would ring at 03:45.
    occurrences = plan(
        {"times": ["02:45"]},
        "Europe/Berlin",
        date(2026, 3, 28),
        3,
        quiet_start="03:00",
        quiet_end="07:00",
    )
    assert [o.local_date for o in occurrences] == [date(2026, 3, 28), date(2026, 3, 30)]


def test_quiet_hours_with_equal_ends_cover_the_whole_day():
    spec = {"times": ["09:00", "15:00"]}
    assert plan(spec, "UTC", date(2026, 5, 4), 3, quiet_start="09:00", quiet_end="09:00") == []


def test_jitter_stays_in_its_window_and_is_deterministic():
    spec = {"times": ["08:00", "13:00", "19:00"]}
    first = plan(spec, "America/New_York", date(2026, 3, 1), 30, jitter_minutes=45, seed="a1")
    again = plan(spec, "America/New_York", date(2026, 3, 1), 30, jitter_minutes=45, seed="a1")
    other = plan(spec, "America/New_York", date(2026, 3, 1), 30, jitter_minutes=45, seed="b2")
    assert first == again and first != other
    offsets = []
    for o in first:
        nominal = resolve_local(o.nominal_local, ZoneInfo("America/New_York"))
        offsets.append((o.at - nominal) / timedelta(minutes=1))
    assert all(0 <= m <= 45 and m == int(m) for m in offsets)
    assert len(set(offsets)) > 10  # really spread, not a constant delay


def test_jitter_is_the_same_whatever_the_window():
    spec = {"times": ["08:00"]}
    long = plan(spec, "Europe/Berlin", date(2026, 6, 1), 10, jitter_minutes=90, seed="s")
    short = plan(spec, "Europe/Berlin", date(2026, 6, 5), 2, jitter_minutes=90, seed="s")
    assert short == [o for o in long if o.local_date in {date(2026, 6, 5), date(2026, 6, 6)}]


def test_jitter_never_enters_quiet_hours_or_the_next_day():
    spec = {"times": ["11:30", "21:50", "23:40"]}
    occurrences = plan(
        spec,
        "UTC",
        date(2026, 5, 1),
        40,
        jitter_minutes=180,
        seed="x",
        quiet_start="12:00",
        quiet_end="13:00",
    )
    by_slot: dict[str, list[datetime]] = {}
    for o in occurrences:
        assert o.at.date() == o.local_date  # never pushed past midnight
        by_slot.setdefault(o.slot[11:16], []).append(o.at)
    assert all(at.time() < time(12) for at in by_slot["11:30"])  # never jumps over 12-13
    assert max(at.time() for at in by_slot["23:40"]) <= time(23, 59)


def test_spacing_drops_prompts_too_soon_after_the_last_one_kept():
    spec = {"times": ["08:00", "08:30", "09:00", "09:30"]}
    occurrences = plan(spec, "UTC", date(2026, 5, 4), 1, min_spacing_minutes=60)
    assert [local(o, "UTC")[11:] for o in occurrences] == ["08:00", "09:00"]


def test_spacing_holds_across_midnight_even_at_the_window_edge():
    spec = {"times": ["00:15", "23:45"]}
    occurrences = plan(spec, "UTC", date(2026, 5, 4), 3, min_spacing_minutes=60)
    assert [local(o, "UTC")[11:] for o in occurrences] == ["23:45"] * 3


def test_spacing_across_midnight_counts_from_the_evening_before_even_if_it_was_held():
    spec = {"times": ["00:30", "09:00", "23:45"]}
    occurrences = plan(
        spec,
        "UTC",
        date(2026, 5, 4),
        2,
        cap=lambda d: 0 if d.day == 4 else 3,
        min_spacing_minutes=60,
    )
    # 05-04 was on hold, but its 23:45 was still planned: 05-05's 00:30 stays dropped, so
    # the plan for a day never depends on how far back planning started.
    assert [o.slot[:16] for o in occurrences] == ["2026-05-05T09:00", "2026-05-05T23:45"]


def test_replanning_a_later_window_never_changes_a_day_even_for_long_chains():
    # Every prompt is within the spacing of the one before it, day after day: a keep/drop
    # walk that simply started at each window's first day would flip which ones go out.
    spec = {"times": ["00:00", "08:00", "16:00"]}
    whole = plan(spec, "UTC", date(2026, 5, 4), 6, min_spacing_minutes=600)
    for later in range(1, 5):
        again = plan(spec, "UTC", date(2026, 5, 4 + later), 6 - later, min_spacing_minutes=600)
        assert again == [o for o in whole if o.local_date.day >= 4 + later]
    ats = [o.at for o in whole]
    assert all(b - a >= timedelta(minutes=600) for a, b in pairwise(ats))


def test_spacing_uses_the_jittered_times():
    spec = {"times": ["08:00", "09:00"]}
    occurrences = plan(spec, "UTC", date(2026, 5, 1), 20, jitter_minutes=50, seed="k")
    spaced = plan(
        spec, "UTC", date(2026, 5, 1), 20, jitter_minutes=50, seed="k", min_spacing_minutes=60
    )
    assert len(spaced) < len(occurrences) == 40
    ats = [o.at for o in spaced]
    assert all(b - a >= timedelta(minutes=60) for a, b in pairwise(ats))


def test_cap_keeps_the_earliest_prompts_of_each_local_day():
    spec = {"times": ["08:00", "12:00", "16:00", "20:00"]}
    occurrences = plan(spec, "Asia/Kolkata", date(2026, 5, 4), 3, cap=2)
    assert set(per_day(occurrences).values()) == {2}
    assert {local(o, "Asia/Kolkata")[11:] for o in occurrences} == {"08:00", "12:00"}


def test_a_callable_cap_is_asked_for_each_local_day():
    spec = {"times": ["08:00", "12:00", "16:00"]}
    occurrences = plan(spec, "UTC", date(2026, 5, 4), 7, cap=lambda d: d.weekday() % 3)
    assert per_day(occurrences) == Counter(
        {date(2026, 5, 4) + timedelta(days=n): n % 3 for n in range(7) if n % 3}
    )


def test_cap_zero_means_no_prompts():
    assert plan({"times": ["08:00", "18:00"]}, "UTC", date(2026, 5, 4), 7, cap=0) == []


def test_cap_counts_the_whole_local_day_even_when_the_window_starts_mid_day():
    spec = {"times": ["08:00", "12:00", "18:00"]}
    zone = ZoneInfo("Europe/Berlin")
    start = resolve_local(datetime(2026, 5, 4, 10), zone)
    occurrences = expand(spec, "Europe/Berlin", start, start + timedelta(hours=12), cap=2)
    assert [local(o, "Europe/Berlin") for o in occurrences] == ["2026-05-04 12:00"]


def test_only_the_chosen_weekdays():
    spec = {"times": ["09:00"], "weekdays": ["MO", "WE", "FR"]}
    occurrences = plan(spec, "America/Sao_Paulo", date(2026, 5, 4), 14)
    assert [o.local_date.weekday() for o in occurrences] == [0, 2, 4] * 2


def test_only_occurrences_inside_the_window_are_returned():
    start = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    occurrences = expand(
        {"times": ["08:00", "09:00"]}, "UTC", start, start + timedelta(hours=1), cap=5
    )
    assert [o.at for o in occurrences] == [start]
    assert expand({"times": ["08:00"]}, "UTC", start, start, cap=5) == []


def test_dataclass_specs_and_occurrences_are_plain_data():
    @dataclasses.dataclass
    class Spec:
        times: list
        weekdays: list
        rrule: str | None = None
        min_spacing_minutes: int = 60
        jitter_minutes: int = 0

    (prompt,) = plan(Spec([time(7, 5)], ["TU"]), "UTC", date(2026, 5, 4), 7)
    assert prompt.slot == "2026-05-05T07:05@UTC" and prompt.nominal_local == datetime(
        2026, 5, 5, 7, 5
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        prompt.slot = "other"  # type: ignore[misc]


def test_expand_refuses_naive_windows_and_unknown_zones():
    naive = datetime(2026, 5, 4)
    with pytest.raises(ValueError, match="aware"):
        expand({"times": ["08:00"]}, "UTC", naive, naive + timedelta(days=1), cap=1)
    with pytest.raises(ScheduleError) as info:
        expand({"times": ["08:00"]}, "Mars/Olympus", *window("UTC", date(2026, 5, 4), 1), cap=1)
    assert info.value.field == "timezone"
    with pytest.raises(ScheduleError) as info:
        plan({"times": ["08:00"]}, "UTC", date(2026, 5, 4), 1, quiet_start="22:00")
    assert info.value.field == "quiet_end"


# RRULE input


def test_rrule_twice_daily_across_spring_forward():
    spec = {"rrule": "FREQ=DAILY;BYHOUR=9,18;BYMINUTE=0"}
    occurrences = plan(spec, "America/New_York", date(2026, 3, 5), 7)
    assert set(per_day(occurrences).values()) == {2} and len(per_day(occurrences)) == 7
    assert {local(o, "America/New_York")[11:] for o in occurrences} == {"09:00", "18:00"}
    assert {o.at.hour for o in occurrences} == {14, 23, 13, 22}  # EST then EDT


def test_rrule_in_the_gap_and_the_overlap_happens_once():
    gap = plan({"rrule": "FREQ=DAILY;BYHOUR=2;BYMINUTE=30"}, "Europe/Berlin", date(2026, 3, 28), 3)
    assert [local(o, "Europe/Berlin") for o in gap] == [
        "2026-03-28 02:30",
        "2026-03-29 03:30",
        "2026-03-30 02:30",
    ]
    overlap = plan(
        {"rrule": "RRULE:FREQ=DAILY;BYHOUR=1;BYMINUTE=30"}, "America/New_York", date(2026, 11, 1), 1
    )
    assert [o.at for o in overlap] == [datetime(2026, 11, 1, 5, 30, tzinfo=UTC)]


def test_rrule_weekly_with_interval_follows_its_anchor():
    spec = {"rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;BYHOUR=19;BYMINUTE=30"}
    occurrences = plan(spec, "UTC", date(2026, 5, 4), 28, anchor=date(2026, 5, 4))
    assert [o.local_date.isoformat() for o in occurrences] == [
        "2026-05-04",
        "2026-05-07",
        "2026-05-18",
        "2026-05-21",
    ]
    shifted = plan(spec, "UTC", date(2026, 5, 11), 14, anchor=date(2026, 5, 4))
    assert [o.local_date for o in shifted] == [date(2026, 5, 18), date(2026, 5, 21)]


def test_rrule_without_an_anchor_starts_at_the_window():
    spec = {"rrule": "FREQ=DAILY;COUNT=3;BYHOUR=9"}
    occurrences = plan(spec, "Europe/Berlin", date(2026, 5, 4), 7)
    assert [o.local_date.day for o in occurrences] == [4, 5, 6]


def test_rrule_until_a_date_includes_that_local_day_and_utc_until_is_converted():
    by_date = plan({"rrule": "FREQ=DAILY;BYHOUR=20;UNTIL=20260506"}, "UTC", date(2026, 5, 4), 7)
    assert [o.local_date.day for o in by_date] == [4, 5, 6]
    # 2026-05-06T03:00Z is still 05-05 23:00 in New York: the 05-05 20:00 prompt is the last.
    by_instant = plan(
        {"rrule": "FREQ=DAILY;BYHOUR=20;UNTIL=20260506T030000Z"},
        "America/New_York",
        date(2026, 5, 4),
        7,
    )
    assert [o.local_date.day for o in by_instant] == [4, 5]


def test_compiled_rules_expand_exactly_like_the_simple_form():
    simple = {"times": ["02:30", "08:15", "21:00"], "weekdays": ["SU", "MO", "SA"]}
    rules = compile_rrules(simple["times"], simple["weekdays"])
    for tz, day, _, _ in TRANSITIONS:
        first = day - timedelta(days=10)
        options = {"min_spacing_minutes": 60, "jitter_minutes": 30, "seed": "r", "cap": 2}
        expected = plan(simple, tz, first, 20, **options)
        anchor = first - timedelta(days=9)
        compiled = plan({"rrule": rules}, tz, first, 20, anchor=anchor, **options)
        assert compiled == expected and len(expected) > 10
