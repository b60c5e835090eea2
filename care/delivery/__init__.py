"""Delivery records in the care layer: prompts and webhook secrets."""
