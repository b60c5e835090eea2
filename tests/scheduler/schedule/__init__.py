"""Tests of scheduler/schedule: pure, no app."""
