"""Clients of a therapist: commands that change them and queries that read them."""
