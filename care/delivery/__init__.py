"""Delivery records in the care layer: prompts, calendar feeds, webhooks and their secrets."""
