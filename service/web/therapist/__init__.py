"""The therapist's pages: dashboard, one client, assignments, and the practice catalogue."""
