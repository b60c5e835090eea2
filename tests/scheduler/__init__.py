"""Tests for the scheduler floor."""
