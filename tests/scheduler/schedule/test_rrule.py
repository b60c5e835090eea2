"""RRULEs: the simple form compiled to rules, and a therapist's rule normalised or refused
with a message that says what to fix (pure, no app)."""

import pytest

from scheduler.schedule.fields import ScheduleError
from scheduler.schedule.rrule import check_rrule, compile_rrules


def test_compile_rrules_shape_and_round_trip():
    rules = compile_rrules(["19:00", "08:30", "08:30"], ["FR", "MO", "WE"])
    assert rules == [
        "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=8;BYMINUTE=30;BYSECOND=0",
        "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=19;BYMINUTE=0;BYSECOND=0",
    ]
    assert [check_rrule(rule) for rule in rules] == rules
    assert compile_rrules([], ["MO"]) == []
    with pytest.raises(ScheduleError) as info:
        compile_rrules(["08:00"], ["XX"])
    assert info.value.field == "weekdays" and "MO" in info.value.message


def test_check_rrule_normalises():
    assert check_rrule(" rrule:freq=daily;byhour=18,9 ") == (
        "FREQ=DAILY;BYHOUR=9,18;BYMINUTE=0;BYSECOND=0"
    )
    assert check_rrule("FREQ=MONTHLY;COUNT=4;BYDAY=1MO;BYHOUR=9") == (
        "FREQ=MONTHLY;COUNT=4;BYDAY=1MO;BYHOUR=9;BYMINUTE=0;BYSECOND=0"
    )


@pytest.mark.parametrize(
    ("text", "fix"),
    [
        ("", "FREQ=DAILY"),
        ("FREQ=HOURLY;BYMINUTE=0", "too frequent"),
        ("FREQ=MINUTELY", "too frequent"),
        ("FREQ=SECONDLY", "too frequent"),
        ("BYHOUR=9", "FREQ=DAILY"),
        ("DTSTART:20260101T090000\nRRULE:FREQ=DAILY;BYHOUR=9", "leave out DTSTART"),
        ("FREQ=DAILY;DTSTART=20260101T090000;BYHOUR=9", "leave out DTSTART"),
        ("RRULE:FREQ=DAILY;BYHOUR=9\nEXDATE:20260102T090000", "single RRULE line"),
        ("FREQ=DAILY", "BYHOUR"),
        ("FREQ=WEEKLY;BYHOUR=9", "BYDAY=MO,TH"),
        ("FREQ=MONTHLY;BYHOUR=9", "BYMONTHDAY"),
        ("FREQ=YEARLY;BYMONTH=3;BYHOUR=9", "BYDAY"),
        ("FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12", "at most 12"),
        ("FREQ=DAILY;BYHOUR=8,9,10,11;BYMINUTE=0,15,30,45", "at most 12"),
        ("FREQ=DAILY;BYHOUR=25", "between 0 and 23"),
        ("FREQ=DAILY;BYHOUR=nine", "whole numbers"),
        ("FREQ=DAILY;BYHOUR=9;BYSECOND=30", "leave out BYSECOND"),
        ("FREQ=DAILY;BYHOUR=9;COUNT=3;UNTIL=20261231", "COUNT or UNTIL"),
        ("FREQ=DAILY;BYHOUR=9;UNTIL=tomorrow", "20261231"),
        ("FREQ=DAILY;BYHOUR=9;UNTIL=20261340", "could not be read"),
        ("FREQ=DAILY;BYHOUR=9;BYDAY=XX", "could not be read"),
        ("FREQ=DAILY;BYHOUR=9;FREQ=WEEKLY", "twice"),
        ("FREQ=DAILY;BYHOUR=9;COLOR=BLUE", "not an RRULE part"),
        ("FREQ=DAILY;BYHOUR", "NAME=VALUE"),
        ("FREQ=DAILY;BYHOUR=9;BYMONTH=2;BYMONTHDAY=30", "never happens"),
        ("FREQ=DAILY;BYHOUR=9;BYSETPOS=3", "never happens"),
    ],
)
def test_check_rrule_refuses_with_a_message_that_says_what_to_fix(text, fix):
    with pytest.raises(ScheduleError) as info:
        check_rrule(text)
    assert info.value.field == "rrule"
    assert fix in info.value.message
    assert str(info.value).startswith("rrule: ")


def test_check_rrule_allows_count_and_until():
    assert "COUNT=10" in check_rrule("FREQ=DAILY;BYHOUR=9;COUNT=10")
    assert "UNTIL=20261231T235959Z" in check_rrule("FREQ=DAILY;BYHOUR=9;UNTIL=20261231T235959Z")
