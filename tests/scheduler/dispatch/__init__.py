"""Tests of scheduler/dispatch: the pure decision without an app, the rest on both databases."""
