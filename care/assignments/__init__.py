"""Assignments: which practices a client does, the gates on them, and the commands."""
