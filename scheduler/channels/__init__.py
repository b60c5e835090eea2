"""Delivery channels: email and signed webhooks behind one small protocol (`base`), with the
words they send in `wording`. The in-app inbox is the prompts table itself, so it is no channel."""
