"""Properties of schedule expansion over random zones, times and windows (hypothesis)."""

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.schedule.expand import expand, resolve_local
from scheduler.schedule.fields import WEEKDAYS
from scheduler.schedule.rrule import check_rrule, compile_rrules

ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "Asia/Kolkata",
    "America/Sao_Paulo",  # DST at midnight until 2019, none since
]
FIRST, LAST = date(2016, 1, 1), date(2030, 12, 31)


def _transition_days(tz: str) -> list[date]:
    """Local days on which the zone's UTC offset changes, found by a daily scan."""
    zone, days = ZoneInfo(tz), []
    moment = datetime.combine(FIRST, time(12), UTC)
    offset = moment.astimezone(zone).utcoffset()
    while moment.date() < LAST:
        moment += timedelta(days=1)
        if (now := moment.astimezone(zone).utcoffset()) != offset:
            days.append(moment.date())
            offset = now
    return days or [FIRST]


TRANSITIONS = {tz: _transition_days(tz) for tz in ZONES}


@st.composite
def cases(draw, jitter=False, quiet=False):
    """A zone, a schedule and a 40-day window, often around one of the zone's DST changes."""
    tz = draw(st.sampled_from(ZONES))
    minutes = st.one_of(st.integers(0, 1439), st.integers(0, 240))  # DST happens at night
    clocks = draw(st.lists(minutes, min_size=1, max_size=5, unique=True))
    times = [time(m // 60, m % 60) for m in clocks]
    times = [draw(st.sampled_from([t, t.strftime("%H:%M")])) for t in times]
    weekdays = draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True))
    near = draw(st.sampled_from(TRANSITIONS[tz])) - timedelta(days=draw(st.integers(0, 39)))
    anywhere = FIRST + timedelta(days=draw(st.integers(0, (LAST - FIRST).days - 40)))
    start = datetime.combine(draw(st.sampled_from([near, anywhere])), time(), UTC)
    start += timedelta(minutes=draw(st.integers(0, 1439)))
    options = {
        "cap": draw(st.integers(0, 6)) if quiet else 12,
        "min_spacing_minutes": draw(st.integers(0, 300)) if quiet else 0,
        "jitter_minutes": draw(st.integers(0, 180)) if jitter else 0,
        "seed": draw(st.text(max_size=8)),
    }
    if quiet and draw(st.booleans()):
        options["quiet_start"] = time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 30])))
        options["quiet_end"] = time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 30])))
    spec = {"times": times, "weekdays": weekdays}
    return spec, tz, start, start + timedelta(days=40), options


def expected_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """Where a wall time should ring, worked out by brute force rather than by fold rules."""
    around = [wall.replace(tzinfo=UTC) + timedelta(hours=h) for h in range(-30, 31)]
    offsets = {moment.astimezone(zone).utcoffset() for moment in around}
    hits = [(wall - offset).replace(tzinfo=UTC) for offset in offsets]
    hits = [h for h in hits if h.astimezone(zone).replace(tzinfo=None) == wall]
    if hits:
        return min(hits)  # in an overlap, the first of the two
    # In a gap: find where the clock jumps over `wall`; ring as late as the gap is long.
    moment = min(around)
    while (moment + timedelta(minutes=1)).astimezone(zone).replace(tzinfo=None) < wall:
        moment += timedelta(minutes=1)
    return (wall - moment.astimezone(zone).utcoffset()).replace(tzinfo=UTC)


@settings(max_examples=150, deadline=None)
@given(cases())
def test_every_slot_rings_once_at_its_wall_time_or_gap_shifted(case):
    spec, tz, start, end, options = case
    zone = ZoneInfo(tz)
    occurrences = expand(spec, tz, start, end, **options)
    assert len({(o.local_date, o.nominal_local) for o in occurrences}) == len(occurrences)
    assert len({o.slot for o in occurrences}) == len(occurrences)
    # The oracle: every (day, time) of the schedule whose instant falls in the window, once;
    # two slots landing on one instant (a gap time and the time it moves to) ring once.
    wanted = {}
    weekdays = {WEEKDAYS.index(code) for code in spec["weekdays"]}
    day = start.astimezone(zone).date() - timedelta(days=1)
    while day <= end.astimezone(zone).date() + timedelta(days=1):
        for clock in spec["times"]:
            clock = clock if isinstance(clock, time) else time.fromisoformat(clock)
            wall = datetime.combine(day, clock)
            if day.weekday() in weekdays and start <= (at := expected_instant(wall, zone)) < end:
                wanted.setdefault(at, f"{wall:%Y-%m-%dT%H:%M}@{tz}")
                wanted[at] = min(wanted[at], f"{wall:%Y-%m-%dT%H:%M}@{tz}")
        day += timedelta(days=1)
    assert {o.at: o.slot for o in occurrences} == wanted
    for o in occurrences:
        ringing = o.at.astimezone(zone).replace(tzinfo=None)
        assert ringing == o.nominal_local or resolve_local(o.nominal_local, zone) == o.at
        assert ringing.date() == o.local_date


@settings(max_examples=150, deadline=None)
@given(cases(jitter=True, quiet=True))
def test_quiet_hours_spacing_cap_and_jitter_always_hold(case):
    spec, tz, start, end, options = case
    zone = ZoneInfo(tz)
    occurrences = expand(spec, tz, start, end, **options)
    assert [o.at for o in occurrences] == sorted(o.at for o in occurrences)
    assert all(start <= o.at < end for o in occurrences)
    spacing = timedelta(minutes=max(options["min_spacing_minutes"], 1))
    assert all(b.at - a.at >= spacing for a, b in pairwise(occurrences))
    assert max(Counter(o.local_date for o in occurrences).values(), default=0) <= options["cap"]
    quiet = (options.get("quiet_start"), options.get("quiet_end"))
    for o in occurrences:
        delay = o.at - resolve_local(o.nominal_local, zone)
        assert timedelta(0) <= delay <= timedelta(minutes=options["jitter_minutes"])
        assert o.at.astimezone(zone).date() == o.local_date
        clock = o.at.astimezone(zone).time()
        if quiet[0] is not None:
            inside = (
                quiet[0] == quiet[1]
                or quiet[0] <= clock < quiet[1]
                or (quiet[0] > quiet[1] and (clock >= quiet[0] or clock < quiet[1]))
            )
            assert not inside


@settings(max_examples=200, deadline=None)
@given(cases(jitter=True, quiet=True), st.integers(1, 30 * 24))
def test_replanning_from_a_later_start_changes_nothing(case, later_hours):
    spec, tz, start, end, options = case
    later = start + timedelta(hours=later_hours)
    whole = expand(spec, tz, start, end, **options)
    assert expand(spec, tz, later, end, **options) == [o for o in whole if o.at >= later]


@settings(max_examples=100, deadline=None)
@given(cases(jitter=True, quiet=True))
def test_compiled_rules_expand_like_the_simple_form(case):
    spec, tz, start, end, options = case
    rules = compile_rrules(spec["times"], spec["weekdays"])
    assert [check_rrule(rule) for rule in rules] == rules
    anchor = start.astimezone(ZoneInfo(tz)).date() - timedelta(days=30)
    compiled = expand({"rrule": rules}, tz, start, end, anchor=anchor, **options)
    assert compiled == expand(spec, tz, start, end, **options)
