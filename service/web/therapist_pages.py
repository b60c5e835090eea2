"""Therapist pages: dashboard, client page, assignments, catalogue, own practice, crisis."""
