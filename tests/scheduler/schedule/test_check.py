"""check_schedule: every problem of a schedule at once, each naming its field and the fix
(pure, no app)."""

from datetime import time

import pytest

from scheduler.schedule.check import check_schedule


def test_a_good_schedule_has_no_problems():
    spec = {"times": ["08:30", "19:00"], "weekdays": ["MO", "TH"], "min_spacing_minutes": 60}
    assert check_schedule(spec, "Europe/Berlin", "22:00", "07:00") == []
    assert check_schedule({"rrule": "FREQ=DAILY;BYHOUR=9"}, "UTC", time(22), time(7)) == []


@pytest.mark.parametrize(
    ("spec", "tz", "quiet", "field", "fix"),
    [
        ({"times": ["09:00"]}, "UTC", ("22:00", "22:00"), "quiet_start", "leave some hours"),
        ({"times": ["09:00"]}, "UTC", ("22:00", None), "quiet_end", "set both"),
        ({"times": ["06:30", "09:00"]}, "UTC", ("22:00", "07:00"), "times", "quiet hours"),
        ({"times": ["23:00"]}, "UTC", ("22:00", "07:00"), "times", "move it outside"),
        (
            {"times": ["09:00"], "min_spacing_minutes": 1440},
            "UTC",
            (None, None),
            "min_spacing_minutes",
            "less than 1440",
        ),
        ({"times": ["09:00"]}, "Europe/Berlinn", (None, None), "timezone", "Europe/Berlin"),
        ({"times": ["09:00"]}, "../etc/passwd", (None, None), "timezone", "e.g. Europe/Berlin"),
        ({"times": []}, "UTC", (None, None), "times", "add at least one time"),
        ({}, "UTC", (None, None), "times", "or an RRULE"),
        ({"times": ["9am"]}, "UTC", (None, None), "times", "HH:MM"),
        ({"times": ["09:00"], "weekdays": ["MON"]}, "UTC", (None, None), "weekdays", "MO"),
        ({"times": ["09:00", "09:30"]}, "UTC", (None, None), "times", "lower min_spacing"),
        ({"times": ["00:15", "23:45"]}, "UTC", (None, None), "times", "00:15 is only 30"),
        ({"rrule": "FREQ=HOURLY"}, "UTC", (None, None), "rrule", "FREQ=DAILY"),
        ({"rrule": "FREQ=DAILY;BYHOUR=6,9"}, "UTC", ("22:00", "07:00"), "rrule", "06:00"),
    ],
)
def test_check_schedule_names_the_field_and_the_fix(spec, tz, quiet, field, fix):
    problems = check_schedule(spec, tz, *quiet)
    assert any(f == field and fix in message for f, message in problems), problems


def test_check_schedule_ignores_the_night_gap_when_no_two_days_run_on():
    spec = {"times": ["00:15", "23:45"], "weekdays": ["MO", "WE"]}
    assert check_schedule(spec, "UTC") == []


def test_check_schedule_reports_every_problem_at_once():
    problems = check_schedule(
        {"times": ["23:30"], "min_spacing_minutes": 2000}, "Nowhere", "22:00", "07:00"
    )
    assert {field for field, _ in problems} == {"timezone", "min_spacing_minutes", "times"}
