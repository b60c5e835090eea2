"""Schedules: a client's local wall-clock schedule, checked and expanded into UTC prompt instants.

`fields` reads the schedule's fields (clocks, weekdays, zone, quiet hours), `rrule` checks and
normalises RFC 5545 rules, `check` lists the problems a therapist can fix, and `expand` turns a
schedule into the prompts of a window. All of it is pure: standard library and dateutil only.
"""
