"""Response shapes of the API: what each resource answers (the care layer returns tables and
plain data; these turn them into the documented JSON)."""
